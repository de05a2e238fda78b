# frozen_string_literal: true

require "active_support/concern"
require "token_oxide/model/secure_token"
require "token_oxide/model/token_for"
require "token_oxide/model/password_reset"
require "token_oxide/model/signed_id"

module TokenOxide
  # The Rails token DSL for Active Record models, with the Rust core underneath:
  #
  #   class ApplicationRecord < ActiveRecord::Base
  #     include TokenOxide::Model   # the Railtie does this for ActiveRecord::Base
  #     self.generated_token_verifier = TokenOxide::TokenForVerifier.build(secret_key_base)
  #   end
  #
  # gives has_secure_token (with on: and prefix:), generates_token_for and its
  # finders, and has_secure_password's reset token, all in the Rails 7.1+/8 format.
  module Model
    extend ActiveSupport::Concern

    include SecureToken
    include TokenFor
    include PasswordReset

    class << self
      # false makes has_secure_token use SecureRandom.base58 again (the
      # Railtie sets it from config.token_oxide.accelerate).
      attr_writer :accelerate

      def accelerate
        @accelerate.nil? ? true : @accelerate
      end
    end
  end
end
