# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # Process-wide defaults; every one can be overridden per declaration.
    class Configuration
      FALLBACKS = %i[devise exception none].freeze

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
      # Also read `Authorization: Token token="…", email="…"`.
      attr_accessor :authorization_header
      # The secret the :digest store derives its HMAC key from. nil means
      # Devise.secret_key when Devise has one, else Rails' secret_key_base.
      attr_writer :digest_secret

      def initialize
        @fallback = nil
        @identifiers = {}
        @header_names = {}
        @sign_in_token = false
        @skip_devise_trackable = true
        @authorization_header = true
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
        return @digest_secret if @digest_secret
        return Devise.secret_key if defined?(::Devise) && ::Devise.respond_to?(:secret_key) && ::Devise.secret_key
        return ::Rails.application.secret_key_base if defined?(::Rails) && ::Rails.respond_to?(:application) && ::Rails.application

        raise ArgumentError, "token digests need a secret: set TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = ... }"
      end

      # Hide the secret from inspect/pp output.
      def inspect
        "#<#{self.class.name} fallback=#{fallback.inspect} identifiers=#{identifiers.inspect} " \
          "header_names=#{header_names.inspect} sign_in_token=#{sign_in_token.inspect} " \
          "skip_devise_trackable=#{skip_devise_trackable.inspect} authorization_header=#{authorization_header.inspect}>"
      end
    end
  end
end
