# frozen_string_literal: true

require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require_relative "../fixtures"

# The codecs of Action Dispatch's cookie jars, built as the jars build them
# (what TokenOxide::CookieJars swaps in): the jar serializes the value
# itself, so the codec gets a String and ActiveSupport's NullSerializer, and
# writes the pre-7.1 envelope with purpose "cookie.<name>". The encrypted
# jar of an app with load_defaults >= 5.2 is GCM with the legacy CBC codec
# as its rotation; a request reads with the first and writes with it.
module TokenOxideBench
  COOKIE_NULL = ActiveSupport::MessageEncryptor::NullSerializer
  COOKIE_OPTIONS = { expires_at: nil, purpose: "cookie._app_session" }.freeze

  # A serialized CookieStore session (JSON, as the :json cookies serializer writes it).
  def self.cookie_session
    JSON.generate("session_id" => "4f0b5c0a6b2e3d1c9a8f7e6d5c4b3a29", "_csrf_token" => "x" * 43, "user_id" => 42)
  end

  def self.cookie_verifiers
    [ActiveSupport::MessageVerifier, TokenOxide::MessageVerifier].map { |k| k.new(Fixtures::SECRET, digest: "SHA1", serializer: COOKIE_NULL) }
  end

  def self.cookie_encryptors
    [ActiveSupport::MessageEncryptor, TokenOxide::MessageEncryptor].map do |klass|
      klass.new(Fixtures::KEY32, cipher: "aes-256-gcm", serializer: COOKIE_NULL)
           .tap { |e| e.rotate(Fixtures::KEY32, Fixtures::SECRET, cipher: "aes-256-cbc", digest: "SHA1", serializer: COOKIE_NULL) }
    end
  end

  op "signed cookie jar: generate (SHA1, session, cookie purpose)", group: "cookie_jars",
                                                                    needs: %w[TokenOxide::MessageVerifier] do
    ruby, oxide = cookie_verifiers
    value = cookie_session
    { ruby: -> { ruby.generate(value, **COOKIE_OPTIONS) }, oxide: -> { oxide.generate(value, **COOKIE_OPTIONS) } }
  end

  op "signed cookie jar: verified (SHA1, session, cookie purpose)", group: "cookie_jars",
                                                                    needs: %w[TokenOxide::MessageVerifier] do
    ruby, oxide = cookie_verifiers
    value = cookie_session
    token = ruby.generate(value, **COOKIE_OPTIONS)
    purpose = COOKIE_OPTIONS[:purpose]
    { ruby: -> { ruby.verified(token, purpose: purpose) }, oxide: -> { oxide.verified(token, purpose: purpose) },
      check: ->(r, o) { r.b == value.b && o.b == value.b } }
  end

  op "encrypted cookie jar: encrypt_and_sign (GCM + CBC rotation, session, cookie purpose)", group: "cookie_jars",
                                                                                              needs: %w[TokenOxide::MessageEncryptor] do
    ruby, oxide = cookie_encryptors
    value = cookie_session
    purpose = COOKIE_OPTIONS[:purpose]
    { ruby: -> { ruby.encrypt_and_sign(value, **COOKIE_OPTIONS) }, oxide: -> { oxide.encrypt_and_sign(value, **COOKIE_OPTIONS) },
      # Each side's message is read by the other.
      check: ->(r, o) { oxide.decrypt_and_verify(r, purpose: purpose).b == value.b && ruby.decrypt_and_verify(o, purpose: purpose).b == value.b } }
  end

  op "encrypted cookie jar: decrypt_and_verify (GCM + CBC rotation, session, cookie purpose)", group: "cookie_jars",
                                                                                                needs: %w[TokenOxide::MessageEncryptor] do
    ruby, oxide = cookie_encryptors
    value = cookie_session
    message = ruby.encrypt_and_sign(value, **COOKIE_OPTIONS)
    purpose = COOKIE_OPTIONS[:purpose]
    { ruby: -> { ruby.decrypt_and_verify(message, purpose: purpose) }, oxide: -> { oxide.decrypt_and_verify(message, purpose: purpose) },
      check: ->(r, o) { r.b == value.b && o.b == value.b } }
  end
end
