# frozen_string_literal: true

module TokenOxide
  module TokenAuthenticatable
    # What <field>_with_expiration returns (GitLab's TokenWithExpiration): the
    # token and its expiry together, for API entities that expose both.
    class TokenWithExpiration
      def initialize(strategy, record)
        @strategy = strategy
        @record = record
      end

      def token
        @strategy.get_token(@record)
      end

      def token_expires_at
        @strategy.expires_at(@record)
      end

      def expirable?
        @strategy.expirable?
      end

      # Never shows the token.
      def inspect
        "#<#{self.class.name} #{@strategy.klass.name}##{@strategy.field}>"
      end
    end
  end
end
