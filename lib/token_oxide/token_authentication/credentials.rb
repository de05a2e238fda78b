# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # Reads an entity's identifier and token from a request. Sources, first
    # one that has the value wins, each value independently (as in
    # simple_token_authentication): params (`user_email`, `user_token`),
    # headers (`X-User-Email`, `X-User-Token`), then
    # `Authorization: Token token="…", email="…"` (or `Bearer …` for the token).
    # A blank value (empty or whitespace only, as simple_token_authentication's
    # `blank?`) counts as absent and the next source is read; so does anything
    # that is not a String (e.g. `user_email[]=` arrays or nested hashes), so
    # it can never reach a query.
    Credentials = Struct.new(:identifier, :token) do
      def self.from_request(entity, request, params, authorization_header: TokenAuthentication.configuration.authorization_header)
        token = string(params[entity.token_param]) || string(request.headers[entity.token_header])
        identifier = entity.identifier && (string(params[entity.identifier_param]) || string(request.headers[entity.identifier_header]))

        if authorization_header && (token.nil? || (entity.identifier && identifier.nil?))
          from_header, options = authorization(request)
          token ||= string(from_header)
          identifier ||= string(options[entity.identifier.to_s]) if entity.identifier && options
        end
        new(identifier, token)
      end

      def self.authorization(request)
        return nil unless defined?(::ActionController::HttpAuthentication::Token)

        ::ActionController::HttpAuthentication::Token.token_and_options(request)
      end

      def self.string(value)
        Presence.string(value)
      end

      def complete?(entity)
        !token.nil? && (!entity.identifier || !identifier.nil?)
      end

      # Never show the token.
      def inspect
        "#<#{self.class.name} identifier=#{identifier.inspect} token=#{token ? '[FILTERED]' : 'nil'}>"
      end
      alias_method :to_s, :inspect
    end
  end
end
