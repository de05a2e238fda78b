# frozen_string_literal: true

require "active_support/concern"

module TokenOxide
  module Model
    # has_secure_token as in Rails main: +length:+ (minimum 24), +on:+ (the
    # callback that fills the attribute, Rails 7.1+) and +prefix:+ (Rails main,
    # not counted in +length+). Tokens come from the Rust base58 generator,
    # which draws from the same 58-character alphabet as SecureRandom.base58.
    module SecureToken
      extend ActiveSupport::Concern

      MINIMUM_TOKEN_LENGTH = 24

      # Rails 7.1+ reads the default from ActiveRecord.generate_secure_token_on
      # (:create, or :initialize under load_defaults 7.1); older Rails always
      # generated the token before create.
      def self.default_on
        if ::ActiveRecord.respond_to?(:generate_secure_token_on)
          ::ActiveRecord.generate_secure_token_on
        else
          :create
        end
      end

      # Rails' own error class, so `rescue ActiveRecord::SecureToken::MinimumLengthError` keeps working.
      def self.minimum_length_error
        ::ActiveRecord::SecureToken::MinimumLengthError
      end

      module ClassMethods
        # Rails' has_secure_token: fills +attribute+ with a Base58 token and
        # adds regenerate_<attribute>.
        #
        # @param attribute [Symbol] the column
        # @param length [Integer] characters after the prefix (at least 24)
        # @param on [Symbol] the callback that fills it (:create by default, :initialize)
        # @param prefix [String, true, nil] prepended to each token; true means "<attribute>_"
        # @return [void]
        # @raise [ActiveRecord::SecureToken::MinimumLengthError] when +length+ is below 24
        def has_secure_token(attribute = :token, length: MINIMUM_TOKEN_LENGTH, on: SecureToken.default_on, prefix: nil)
          if length < MINIMUM_TOKEN_LENGTH
            raise SecureToken.minimum_length_error,
                  "Token requires a minimum length of #{MINIMUM_TOKEN_LENGTH} characters."
          end

          prefix = "#{attribute}_" if prefix == true
          model = self
          new_token = -> { "#{prefix}#{model.generate_unique_secure_token(length: length)}" }

          define_method("regenerate_#{attribute}") { update!(attribute => new_token.call) }

          # :initialize is an after-callback (the record must exist first);
          # every other event (:create, :save, :validation...) a before-callback.
          set_callback(on, on == :initialize ? :after : :before) do
            send("#{attribute}=", new_token.call) if new_record? && !query_attribute(attribute)
          end
        end

        # Rails' name for it; like Rails there is no database uniqueness check
        # (add a unique index).
        #
        # @param length [Integer] the number of Base58 characters
        # @return [String]
        def generate_unique_secure_token(length: MINIMUM_TOKEN_LENGTH)
          if Model.accelerate
            TokenOxide.base58(length)
          else
            require "active_support/core_ext/securerandom"
            SecureRandom.base58(length)
          end
        end
      end
    end
  end
end
