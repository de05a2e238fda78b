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

      def token_set?(record)
        value = record.read_attribute(field)
        !value.nil? && !value.to_s.empty? && matches_prefix?(record, value)
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
