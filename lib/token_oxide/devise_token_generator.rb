# frozen_string_literal: true

module TokenOxide
  # Devise's `Devise.token_generator` (reset-password, confirmation and
  # unlock tokens) with the HMAC done natively: the same interface and the
  # same digests as `Devise::TokenGenerator` (HMAC-<digest> hex of the value
  # under the key its key generator derives for "Devise <column>"), and raw
  # tokens from `Devise.friendly_token`.
  #
  #   Devise.token_generator = TokenOxide::DeviseTokenGenerator.new(
  #     TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(Devise.secret_key)))
  #
  # The Railtie installs one in place of the generator Devise built, after
  # checking it gives the same digests (DeviseTokenGenerator.install).
  class DeviseTokenGenerator
    NATIVE_DIGESTS = %w[SHA1 SHA256 SHA384 SHA512].freeze
    PROBE_COLUMNS = %i[reset_password_token confirmation_token unlock_token].freeze
    PROBE_VALUE = "token_oxide probe"

    def initialize(key_generator, digest = "SHA256")
      @key_generator = key_generator
      @digest = digest.to_s.upcase
      raise ArgumentError, "digest must be one of #{NATIVE_DIGESTS.join(", ")}" unless NATIVE_DIGESTS.include?(@digest)
    end

    # false for a blank value, as Devise's `value.present? && ...` gives.
    def digest(_klass, column, value)
      value.present? && Digest.hmac_hexdigest(@digest, key_for(column), value.to_s)
    end

    # [raw, digest] for a token nobody of +klass+ holds yet.
    def generate(klass, column)
      key = key_for(column)
      loop do
        raw = ::Devise.friendly_token
        enc = Digest.hmac_hexdigest(@digest, key, raw)
        break [raw, enc] unless klass.to_adapter.find_first({ column => enc })
      end
    end

    def inspect
      "#<#{self.class.name} digest=#{@digest}>"
    end

    private

    def key_for(column)
      @key_generator.generate_key("Devise #{column}")
    end

    class << self
      # Replaces the Devise::TokenGenerator Devise built from its secret_key
      # by ours when ours digests the probes identically; a generator the app
      # set itself (any other class) is left alone. Returns the generator now
      # in use.
      def install
        current = ::Devise.token_generator
        return current unless current.instance_of?(::Devise::TokenGenerator) && ::Devise.secret_key

        ours = counterpart(current)
        ::Devise.token_generator = ours if ours
        ::Devise.token_generator
      end

      # Ours with the same secret, key derivation and digest, or nil if its
      # digests differ (e.g. a key generator with another hash class).
      def counterpart(devise_generator)
        key_generator = devise_generator.instance_variable_get(:@key_generator)
        digest = devise_generator.instance_variable_get(:@digest)
        ours = new(CachingKeyGenerator.new(KeyGenerator.new(::Devise.secret_key, iterations: 2**16,
                                                            hash_digest_class: hash_digest_class(key_generator))),
                   digest)
        same = PROBE_COLUMNS.all? do |column|
          ours.digest(nil, column, PROBE_VALUE) == devise_generator.digest(nil, column, PROBE_VALUE)
        end
        same ? ours : nil
      rescue StandardError
        nil
      end

      # The hash class of ActiveSupport's key generator (behind its caching
      # wrapper); ActiveSupport 7.0+ apps may set SHA256 process-wide.
      def hash_digest_class(key_generator)
        inner = key_generator.instance_variable_get(:@key_generator) || key_generator
        inner.instance_variable_get(:@hash_digest_class) || OpenSSL::Digest::SHA1
      end
    end
  end

  # Devise.friendly_token from the Rust generator (same alphabet and the same
  # length for every argument: Devise's rule, see TokenOxide.friendly_token).
  module DeviseFriendlyToken
    def friendly_token(length = 20)
      TokenOxide.friendly_token(length)
    end
  end
end
