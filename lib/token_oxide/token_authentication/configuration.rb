# frozen_string_literal: true

require "token_oxide/settings"

module TokenOxide
  module TokenAuthentication
    # Process-wide defaults; every one can be overridden per declaration.
    class Configuration
      include Settings::Strict
      SETTINGS_GROUP = :token_authentication
      FALLBACKS = %i[devise exception none].freeze
      # Named secrets digest_secret may choose (any other value is the secret itself).
      DIGEST_SECRETS = %i[secret_key_base devise_secret_key].freeze

      # :devise, :exception, :none, or nil for "automatic": :devise when the
      # model has a Devise mapping, :exception otherwise.
      attr_reader :fallback
      # { user: :username } — the attribute a model is identified by (default :email).
      attr_accessor :identifiers
      # { user: { authentication_token: "X-Api-Token", email: "X-Api-Login" } }
      attr_accessor :header_names
      # Devise's sign_in `store:` option: false keeps a token request out of the session.
      attr_accessor :sign_in_token
      # Sets request.env["devise.skip_trackable"] so token requests do not bump sign-in counters.
      attr_accessor :skip_devise_trackable
      # Also read `Authorization: Token token="…", email="…"` (and `Bearer …`).
      # Off unless chosen: simple_token_authentication never reads it, so an
      # app migrating from it must not silently gain a credential channel.
      attr_accessor :authorization_header
      # The secret the :digest store derives its HMAC key from:
      # :secret_key_base, :devise_secret_key, or the secret itself. nil (never
      # chosen) keeps the behaviour of earlier releases, so no stored digest
      # changes: Devise.secret_key when Devise has one, else secret_key_base
      # (the Railtie warns at boot when Devise is loaded and it is nil).
      def digest_secret=(value)
        if value.is_a?(Symbol) && !DIGEST_SECRETS.include?(value)
          raise ArgumentError, "digest_secret must be #{DIGEST_SECRETS.map(&:inspect).join(' or ')} or a String (got #{value.inspect})"
        end

        @digest_secret = value
      end

      def digest_secret_chosen?
        !@digest_secret.nil?
      end

      def initialize
        @fallback = nil
        @identifiers = {}
        @header_names = {}
        @sign_in_token = false
        @skip_devise_trackable = true
        @authorization_header = false
        @digest_secret = nil
      end

      def fallback=(value)
        @fallback = value.nil? ? nil : Configuration.check_fallback(value)
      end

      def self.check_fallback(value)
        return value.to_sym if value.respond_to?(:to_sym) && FALLBACKS.include?(value.to_sym)

        raise ArgumentError, "fallback must be one of #{FALLBACKS.map(&:inspect).join(', ')} (got #{value.inspect})"
      end

      def identifier_for(name)
        (identifiers[name.to_sym] || identifiers[name.to_s] || :email).to_sym
      end

      def header_names_for(name)
        names = header_names[name.to_sym] || header_names[name.to_s] || {}
        names.transform_keys(&:to_sym)
      end

      def digest_secret
        case @digest_secret
        when :secret_key_base then rails_secret_key_base || missing_secret!("Rails.application.secret_key_base")
        when :devise_secret_key then devise_secret_key || missing_secret!("Devise.secret_key")
        when nil then devise_secret_key || rails_secret_key_base || missing_secret!("a secret")
        else @digest_secret
        end
      end

      private def devise_secret_key
        ::Devise.secret_key if defined?(::Devise) && ::Devise.respond_to?(:secret_key)
      end

      private def rails_secret_key_base
        ::Rails.application.secret_key_base if defined?(::Rails) && ::Rails.respond_to?(:application) && ::Rails.application
      end

      private def missing_secret!(what)
        raise ArgumentError, "token digests need #{what}: set config.token_oxide.token_authentication.digest_secret " \
                             "(:secret_key_base, :devise_secret_key or a String)"
      end

      # Hide the secret from inspect/pp output.
      def inspect
        "#<#{self.class.name} fallback=#{fallback.inspect} identifiers=#{identifiers.inspect} " \
          "header_names=#{header_names.inspect} sign_in_token=#{sign_in_token.inspect} " \
          "skip_devise_trackable=#{skip_devise_trackable.inspect} authorization_header=#{authorization_header.inspect} " \
          "digest_secret=#{@digest_secret.is_a?(Symbol) ? @digest_secret.inspect : (@digest_secret.nil? ? 'nil' : '[FILTERED]')}>"
      end
    end
  end
end
