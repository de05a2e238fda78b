# frozen_string_literal: true

require "json"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/core_ext/numeric/time"

section "MessageVerifier and MessageEncryptor (Rails 7.1+ formats)" do
  secret = "demo secret key base " * 3
  # Options left out follow ActiveSupport's process-wide settings (Marshal and
  # the pre-7.1 envelope outside a 7.1+ app): ask for the 7.1+ format here.
  verifier = TokenOxide::MessageVerifier.new(secret, digest: "SHA256", serializer: :json_allow_marshal,
                                                     force_legacy_metadata_serializer: false)
  token = verifier.generate({ "user_id" => 42 }, purpose: :login, expires_in: 15.minutes)
  show "generate (purpose + 15 min)", token
  show "verified(token, purpose: :login)", verifier.verified(token, purpose: :login).inspect
  show "verified(token, purpose: :other)", verifier.verified(token, purpose: :other).inspect
  begin
    verifier.verify(token.succ)
  rescue ActiveSupport::MessageVerifier::InvalidSignature => e
    show "verify(tampered) raises", "#{e.class} (rescued as ActiveSupport's)"
  end

  # Rails 6.1 writes the pre-7.1 envelope and Marshal; both directions work.
  rails61 = ActiveSupport::MessageVerifier.new(secret, digest: "SHA256")
  legacy = TokenOxide::MessageVerifier.new(secret, digest: "SHA256", serializer: :marshal,
                                                   force_legacy_metadata_serializer: true)
  show "6.1 token read by token_oxide", legacy.verified(rails61.generate([1, "two"], purpose: :x), purpose: :x).inspect
  show "token_oxide token read by 6.1", rails61.verified(legacy.generate([1, "two"], purpose: :x), purpose: :x).inspect

  key = "k" * 32
  encryptor = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: :json_allow_marshal)
  message = encryptor.encrypt_and_sign({ "card" => "4242" }, purpose: :checkout, expires_in: 60)
  show "encrypt_and_sign (AES-256-GCM)", message
  show "decrypt_and_verify", encryptor.decrypt_and_verify(message, purpose: :checkout).inspect
  rails_gcm = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm")
  show "6.1 GCM message decrypted", encryptor.decrypt_and_verify(rails_gcm.encrypt_and_sign("from 6.1")).inspect

  puts
  value = { "user_id" => 42, "scope" => "login" }
  as_verifier = ActiveSupport::MessageVerifier.new(secret, serializer: JSON)
  json_verifier = TokenOxide::MessageVerifier.new(secret, serializer: :json)
  as_token = as_verifier.generate(value, purpose: :login, expires_in: 3600)
  ox_token = json_verifier.generate(value, purpose: :login, expires_in: 3600)
  compare("verifier generate (JSON, pur+exp)",
          ruby: -> { as_verifier.generate(value, purpose: :login, expires_in: 3600) },
          oxide: -> { json_verifier.generate(value, purpose: :login, expires_in: 3600) })
  compare("verifier verified (JSON, pur+exp)",
          ruby: -> { as_verifier.verified(as_token, purpose: :login) },
          oxide: -> { json_verifier.verified(ox_token, purpose: :login) })
  as_encryptor = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: JSON)
  json_encryptor = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: :json)
  as_message = as_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600)
  ox_message = json_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600)
  compare("GCM encrypt_and_sign",
          ruby: -> { as_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600) },
          oxide: -> { json_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600) })
  compare("GCM decrypt_and_verify",
          ruby: -> { as_encryptor.decrypt_and_verify(as_message, purpose: :login) },
          oxide: -> { json_encryptor.decrypt_and_verify(ox_message, purpose: :login) })
end
