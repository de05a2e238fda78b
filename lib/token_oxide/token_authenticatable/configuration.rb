# frozen_string_literal: true

require "openssl"

module TokenOxide
  module TokenAuthenticatable
    # Where the keys of encrypted and digested token columns come from.
    #
    #   TokenOxide::TokenAuthenticatable.configure do |c|
    #     c.db_key_base = ENV.fetch("DB_KEY_BASE")  # GitLab's db_key_base, or any long secret
    #   end
    #
    # * Digest columns store base64(sha256(token + digest_salt)); digest_salt
    #   defaults to db_key_base[0, 32] (GitLab's truncated key base).
    # * Encrypted columns written by token_oxide use two keys derived from
    #   db_key_base with the KeyGenerator (PBKDF2-HMAC-SHA256, key_iterations
    #   rounds) under two distinct salts: encryption_salt for AES-256-GCM and
    #   nonce_salt for the HMAC that makes the nonce.
    # * GitLab-format values are read (and, with write_format = :gitlab,
    #   written) under db_key_base fitted to 32 bytes by GitLab's rule.
    #
    # Without db_key_base, Rails.application.secret_key_base is used.
    #
    # Rotation: put retired key bases in previous_db_key_bases. Values and
    # digests made under them are still read and found; new ones use
    # db_key_base.
    #
    # read_legacy_static_iv (default false): also read and find GitLab's
    # oldest format, encrypted under one fixed IV. Off, a lookup never
    # computes that form (it would encrypt every presented token under the
    # same IV, and the query lands in SQL debug logs); a stored value in it
    # raises TokenOxide::Error instead of reading as no token.
    class Configuration
      SETTINGS = %i[db_key_base previous_db_key_bases digest_salt key_generator key_iterations encryption_salt nonce_salt
                    write_format read_legacy_static_iv].freeze
      WRITE_FORMATS = %i[token_oxide gitlab].freeze

      attr_reader(*SETTINGS)

      def initialize
        @previous_db_key_bases = []
        @key_iterations = 2**16
        @encryption_salt = "token_oxide/token_authenticatable/encryption"
        @nonce_salt = "token_oxide/token_authenticatable/nonce"
        @write_format = :token_oxide
        @read_legacy_static_iv = false
        @mutex = Mutex.new
      end

      SETTINGS.each do |name|
        define_method(:"#{name}=") do |value|
          if name == :write_format && !WRITE_FORMATS.include?(value)
            raise ArgumentError, "write_format must be one of #{WRITE_FORMATS.inspect}"
          end
          if name == :read_legacy_static_iv && value != true && value != false
            raise ArgumentError, "read_legacy_static_iv must be true or false"
          end

          @mutex.synchronize do
            instance_variable_set(:"@#{name}", value)
            @cipher = @ciphers = @resolved_digest_salt = @digest_salts = nil
          end
        end
      end

      # The key base in use (configured, else the Rails app's secret_key_base).
      def key_base
        base = db_key_base
        base = ::Rails.application.secret_key_base if base.nil? && defined?(::Rails) && ::Rails.respond_to?(:application) && ::Rails.application
        if base.nil? || base.to_s.empty?
          raise TokenOxide::Error, "TokenOxide::TokenAuthenticatable needs a key: set db_key_base in TokenOxide::TokenAuthenticatable.configure"
        end

        base.to_s
      end

      # Salt appended to tokens before hashing (GitLab: db_key_base[0..31]).
      def token_digest_salt
        @resolved_digest_salt ||= (digest_salt || key_base[0, 32]).to_s
      end

      # Every salt a stored digest may have been made with, current first.
      def token_digest_salts
        @digest_salts ||= if digest_salt
                            [token_digest_salt]
                          else
                            [token_digest_salt, *Array(previous_db_key_bases).map { |base| base.to_s[0, 32] }].uniq
                          end
      end

      # The native cipher of the current key base (all writes), built once.
      def cipher
        @cipher || @mutex.synchronize { @cipher ||= build_cipher(key_base, key_generator) }
      end

      # Current cipher first, then one per previous key base (reads, lookups).
      def ciphers
        @ciphers ||= [cipher, *Array(previous_db_key_bases).map { |base| @mutex.synchronize { build_cipher(base.to_s, nil) } }]
      end

      def inspect
        "#<#{self.class.name} write_format=#{write_format.inspect} key_iterations=#{key_iterations} " \
          "read_legacy_static_iv=#{read_legacy_static_iv}>"
      end
      alias to_s inspect

      private

      def build_cipher(base, generator)
        generator ||= TokenOxide::KeyGenerator.new(base, iterations: key_iterations,
                                                                       hash_digest_class: OpenSSL::Digest::SHA256)
        Native::TokenCipher.new(generator.generate_key(encryption_salt, 32), generator.generate_key(nonce_salt, 32),
                                base, base.encoding != Encoding::BINARY)
      end
    end

    class << self
      def configuration
        @configuration ||= Configuration.new
      end

      def configure
        yield configuration
        configuration
      end

      # Back to defaults (forgets keys and the built cipher); for tests.
      def reset_configuration!
        @configuration = nil
      end
    end
  end
end
