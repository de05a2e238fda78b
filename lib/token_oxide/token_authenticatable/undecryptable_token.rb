# frozen_string_literal: true

module TokenOxide
  module TokenAuthenticatable
    # A stored token that cannot be read: the encrypted column holds a value
    # that no configured key base decrypts (wrong or forgotten db_key_base, a
    # rotated-out key missing from previous_db_key_bases, a corrupt value).
    # Raised instead of reading "no token", so nothing is generated over it.
    # The message names the model, record and column, never the value or a key.
    class UndecryptableToken < TokenOxide::Error
      attr_reader :model_name, :record_id, :column

      def initialize(model_name, record_id, column, reason = nil)
        @model_name = model_name
        @record_id = record_id
        @column = column
        super("#{model_name}(id: #{record_id.inspect})##{column} holds a value that " \
              "#{reason || "no configured key decrypts (check db_key_base and previous_db_key_bases)"}; " \
              "it is kept as is: fix the keys, or replace it explicitly with reset_<field>!(force: true)")
      end
    end

    # GitLab's oldest format (one fixed IV), readable only when the app opts in.
    class LegacyStaticIvToken < UndecryptableToken
      def initialize(model_name, record_id, column)
        super(model_name, record_id, column,
              "is in GitLab's legacy static-IV format; set read_legacy_static_iv = true in " \
              "TokenOxide::TokenAuthenticatable.configure to read it, then reset the token to re-encrypt it")
      end
    end
  end
end
