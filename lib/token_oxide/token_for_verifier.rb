# frozen_string_literal: true

require "openssl"

module TokenOxide
  # Builds the verifier behind generates_token_for exactly as a Rails 7.1+ app
  # does: the key is PBKDF2-HMAC-SHA256(secret_key_base, "active_record/token_for",
  # 1000 iterations, 64 bytes) (what app.message_verifier("active_record/token_for")
  # derives under load_defaults >= 7.0), the verifier signs with HMAC-SHA1, is not
  # URL-safe, serializes with :json_allow_marshal and uses the 7.1+ envelope.
  #
  #   User.generated_token_verifier = TokenOxide::TokenForVerifier.build(ENV.fetch("SECRET_KEY_BASE"))
  module TokenForVerifier
    SALT = "active_record/token_for"
    ITERATIONS = 1000
    KEY_SIZE = 64
    DEFAULT_OPTIONS = {
      digest: "SHA1",
      serializer: :json_allow_marshal,
      url_safe: false,
      force_legacy_metadata_serializer: false
    }.freeze

    module_function

    # +secret_key_base+ is used as its raw bytes (a hex key is not decoded).
    # +key_generator+: an app's own (caching) key generator, so its digest
    # setting is honoured; otherwise PBKDF2 with +hash_digest_class+.
    # Other keywords override the verifier options above.
    def build(secret_key_base = nil, key_generator: nil, hash_digest_class: OpenSSL::Digest::SHA256, **options)
      key = key_generator ? key_generator.generate_key(SALT, KEY_SIZE) : derive_key(secret_key_base, hash_digest_class: hash_digest_class)
      MessageVerifier.new(key, **DEFAULT_OPTIONS, **options)
    end

    # The 64-byte verifier secret (binary String) for +secret_key_base+.
    def derive_key(secret_key_base, hash_digest_class: OpenSSL::Digest::SHA256)
      raise ArgumentError, "secret_key_base must be a String" unless secret_key_base.is_a?(String)

      KeyGenerator.new(secret_key_base, iterations: ITERATIONS, hash_digest_class: hash_digest_class)
                  .generate_key(SALT, KEY_SIZE)
    end
  end
end
