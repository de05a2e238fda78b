# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # The record a token is checked against when the identifier matched
    # nobody, so that a miss costs what a wrong token costs: a record of the
    # same model built the way a finder builds one (`instantiate` of a row),
    # whose stored token (or digest) is random and of the usual length, and
    # which has not expired. It is never saved, and the Authenticator never
    # returns it, whatever the comparison says.
    module StandIn
      FAR_FUTURE = "9999-01-01 00:00:00" # as the database hands a timestamp back
      DIGEST_HEX_LENGTH = 64 # TokenDigester's HMAC-SHA256, hex

      # One row per handler declaration, made on first use: building it
      # per request would make a miss slower than a hit.
      @rows = ObjectSpace::WeakMap.new

      module_function

      def for(entity)
        entity.model.instantiate(@rows[entity] ||= row(entity).freeze)
      end

      def row(entity)
        options = entity.token_options
        row = entity.model.column_defaults.dup
        row[options.stored_column.to_s] =
          options.digest? ? TokenOxide.random_token(DIGEST_HEX_LENGTH, alphabet: "0123456789abcdef") : TokenOxide.friendly_token
        row[options.expires_at_column.to_s] = FAR_FUTURE if options.expires_in
        row
      end
    end
  end
end
