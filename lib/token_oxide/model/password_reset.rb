# frozen_string_literal: true

require "active_support/concern"
require "active_support/core_ext/numeric/time"

module TokenOxide
  module Model
    # The password reset token that has_secure_password gained in Rails 8.0/8.1:
    # #password_reset_token, .find_by_password_reset_token(!), 15 minutes by
    # default, `reset_token: { expires_in: }` or `reset_token: false`. The
    # token is a generates_token_for token whose block is the last 10
    # characters of the bcrypt salt, so changing the password invalidates it.
    module PasswordReset
      extend ActiveSupport::Concern

      DEFAULT_RESET_TOKEN_EXPIRES_IN = 15.minutes

      module ClassMethods
        def has_secure_password(attribute = :password, validations: true, reset_token: true)
          if PasswordReset.native_reset_token?
            super(attribute, validations: validations, reset_token: false)
          else
            super(attribute, validations: validations)
          end
          PasswordReset.define_salt_reader(self, attribute)
          PasswordReset.define_reset_token(self, attribute, reset_token) if reset_token && respond_to?(:generates_token_for)
        end
      end

      class << self
        # Active Model 8.0+ takes reset_token: itself; we switch it off there and
        # define the same methods, so every version behaves like 8.1.
        def native_reset_token?
          ::ActiveModel::SecurePassword::ClassMethods.instance_method(:has_secure_password)
                                                     .parameters.include?(%i[key reset_token])
        end

        # A well-formed bcrypt hash: "$2a$" cost "$" 22-character salt, 31-character checksum.
        BCRYPT_HASH = %r{\A\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}\z}.freeze
        BCRYPT_SALT_LENGTH = 29

        # Active Model 7.1 added #password_salt; older versions lack it. Same
        # result as BCrypt::Password.new(digest).salt (the first 29 characters),
        # without building the object on every token; odd digests still go
        # through bcrypt and raise as Rails does.
        def define_salt_reader(model, attribute)
          return if model.method_defined?(:"#{attribute}_salt")

          model.define_method(:"#{attribute}_salt") do
            digest = public_send(:"#{attribute}_digest")
            if digest.blank?
              nil
            elsif BCRYPT_HASH.match?(digest)
              digest[0, BCRYPT_SALT_LENGTH]
            else
              BCrypt::Password.new(digest).salt
            end
          end
        end

        def define_reset_token(model, attribute, reset_token)
          expires_in = reset_token.is_a?(Hash) ? reset_token[:expires_in] : DEFAULT_RESET_TOKEN_EXPIRES_IN
          purpose = :"#{attribute}_reset"

          model.define_method(:"#{attribute}_reset_token_expires_in") { expires_in }
          model.define_method(:"#{attribute}_reset_token") { generate_token_for(purpose) }
          model.generates_token_for(purpose, expires_in: expires_in) do
            public_send(:"#{attribute}_salt")&.last(10)
          end
          model.define_singleton_method(:"find_by_#{attribute}_reset_token") { |token| find_by_token_for(purpose, token) }
          model.define_singleton_method(:"find_by_#{attribute}_reset_token!") { |token| find_by_token_for!(purpose, token) }
        end
      end
    end
  end
end
