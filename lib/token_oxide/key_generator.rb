# frozen_string_literal: true

require "openssl"

module TokenOxide
  # Drop-in for ActiveSupport::KeyGenerator (7.2 API): PBKDF2-HMAC over a
  # secret, computed in Rust with the GVL released. Same bytes as
  # `OpenSSL::PKCS5.pbkdf2_hmac(secret, salt, iterations, key_size, digest)`.
  #
  #   generator = TokenOxide::KeyGenerator.new(secret_key_base, iterations: 1000,
  #                                            hash_digest_class: OpenSSL::Digest::SHA256)
  #   generator.generate_key("active_record/token_for")   # => 64 binary bytes
  #
  # The secret is copied into Rust memory (wiped when the generator is
  # collected) and never appears in #inspect.
  class KeyGenerator
    # Digests computed natively; any other OpenSSL::Digest subclass is
    # delegated to OpenSSL so the class stays a drop-in.
    NATIVE_DIGESTS = %w[SHA1 SHA256 SHA384 SHA512].freeze

    class << self
      # Class-level default digest, as ActiveSupport::KeyGenerator.hash_digest_class
      # (SHA1 unless changed; Rails 7.0+ apps set SHA256 after initialize).
      def hash_digest_class
        @hash_digest_class ||= OpenSSL::Digest::SHA1
      end

      def hash_digest_class=(klass)
        @hash_digest_class = check_digest_class(klass)
      end

      # Name only a Module in the message: a String here may be a key passed
      # in the wrong place, and interpolating any other object calls its
      # #to_s, which for a deeply nested Hash overflows the stack.
      def check_digest_class(klass)
        return klass if klass.is_a?(Class) && klass < OpenSSL::Digest

        shown = klass.is_a?(Module) ? klass : "a #{klass.class}"
        raise ArgumentError, "#{shown} is expected to be an OpenSSL::Digest subclass"
      end
    end

    # @param secret [String] the app's secret (secret_key_base)
    # @param options [Hash] +iterations:+ (default 2**16) and +hash_digest_class:+
    #   (an OpenSSL::Digest subclass, default the class-wide setting)
    # @raise [ArgumentError] when +hash_digest_class+ is not an OpenSSL::Digest
    def initialize(secret, options = {})
      @iterations = options[:iterations] || 2**16
      @hash_digest_class = self.class.check_digest_class(options[:hash_digest_class] || self.class.hash_digest_class)
      digest_name = @hash_digest_class.new.name.upcase
      if NATIVE_DIGESTS.include?(digest_name)
        @native = Native::KeyGenerator.new(secret, @iterations, digest_name)
      else
        @openssl_secret = secret
      end
    end

    # A derived key of +key_size+ bytes (binary String). The default of 64 is
    # ActiveSupport's: the block size of SHA1/SHA256 HMAC keys.
    #
    # @param salt [String] names what the key is for
    # @param key_size [Integer] the length in bytes
    # @return [String] the key (binary)
    def generate_key(salt, key_size = 64)
      if @native
        @native.generate_key(salt, key_size)
      else
        OpenSSL::PKCS5.pbkdf2_hmac(@openssl_secret, salt, @iterations, key_size, @hash_digest_class.new)
      end
    end

    def inspect
      "#<#{self.class.name}:#{format("%#016x", object_id << 1)}>"
    end
    alias to_s inspect
  end

  # Drop-in for ActiveSupport::CachingKeyGenerator: derives each
  # [salt, key_size] once. Thread-safe; two threads may race to derive the
  # same key, but both get the first one stored.
  class CachingKeyGenerator
    # @param key_generator [#generate_key] usually a KeyGenerator
    def initialize(key_generator)
      @key_generator = key_generator
      @cache_keys = {}
      @mutex = Mutex.new
    end

    # @param salt [String] names what the key is for
    # @param key_size [Integer] the length in bytes
    # @return [String] the key (frozen, binary), derived once per salt and size
    def generate_key(salt, key_size = 64)
      # Only String/Integer arguments are cache keys: hashing an arbitrary
      # object (a 10k-deep Hash) can overflow the stack. Anything else gets
      # the underlying generator's own answer (a TypeError).
      return @key_generator.generate_key(salt, key_size) unless salt.is_a?(String) && key_size.is_a?(Integer)

      cache_key = [-salt, key_size]
      cached = @mutex.synchronize { @cache_keys[cache_key] }
      return cached if cached

      # Derive outside the lock so different salts are computed in parallel.
      key = @key_generator.generate_key(salt, key_size).freeze
      @mutex.synchronize { @cache_keys[cache_key] ||= key }
    end

    def inspect
      "#<#{self.class.name}:#{format("%#016x", object_id << 1)}>"
    end
    alias to_s inspect
  end
end
