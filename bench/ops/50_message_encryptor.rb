# frozen_string_literal: true

require "active_support"
require "active_support/message_encryptor"
require_relative "../fixtures"

# AES-256-GCM encrypt_and_sign / decrypt_and_verify, JSON payload, same key.
# Target 20x for every GCM row, with metadata or without (the bar set for the
# codec a CookieStore session runs on every request).
module TokenOxideBench
  def self.encryptor_pair
    [ActiveSupport::MessageEncryptor.new(Fixtures::KEY32, cipher: "aes-256-gcm", serializer: Fixtures::RUBY_JSON),
     TokenOxide::MessageEncryptor.new(Fixtures::KEY32, cipher: "aes-256-gcm", serializer: :json)]
  end

  op "MessageEncryptor#encrypt_and_sign (GCM, small)", group: "message_encryptor",
                                                      needs: %w[TokenOxide::MessageEncryptor], target: 20 do
    ruby, oxide = encryptor_pair
    value = Fixtures.small_payload
    {
      ruby: -> { ruby.encrypt_and_sign(value) },
      oxide: -> { oxide.encrypt_and_sign(value) },
      check: ->(r, o) { ruby.decrypt_and_verify(r) == value && oxide.decrypt_and_verify(o) == value }
    }
  end

  op "MessageEncryptor#decrypt_and_verify (GCM, small)", group: "message_encryptor",
                                                        needs: %w[TokenOxide::MessageEncryptor], target: 20 do
    ruby, oxide = encryptor_pair
    value = Fixtures.small_payload
    ruby_message = ruby.encrypt_and_sign(value)
    oxide_message = oxide.encrypt_and_sign(value)
    {
      ruby: -> { ruby.decrypt_and_verify(ruby_message) },
      oxide: -> { oxide.decrypt_and_verify(oxide_message) },
      check: ->(r, o) { r == value && o == value }
    }
  end

  # With the metadata a remember-me or session message carries.
  op "MessageEncryptor#encrypt_and_sign (GCM, small, purpose+expiry)", group: "message_encryptor",
                                                                      needs: %w[TokenOxide::MessageEncryptor], target: 20,
                                                                      note: Fixtures::LEGACY_ENVELOPE_NOTE do
    ruby, oxide = encryptor_pair
    value = Fixtures.small_payload
    opts = { purpose: "remember_me", expires_in: 3600 }
    {
      ruby: -> { ruby.encrypt_and_sign(value, **opts) },
      oxide: -> { oxide.encrypt_and_sign(value, **opts) },
      check: ->(r, o) { oxide.decrypt_and_verify(r, purpose: "remember_me") == value && ruby.decrypt_and_verify(o, purpose: "remember_me") == value }
    }
  end

  op "MessageEncryptor#decrypt_and_verify (GCM, small, purpose+expiry)", group: "message_encryptor",
                                                                        needs: %w[TokenOxide::MessageEncryptor], target: 20,
                                                                        note: Fixtures::LEGACY_ENVELOPE_NOTE do
    ruby, oxide = encryptor_pair
    value = Fixtures.small_payload
    opts = { purpose: "remember_me", expires_in: 3600 }
    ruby_message = ruby.encrypt_and_sign(value, **opts)
    oxide_message = oxide.encrypt_and_sign(value, **opts)
    {
      ruby: -> { ruby.decrypt_and_verify(ruby_message, purpose: "remember_me") },
      oxide: -> { oxide.decrypt_and_verify(oxide_message, purpose: "remember_me") },
      check: ->(r, o) { r == value && o == value }
    }
  end
end
