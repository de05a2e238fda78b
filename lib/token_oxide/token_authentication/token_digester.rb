# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # Digests for tokens stored with `store: :digest`.
    #
    # The format is Devise's TokenGenerator#digest, so a Devise app can produce
    # and check the same values: HMAC-SHA256, lowercase hex, keyed by
    # PBKDF2-HMAC-SHA1(secret, "Devise <column>", 65536 iterations, 64 bytes).
    # A keyed HMAC (rather than bare SHA-256) means a leaked table cannot be
    # checked against guesses without the app's secret as well.
    #
    # The PBKDF2 step costs tens of milliseconds, so each key is derived once
    # per (secret, column) and cached; the per-request HMAC runs in Rust.
    module TokenDigester
      ITERATIONS = 65_536
      KEY_SIZE = 64

      @keys = {}
      @lock = Mutex.new

      module_function

      # false for a blank token (nil, "", whitespace only), as Devise's
      # `value.present? && …` gives, and for anything but a String.
      def digest(column, token, secret: TokenAuthentication.configuration.digest_secret)
        return false if Presence.blank?(token)

        TokenOxide::Digest.hmac_sha256_hexdigest(key_for(column, secret), token)
      end

      def key_for(column, secret)
        cache_key = [TokenOxide::Digest.sha256_hexdigest(secret.to_s), column.to_s].freeze
        @lock.synchronize { @keys[cache_key] ||= derive_key(column, secret.to_s) }
      end

      # openssl is required here, not at load: loading it early changes which
      # implementation ActiveSupport::SecurityUtils picks when it loads later.
      def derive_key(column, secret)
        require "openssl"
        OpenSSL::PKCS5.pbkdf2_hmac(secret, "Devise #{column}", ITERATIONS, KEY_SIZE, OpenSSL::Digest.new("SHA1")).freeze
      end

      def clear_cache
        @lock.synchronize { @keys.clear }
      end
    end
  end
end
