# frozen_string_literal: true

require "openssl"
require "token_oxide/settings"
require "token_oxide/configurable"

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
    # db_key_base must be set. Falling back to Rails.application.secret_key_base
    # happens only when the app opts in (db_key_base_from_secret_key_base =
    # true), or in development and test, where it warns once. Elsewhere the
    # first use raises TokenOxide::Error naming the setting: a forgotten
    # db_key_base must not quietly become another key, since values written
    # under it would stop decrypting once the real one is set.
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
      include Settings::Strict
      SETTINGS_GROUP = :token_authenticatable
      SETTINGS = %i[db_key_base previous_db_key_bases digest_salt key_generator key_iterations encryption_salt nonce_salt
                    write_format read_legacy_static_iv db_key_base_from_secret_key_base cell_id].freeze
      # Environments where an unset db_key_base may fall back (with a warning).
      FALLBACK_ENVIRONMENTS = %w[development test].freeze
      WRITE_FORMATS = %i[token_oxide gitlab].freeze

      attr_reader(*SETTINGS)

      def initialize
        @previous_db_key_bases = []
        @key_iterations = 2**16
        @encryption_salt = "token_oxide/token_authenticatable/encryption"
        @nonce_salt = "token_oxide/token_authenticatable/nonce"
        @write_format = :token_oxide
        @read_legacy_static_iv = false
        @db_key_base_from_secret_key_base = false
        @mutex = Mutex.new
      end

      SETTINGS.each do |name|
        define_method(:"#{name}=") do |value|
          if name == :write_format && !WRITE_FORMATS.include?(value)
            raise ArgumentError, "write_format must be one of #{WRITE_FORMATS.inspect}"
          end
          if %i[read_legacy_static_iv db_key_base_from_secret_key_base].include?(name) && value != true && value != false
            raise ArgumentError, "#{name} must be true or false"
          end

          @mutex.synchronize do
            instance_variable_set(:"@#{name}", value)
            @cipher = @ciphers = @resolved_digest_salt = @digest_salts = nil
          end
        end
      end

      # The key base in use: db_key_base, else secret_key_base where allowed
      # (see the class comment).
      def key_base
        base = db_key_base
        base = fallback_key_base if base.nil?
        if base.nil? || base.to_s.empty?
          raise TokenOxide::Error, "TokenOxide::TokenAuthenticatable needs a key: set db_key_base in TokenOxide::TokenAuthenticatable.configure"
        end

        TokenAuthenticatable.normalize_key_base(base.to_s)
      end

      # Every key base still read (current first), each normalised.
      def previous_key_bases
        Array(previous_db_key_bases).map { |base| TokenAuthenticatable.normalize_key_base(base.to_s) }
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
                            [token_digest_salt, *previous_key_bases.map { |base| base[0, 32] }].uniq
                          end
      end

      # The native cipher of the current key base (all writes), built once.
      def cipher
        @cipher || @mutex.synchronize { @cipher ||= build_cipher(key_base, key_generator) }
      end

      # Current cipher first, then one per previous key base (reads, lookups).
      def ciphers
        @ciphers ||= [cipher, *previous_key_bases.map { |base| @mutex.synchronize { build_cipher(base, nil) } }]
      end

      def inspect
        "#<#{self.class.name} write_format=#{write_format.inspect} key_iterations=#{key_iterations} " \
          "read_legacy_static_iv=#{read_legacy_static_iv}>"
      end
      alias to_s inspect

      private

      def fallback_key_base
        secret = rails_secret_key_base
        return if secret.nil? || secret.to_s.empty?
        return secret if db_key_base_from_secret_key_base

        env = TokenAuthenticatable.app_environment
        unless FALLBACK_ENVIRONMENTS.include?(env)
          raise TokenOxide::Error, "TokenOxide::TokenAuthenticatable: db_key_base is not set (environment #{env.inspect}); " \
                                   "set db_key_base in TokenOxide::TokenAuthenticatable.configure, or opt in to " \
                                   "secret_key_base with db_key_base_from_secret_key_base = true"
        end
        warn_fallback_once(env)
        secret
      end

      def rails_secret_key_base
        return unless defined?(::Rails) && ::Rails.respond_to?(:application) && ::Rails.application

        ::Rails.application.secret_key_base
      end

      def warn_fallback_once(env)
        return if @warned_fallback

        @warned_fallback = true
        Kernel.warn("TokenOxide::TokenAuthenticatable: db_key_base is not set, using secret_key_base in #{env}; " \
                    "outside development/test this raises (set db_key_base or db_key_base_from_secret_key_base = true)")
      end

      def build_cipher(base, generator)
        generator ||= TokenOxide::KeyGenerator.new(base, iterations: key_iterations,
                                                                       hash_digest_class: OpenSSL::Digest::SHA256)
        Native::TokenCipher.new(generator.generate_key(encryption_salt, 32), generator.generate_key(nonce_salt, 32),
                                base, base.encoding == Encoding::UTF_8)
      end
    end

    extend Configurable # configuration / configure

    class << self
      # The one reading of a key base's bytes used for the digest salt, the
      # GitLab key and IV and the tox1 keys alike: UTF-8 when the bytes are
      # valid UTF-8 (whatever the String was tagged: ENV under LANG=C gives
      # US-ASCII, File.read may give ASCII-8BIT), else binary, so the same
      # secret gives the same salt and keys however it was loaded.
      def normalize_key_base(base)
        utf8 = base.b.force_encoding(Encoding::UTF_8)
        (utf8.valid_encoding? ? utf8 : base.b).freeze
      end

      # Rails.env when Rails is loaded, else RAILS_ENV / RACK_ENV, else
      # "development" (a plain script is not a deployed app).
      def app_environment
        return ::Rails.env.to_s if defined?(::Rails) && ::Rails.respond_to?(:env) && ::Rails.env

        ENV["RAILS_ENV"] || ENV["RACK_ENV"] || "development"
      end

      # Back to defaults (forgets keys and the built cipher); for tests.
      def reset_configuration!
        @configuration = nil
      end
    end
  end
end
