# frozen_string_literal: true

require "rack/test"
require_relative "top_level_constant"
require "active_support/testing/time_helpers"

# Tables, models, controllers and routes for the token authentication request
# specs, all on the shared TokenOxideSpec.rails_app. Controllers are named
# Ta*Controller and answer at /ta/<path>; each shows who it signed in.
#
# The Devise-mapped model (TaUser) and its controllers exist only where Devise
# is installed (Debian 12); the plain-Rails parts (TaMember, TaClient) run
# everywhere, e.g. on Debian 13's Action Pack / Active Record 7.2.
module TokenAuthRequestApp
  SECRET = "token-auth-request-spec-digest-secret"
  NO_DEVISE = "Devise is not installed on this leg (Debian 13 packages no Devise)"

  module_function

  def devise?
    defined?(::Devise) ? true : false
  end

  def setup!
    TokenOxideSpec.rails_app
    create_tables
    define_models
    draw_routes
    define_controllers
    @set_up = true
  end

  # For a second spec file on the same app. Models and controllers are made
  # once: Rails 6.1 caches constants by name (ActiveSupport::Dependencies'
  # Reference cache, used by Devise's mapping and the route dispatcher), so a
  # replaced TaUser or controller would no longer be the one they resolve.
  # Only the routes are redrawn when another spec has drawn its own.
  def ensure_setup!
    return setup! unless @set_up

    Rails.application.routes.recognize_path("/ta/member_exception")
  rescue ActionController::RoutingError
    draw_routes
  end

  def create_tables
    TokenOxideSpec.create_table(:ta_users) do |t|
      t.string :email, null: false, default: ""
      t.string :username
      t.string :encrypted_password, null: false, default: ""
      t.string :authentication_token
      t.integer :sign_in_count, default: 0, null: false
      t.datetime :current_sign_in_at
      t.datetime :last_sign_in_at
      t.string :current_sign_in_ip
      t.string :last_sign_in_ip
    end
    TokenOxideSpec.create_table(:ta_members) do |t|
      t.string :email
      t.string :username
      t.string :authentication_token
    end
    TokenOxideSpec.create_table(:ta_clients) do |t|
      t.string :name
      t.string :api_token_digest
      t.datetime :api_token_expires_at
    end
  end

  def define_models
    if devise?
      TopLevelConstant.replace("TaUser", Class.new(ActiveRecord::Base)).class_eval do
        devise :database_authenticatable, :trackable, stretches: 1 # cheap bcrypt for specs
        acts_as_token_authenticatable
      end
    end
    TopLevelConstant.replace("TaMember", Class.new(ActiveRecord::Base)).class_eval { acts_as_token_authenticatable }
    TopLevelConstant.replace("TaClient", Class.new(ActiveRecord::Base)).class_eval do
      acts_as_token_authenticatable column: :api_token, store: :digest, expires_in: 3600
    end
  end

  # path => controller; every route answers GET (and /open for only:/except:).
  DEVISE_ROUTES = %w[
    devise_default devise_exception devise_none devise_trackable devise_session devise_alias
    api_devise_fallback configured_devise devise_off legacy_fallback member_devise_fallback
  ].freeze
  PLAIN_ROUTES = %w[
    member_exception member_none member_only member_if member_unless member_hook member_username
    member_custom_headers member_legacy_fallback client client_digest_only configured_api
  ].freeze

  def routes
    devise? ? DEVISE_ROUTES + PLAIN_ROUTES : PLAIN_ROUTES
  end

  def draw_routes
    paths = routes
    with_devise = devise?
    Rails.application.routes.draw do
      devise_for :ta_users, skip: :all if with_devise
      paths.each do |path|
        get "/ta/#{path}" => "ta_#{path}#index", defaults: { format: :json }
        get "/ta/#{path}/open" => "ta_#{path}#open", defaults: { format: :json }
      end
    end
  end

  # Shared actions: `index` shows the signed-in record; `open` is for only/except.
  module Actions
    def self.for(name)
      Module.new do
        define_method(:index) do
          record = public_send(:"current_#{name}")
          render json: { signed_in: public_send(:"#{name}_signed_in?"), id: record&.id, hook: @hook_ran }
        end
        define_method(:open) { render json: { open: true, signed_in: !public_send(:"current_#{name}").nil? } }
      end
    end
  end

  def controller(path, superclass, name, &block)
    klass = Class.new(superclass)
    TopLevelConstant.replace("Ta#{path.camelize}Controller", klass)
    klass.include(Actions.for(name))
    klass.class_eval(&block)
    klass
  end

  def define_controllers
    # Devise's helpers load DeviseController, whose parent is ApplicationController.
    Object.const_set(:ApplicationController, Class.new(ActionController::Base)) unless Object.const_defined?(:ApplicationController)
    define_devise_controllers if devise?
    define_plain_controllers
  end

  def define_devise_controllers
    base = ActionController::Base
    api = ActionController::API
    controller("devise_default", base, :ta_user) { acts_as_token_authentication_handler_for TaUser }
    controller("devise_exception", base, :ta_user) { acts_as_token_authentication_handler_for TaUser, fallback: :exception }
    controller("devise_none", base, :ta_user) { acts_as_token_authentication_handler_for TaUser, fallback: :none }
    controller("devise_trackable", base, :ta_user) do
      acts_as_token_authentication_handler_for TaUser, skip_devise_trackable: false
    end
    controller("devise_session", base, :ta_user) { acts_as_token_authentication_handler_for TaUser, sign_in_token: true }
    controller("devise_alias", base, :person) { acts_as_token_authentication_handler_for TaUser, as: :person }
    controller("api_devise_fallback", api, :ta_user) { acts_as_token_authentication_handler_for TaUser, fallback: :devise }

    controller("devise_off", api, :ta_user) { acts_as_token_authentication_handler_for TaUser, devise: false }
    controller("legacy_fallback", base, :ta_user) { acts_as_token_authentication_handler_for TaUser, fallback_to_devise: false }
    controller("member_devise_fallback", api, :ta_member) do
      acts_as_token_authentication_handler_for TaMember, fallback: :devise
    end
  end

  def define_plain_controllers
    base = ActionController::Base
    api = ActionController::API
    controller("member_legacy_fallback", base, :ta_member) do
      acts_as_token_authentication_handler_for TaMember, fallback_to_devise: false
    end
    controller("member_exception", api, :ta_member) { acts_as_token_authentication_handler_for TaMember, fallback: :exception }
    controller("member_none", api, :ta_member) { acts_as_token_authentication_handler_for TaMember, fallback: :none }
    controller("member_only", api, :ta_member) { acts_as_token_authentication_handler_for TaMember, only: [:index] }
    controller("member_if", api, :ta_member) do
      acts_as_token_authentication_handler_for TaMember, if: -> { request.headers["X-Guard"] == "on" }
    end
    controller("member_unless", api, :ta_member) do
      acts_as_token_authentication_handler_for TaMember, unless: -> { request.headers["X-Guard"] == "on" }
    end
    controller("member_hook", api, :ta_member) do
      acts_as_token_authentication_handler_for TaMember

      private

      def after_successful_token_authentication
        @hook_ran = current_ta_member.email
      end
    end
    controller("member_username", api, :ta_member) do
      acts_as_token_authentication_handler_for TaMember, identifier: :username
    end
    controller("member_custom_headers", api, :ta_member) do
      acts_as_token_authentication_handler_for TaMember,
                                               header_names: { authentication_token: "X-Api-Key", email: "X-Api-Login" }
    end
    controller("client", api, :client) do
      acts_as_token_authentication_handler_for TaClient, as: :client, identifier: :name, fallback: :exception
    end
    controller("client_digest_only", api, :client) do
      acts_as_token_authentication_handler_for TaClient, as: :client, identifier: false, fallback: :exception
    end
  end
end
