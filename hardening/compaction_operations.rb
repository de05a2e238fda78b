# frozen_string_literal: true

require "openssl"
require "base64"

module TokenOxideHardening
  # The public API as a table of named checks (each returns true when the
  # result is right), for the compaction run: plain calls and the variants
  # that take other native paths (purpose, expiry, the expiry clock, rotation,
  # every serializer, url_safe, GCM and CBC, key generation, token storage).
  module CompactionOperations
    module_function

    SECRET = ("s3cr3t" * 11).b.freeze
    OLD_SECRET = ("old-secret" * 7).b.freeze
    KEY = ("k" * 32).b.freeze
    OLD_KEY = ("o" * 32).b.freeze
    SIGN_KEY = ("h" * 64).b.freeze

    def build
      {}.merge(primitives, verifier_operations, encryptor_operations, key_operations, storage_operations)
    end

    # Names of the operations that returned false or raised.
    def run(ops)
      ops.filter_map do |name, op|
        name unless op.call
      rescue StandardError => e
        "#{name} (#{e.class}: #{e.message})"
      end
    end

    def primitives
      token = TokenOxide.base58(32)
      {
        base58: -> { TokenOxide.base58(24).bytesize == 24 },
        friendly_token: -> { TokenOxide.friendly_token.bytesize == 20 },
        random_token: -> { TokenOxide.random_token(16, alphabet: "abc").match?(/\A[abc]{16}\z/) },
        random_bytes: -> { TokenOxide.random_bytes(16).bytesize == 16 },
        secure_compare: -> { TokenOxide.secure_compare(token, token.dup) && !TokenOxide.secure_compare(token, token.succ) },
        fixed_length_secure_compare: -> { TokenOxide.fixed_length_secure_compare(token, token.dup) },
        digests: lambda {
          TokenOxide::Digest.sha256_base64digest(token) == [OpenSSL::Digest::SHA256.digest(token)].pack("m0") &&
            TokenOxide::Digest.hmac_sha256_hexdigest(KEY, token) == OpenSSL::HMAC.hexdigest("SHA256", KEY, token)
        }
      }
    end

    def verifier_operations
      json = TokenOxide::MessageVerifier.new(SECRET, serializer: :json)
      marshal = TokenOxide::MessageVerifier.new(SECRET, serializer: :marshal, digest: "SHA256")
      url_safe = TokenOxide::MessageVerifier.new(SECRET, url_safe: true, digest: "SHA512")
      old = TokenOxide::MessageVerifier.new(OLD_SECRET, serializer: :json)
      rotated = TokenOxide::MessageVerifier.new(SECRET, serializer: :json)
      rotated.rotate(OLD_SECRET, serializer: :json)
      value = { "user_id" => 42, "scope" => %w[read write], "nested" => { "k" => 1.5 } }
      round_trip = ->(verifier, **options) { verifier.verified(verifier.generate(value, **options), purpose: options[:purpose]) == value }
      {
        verify_plain: -> { round_trip.(json) && json.verify(json.generate(value)) == value },
        verify_purpose: -> { round_trip.(json, purpose: "login") && json.verified(json.generate(value, purpose: "a"), purpose: "b").nil? },
        verify_expires_in: -> { round_trip.(json, expires_in: 60) && json.verified(json.generate(value, expires_in: -1)).nil? },
        verify_expires_at: -> { round_trip.(json, expires_at: Time.now + 60) },
        verify_purpose_and_expiry: -> { round_trip.(json, purpose: "reset", expires_in: 900) },
        verify_marshal: -> { round_trip.(marshal, purpose: "p", expires_in: 60) },
        verify_url_safe: -> { round_trip.(url_safe, expires_in: 60) && url_safe.generate(value).match?(/\A[\w-]+--\h+\z/) },
        verify_rejects: lambda {
          message = json.generate(value, expires_in: 60)
          !json.valid_message?(message.succ) && json.valid_message?(message) && raises_invalid_signature? { json.verify(message.succ) }
        },
        verify_rotation: lambda {
          rotations = 0
          message = old.generate(value, purpose: "p", expires_in: 60)
          rotated.verified(message, purpose: "p", on_rotation: -> { rotations += 1 }) == value && rotations == 1
        }
      }
    end

    def encryptor_operations
      gcm = TokenOxide::MessageEncryptor.new(KEY)
      cbc = TokenOxide::MessageEncryptor.new(KEY, SIGN_KEY, cipher: "aes-256-cbc")
      old = TokenOxide::MessageEncryptor.new(OLD_KEY)
      rotated = TokenOxide::MessageEncryptor.new(KEY)
      rotated.rotate(OLD_KEY)
      value = { "session_id" => TokenOxide.base58(20), "n" => 7 }
      round_trip = ->(encryptor, **options) { encryptor.decrypt_and_verify(encryptor.encrypt_and_sign(value, **options), purpose: options[:purpose]) == value }
      {
        encrypt_gcm: -> { round_trip.(gcm) },
        encrypt_gcm_purpose_expiry: -> { round_trip.(gcm, purpose: "cookie.s", expires_in: 60) && gcm.decrypt_and_verify(gcm.encrypt_and_sign(value, expires_in: -1)).nil? },
        encrypt_cbc: -> { round_trip.(cbc) && round_trip.(cbc, purpose: "p", expires_at: Time.now + 60) },
        encrypt_rotation: -> { rotated.decrypt_and_verify(old.encrypt_and_sign(value, expires_in: 60)) == value }
      }
    end

    def key_operations
      generator = TokenOxide::KeyGenerator.new(SECRET, iterations: 10, hash_digest_class: OpenSSL::Digest::SHA256)
      caching = TokenOxide::CachingKeyGenerator.new(generator)
      token_for = TokenOxide::TokenForVerifier.build(SECRET)
      {
        key_generator: -> { generator.generate_key("salt", 32) == OpenSSL::PKCS5.pbkdf2_hmac(SECRET, "salt", 10, 32, "sha256") },
        caching_key_generator: -> { caching.generate_key("salt", 32).equal?(caching.generate_key("salt", 32)) },
        token_for_verifier: lambda {
          token = token_for.generate([42, "abc"], purpose: "User\nreset\n900", expires_in: 900)
          token_for.verified(token, purpose: "User\nreset\n900") == [42, "abc"]
        }
      }
    end

    def storage_operations
      cipher = TokenOxide::Native::TokenCipher.new(KEY, SECRET, SECRET, true)
      {
        token_cipher: lambda {
          token = TokenOxide.base58(20)
          cipher.decrypt(cipher.encrypt(token)) == token && cipher.decrypt(cipher.encrypt_gitlab(token)) == token
        }
      }
    end

    def raises_invalid_signature?
      yield
      false
    rescue TokenOxide::MessageVerifier::InvalidSignature
      true
    end
  end
end
