# frozen_string_literal: true

# Models and controllers of the small app in rails_dsl_app_spec.rb, written as
# a Rails app would write them (the plain Rails DSL; token_oxide's Railtie
# supplies it). Loaded once the shared app has booted.
module DslApp
  # Stands in for ActionMailer: the "emails" a flow sent.
  module Outbox
    module_function

    def deliveries
      @deliveries ||= []
    end

    def clear
      deliveries.clear
    end

    def deliver(kind, to:, token:)
      deliveries << { kind: kind, to: to, token: token }
    end

    def last_token(kind)
      deliveries.reverse.find { |mail| mail[:kind] == kind }&.fetch(:token)
    end
  end

  class User < ActiveRecord::Base
    self.table_name = "dsl_app_users"

    has_secure_password
    has_secure_token :api_token

    generates_token_for :email_confirmation, expires_in: 1.day do
      email
    end
  end

  class SignupsController < ActionController::Base
    def create
      user = User.create!(email: params.require(:email), password: params.require(:password))
      Outbox.deliver(:confirmation, to: user.email, token: user.generate_token_for(:email_confirmation))
      head :created
    end
  end

  class ConfirmationsController < ActionController::Base
    def show
      user = User.where(confirmed_at: nil).find_by_token_for(:email_confirmation, params[:token])
      return head(:not_found) unless user

      user.update!(confirmed_at: Time.now)
      render plain: "confirmed #{user.email}"
    end
  end

  class PasswordResetsController < ActionController::Base
    rescue_from ActiveSupport::MessageVerifier::InvalidSignature do
      head :unprocessable_entity
    end

    def create
      if (user = User.find_by(email: params.require(:email)))
        Outbox.deliver(:password_reset, to: user.email, token: user.password_reset_token)
      end
      head :accepted
    end

    def edit
      User.find_by_password_reset_token(params[:token]) ? head(:ok) : head(:not_found)
    end

    def update
      user = User.find_by_password_reset_token!(params[:token])
      user.update!(password: params.require(:password))
      head :ok
    end
  end

  class SessionsController < ActionController::Base
    def create
      user = User.find_by(email: params.require(:email))&.authenticate(params.require(:password))
      user ? head(:ok) : head(:unauthorized)
    end
  end
end
