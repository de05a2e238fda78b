# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # Finds the record a request's credentials belong to, or nil.
    #
    # The record is looked up by its identifier and the token is then compared
    # in constant time; the token itself is never a query condition, except as
    # a digest (store: :digest, identifier: false), where equality of a keyed
    # hash reveals nothing usable about the token.
    #
    # When nobody has the identifier, the token is still checked, against a
    # StandIn record: the same code path, digest and constant-time compare
    # either way, so the time of a failure does not tell which identifiers
    # exist (README: "Timing").
    module Authenticator
      module_function

      def authenticate(entity, credentials, now: Time.current)
        return nil unless credentials.complete?(entity)

        entity.check_columns!
        record = entity.identifier ? find_by_identifier(entity, credentials.identifier) : find_by_digest(entity, credentials.token)
        matched = token_matches?(entity, record || StandIn.for(entity), credentials.token, now)
        record if record && matched
      end

      # Devise models go through find_for_authentication, which applies
      # Devise's case_insensitive_keys / strip_whitespace_keys.
      def find_by_identifier(entity, value)
        model = entity.model
        if model.respond_to?(:find_for_authentication)
          model.find_for_authentication(entity.identifier => value)
        else
          model.find_by(entity.identifier => value)
        end
      end

      # A blank token has no digest (TokenDigester gives false): never query
      # with it.
      def find_by_digest(entity, token)
        options = entity.token_options
        digest = TokenDigester.digest(options.column, token)
        digest ? entity.model.find_by(options.stored_column => digest) : nil
      end

      def token_matches?(entity, record, token, now)
        return record.authentication_token_matches?(token, now: now) if record.respond_to?(:authentication_token_matches?)

        stored = record[entity.token_options.column]
        !Presence.blank?(stored) && !Presence.blank?(token) && TokenOxide.secure_compare(stored, token)
      end
    end
  end
end
