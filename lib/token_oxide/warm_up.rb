# frozen_string_literal: true

module TokenOxide
  # Derives, ahead of the first request, the keys token_oxide otherwise
  # derives lazily on first use:
  #
  # * the generates_token_for key (Active Record 6.1/7.0 backport, LazyVerifier);
  # * the PBKDF2 key (2**16 rounds) of each acts_as_token_authenticatable
  #   store: :digest column (TokenAuthentication::TokenDigester);
  # * the tox1 keys (2**16 rounds) of GitLab-style encrypted token fields
  #   (TokenAuthenticatable::Configuration#ciphers).
  #
  # Each is skipped when its secret is absent, so a boot without
  # secret_key_base / db_key_base still works (the first use then raises, as
  # before). Fork safety: derived keys are plain immutable bytes computed from
  # the secret, not RNG state, so keys derived before Puma forks its workers
  # are safe to share (and sharing them is the point); the random generator
  # is reseeded per process by the Rust core independently of this.
  module WarmUp
    module_function

    # Returns the names of what was derived (or already was), e.g.
    # [:generates_token_for, :token_authentication, :token_authenticatable].
    def run
      [(:generates_token_for if token_for),
       (:token_authentication if token_authentication_digests),
       (:token_authenticatable if token_authenticatable_ciphers)].compact
    end

    def models
      defined?(::ActiveRecord::Base) ? ::ActiveRecord::Base.descendants : []
    end

    def token_for
      return false unless defined?(::ActiveRecord::Base)

      verifier = ::ActiveRecord::Base.generated_token_verifier
      return false unless verifier

      verifier.warm_up! if verifier.respond_to?(:warm_up!)
      true
    rescue ArgumentError # Rails' "Missing secret_key_base": skipped, raised again at first use
      false
    end

    # The columns of every loaded model with store: :digest (all of them
    # once the app is eager-loaded, as in production).
    def digest_columns
      models.filter_map do |model|
        options = model.respond_to?(:token_authentication_options) && model.token_authentication_options
        options.column if options.respond_to?(:digest?) && options.digest?
      end.uniq
    end

    def token_authentication_digests
      columns = digest_columns
      return false if columns.empty?

      secret = TokenAuthentication.configuration.digest_secret
      columns.each { |column| TokenAuthentication::TokenDigester.key_for(column, secret) }
      true
    rescue ArgumentError # no secret yet
      false
    end

    # Only when a loaded model has an encrypted field, and db_key_base (or
    # the opted-in secret_key_base) is there.
    def token_authenticatable_ciphers
      return false unless TokenOxide.autoload?(:TokenAuthenticatable).nil?
      return false unless models.any? { |model| encrypted_fields?(model) }

      TokenAuthenticatable.configuration.ciphers
      true
    rescue TokenOxide::Error, ArgumentError # key base not set
      false
    end

    def encrypted_fields?(model)
      model.respond_to?(:token_authenticatable_strategies) &&
        model.token_authenticatable_strategies.each_value.any? { |s| s.is_a?(TokenAuthenticatable::Encrypted) }
    end
  end
end
