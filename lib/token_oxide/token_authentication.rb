# frozen_string_literal: true

require "token_oxide/configurable"
require "token_oxide/token_authentication/configuration"

module TokenOxide
  # simple_token_authentication-style request authentication, built on
  # TokenOxide's generator, digests and constant-time comparison:
  #
  #   class User < ApplicationRecord
  #     acts_as_token_authenticatable store: :digest, expires_in: 30.days
  #   end
  #
  #   class Api::BaseController < ActionController::API
  #     acts_as_token_authentication_handler_for User, fallback: :exception
  #   end
  #
  # The macros are added to ActiveRecord::Base and to every ActionController
  # base class through Rails' lazy-load hooks, so requiring this file never
  # loads Rails on its own. See README "Token authentication for API controllers".
  module TokenAuthentication
    autoload :TokenDigester, "token_oxide/token_authentication/token_digester"
    autoload :Authenticatable, "token_oxide/token_authentication/authenticatable"
    autoload :Entity, "token_oxide/token_authentication/entity"
    autoload :Credentials, "token_oxide/token_authentication/credentials"
    autoload :Authenticator, "token_oxide/token_authentication/authenticator"
    autoload :Handler, "token_oxide/token_authentication/handler"
    autoload :SecretFilter, "token_oxide/token_authentication/secret_filter"
    autoload :StandIn, "token_oxide/token_authentication/stand_in"
    autoload :Presence, "token_oxide/token_authentication/presence"

    # Raised by a handler whose fallback is :exception when no valid token
    # came with the request. Its message names the model, never a credential.
    class NotAuthenticated < TokenOxide::Error; end

    # TokenOxide::TokenAuthentication.configure do |config|
    #   config.fallback = :exception
    #   config.identifiers = { user: :username }
    # end
    extend Configurable

    class << self
      # Back to the defaults (mostly for tests).
      def reset_configuration!
        @configuration = Configuration.new
        TokenDigester.clear_cache
      end
    end
  end
end

begin
  require "active_support/lazy_load_hooks"
rescue LoadError
  nil # Without Active Support there are no models or controllers to extend.
else
  ActiveSupport.on_load(:active_record) do
    extend TokenOxide::TokenAuthentication::Authenticatable::Macro
  end
  ActiveSupport.on_load(:action_controller) do
    extend TokenOxide::TokenAuthentication::Handler::Macro
    # Metal has no load hook of its own; Base and API are built on it, so it
    # is loaded by now. STA's rails_metal adapter extends it the same way.
    ::ActionController::Metal.extend(TokenOxide::TokenAuthentication::Handler::Macro)
  end
  # An app that uses only Metal controllers may have loaded Metal already.
  ::ActionController::Metal.extend(TokenOxide::TokenAuthentication::Handler::Macro) if defined?(::ActionController::Metal)
end

require "token_oxide/simple_token_authentication"
