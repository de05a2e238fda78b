# frozen_string_literal: true

module TokenOxide
  module TokenAuthenticatable
    # `insecure: true` (and the default, as in GitLab): the token is stored as
    # is in the <field> column.
    class Insecure < Base
      def get_token(record)
        record.read_attribute(field)
      end

      def set_token(record, token)
        record[field] = token if token
        token
      end

      # `present?`, as GitLab: a whitespace-only value counts as no token.
      def token_set?(record)
        value = record.read_attribute(field)
        !TokenAuthentication::Presence.blank?(value) && matches_prefix?(record, value)
      end

      private

      def find_record(token, relation)
        relation.find_by(field => token)
      end

      def comparable(record, other)
        [get_token(record), other]
      end
    end
  end
end
