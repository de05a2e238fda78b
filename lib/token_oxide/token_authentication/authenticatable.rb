# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # The model side: `acts_as_token_authenticatable`.
    #
    #   acts_as_token_authenticatable                                  # plaintext authentication_token
    #   acts_as_token_authenticatable store: :digest                   # only authentication_token_digest is stored
    #   acts_as_token_authenticatable column: :api_token, expires_in: 7.days   # + api_token_expires_at
    #
    # With `store: :digest` the plaintext exists only in memory on the record
    # that generated it (read it right after create/regenerate to hand it to
    # the client); what is saved is TokenDigester's HMAC.
    module Authenticatable
      STORES = %i[plaintext digest].freeze

      # What a model declared; read by the controller side.
      Options = Struct.new(:column, :store, :expires_in, keyword_init: true) do
        def digest?
          store == :digest
        end

        # The database column the token (or its digest) lives in.
        def stored_column
          digest? ? :"#{column}_digest" : column
        end

        def expires_at_column
          :"#{column}_expires_at"
        end

        def required_columns
          [stored_column, *(expires_at_column if expires_in)]
        end

        def check_columns!(model)
          TokenOxide::MissingTokenColumn.check!(model, required_columns, "acts_as_token_authenticatable",
                                                "rails g token_oxide:token_authenticatable #{model.name}#{column == :authentication_token ? '' : " --column #{column}"}")
        end
      end

      module Macro
        # @param column [Symbol] the token column (with store: :digest, "<column>_digest" is stored)
        # @param store [Symbol] :plaintext or :digest
        # @param expires_in [ActiveSupport::Duration, Numeric, nil] the token's lifetime ("<column>_expires_at")
        # @return [void]
        # @raise [ArgumentError] for an unknown +store+ or a non-positive +expires_in+
        def acts_as_token_authenticatable(column: :authentication_token, store: :plaintext, expires_in: nil)
          store = store.to_sym
          raise ArgumentError, "store must be :plaintext or :digest (got #{store.inspect})" unless STORES.include?(store)
          if expires_in && !(expires_in.is_a?(Numeric) && expires_in.positive?)
            raise ArgumentError, "expires_in must be a positive duration (got #{expires_in.inspect})"
          end

          class_attribute :token_authentication_options, instance_writer: false
          self.token_authentication_options = Options.new(column: column.to_sym, store: store, expires_in: expires_in).freeze
          include Authenticatable

          before_save :ensure_authentication_token
          Authenticatable.define_column_methods(self, column.to_sym, store)
          secrets = [token_authentication_options.column, token_authentication_options.stored_column]
          SecretFilter.filter_attributes(self, secrets)
          SecretFilter.filter_parameters(secrets)
        end
      end

      # Column-specific names (ensure_api_token, regenerate_api_token!, …), and
      # the in-memory plaintext reader for the digest store.
      def self.define_column_methods(model, column, store)
        model.send(:attr_reader, column) if store == :digest
        return if column == :authentication_token

        model.alias_method(:"ensure_#{column}", :ensure_authentication_token)
        model.alias_method(:"regenerate_#{column}!", :regenerate_authentication_token!)
        model.alias_method(:"#{column}_expired?", :authentication_token_expired?)
      end

      # before_save: give the record a token if it has none. A blank one
      # (whitespace only) counts as none, as simple_token_authentication's
      # `authentication_token.blank?` does.
      def ensure_authentication_token
        token_authentication_options.check_columns!(self.class)
        assign_new_authentication_token if Presence.blank?(self[token_authentication_options.stored_column])
        true
      end

      # A fresh token, saved at once (validations skipped, as Devise does for
      # its tokens). Returns the plaintext — the only time a digest-stored
      # token can be read.
      def regenerate_authentication_token!
        token_authentication_options.check_columns!(self.class)
        token = assign_new_authentication_token
        save!(validate: false)
        token
      end

      # True when the model expires tokens and this one's time is up (or it
      # never got an expiry). Compares against Time.current so travel_to works.
      def authentication_token_expired?(now = Time.current)
        return false unless token_authentication_options.expires_in

        expires_at = self[token_authentication_options.expires_at_column]
        expires_at.nil? || expires_at <= now
      end

      # Does +token+ match this record's token? Constant-time, and false for
      # blank (whitespace-only included) or non-String input, a record whose
      # token is blank, or an expired one; a blank token is never digested.
      def authentication_token_matches?(token, now: Time.current)
        return false if Presence.blank?(token)

        options = token_authentication_options
        options.check_columns!(self.class)
        stored = self[options.stored_column]
        return false if Presence.blank?(stored)

        candidate = options.digest? ? TokenDigester.digest(options.column, token) : token
        TokenOxide.secure_compare(stored, candidate) && !authentication_token_expired?(now)
      end

      private

      def assign_new_authentication_token
        options = token_authentication_options
        token, stored = unique_authentication_token(options)
        self[options.stored_column] = stored
        self[options.expires_at_column] = Time.current + options.expires_in if options.expires_in
        instance_variable_set(:"@#{options.column}", token) if options.digest?
        token
      end

      # Devise.friendly_token until nobody else holds it (for the digest store,
      # its digest), like simple_token_authentication's generator loop.
      def unique_authentication_token(options)
        loop do
          token = TokenOxide.friendly_token
          stored = options.digest? ? TokenDigester.digest(options.column, token) : token
          return [token, stored] unless self.class.unscoped.where(options.stored_column => stored).exists?
        end
      end
    end
  end
end
