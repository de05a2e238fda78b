# frozen_string_literal: true

require "spec_helper"
require "open3"
require "rbconfig"
require_relative "request_app"

# Issue 11 item 4: an app that used simple_token_authentication 1.18 keeps its
# initializer and its controllers (ActionController::Metal included), and its
# global settings are read per request as STA reads them.
RSpec.describe "simple_token_authentication compatibility" do
  include Rack::Test::Methods

  before(:all) { TokenAuthRequestApp.ensure_setup! }

  before do
    TokenOxide::TokenAuthentication.reset_configuration!
    SimpleTokenAuthentication.reset_adapters!
    [TaMember, TaClient].each(&:delete_all)
    TaUser.delete_all if TokenAuthRequestApp.devise?
  end

  after do
    TokenOxide::TokenAuthentication.reset_configuration!
    SimpleTokenAuthentication.reset_adapters!
  end

  let!(:member) { TaMember.create!(email: "grace@example.com", username: "grace") }
  let(:member_token) { member.authentication_token }

  def app
    Rails.application
  end

  def env_for(headers)
    headers.to_h { |k, v| ["HTTP_#{k.upcase.tr('-', '_')}", v] }.merge("HTTP_ACCEPT" => "application/json")
  end

  def call(path, params = {}, headers = {})
    get(path, params, env_for(headers))
    last_response
  end

  # A request straight into one controller action (no route needed).
  def call_action(controller, params = {}, headers = {})
    query = Rack::Utils.build_query(params)
    Rack::MockRequest.new(controller.action(:index)).get("/?#{query}", env_for(headers))
  end

  def plain_api_controller(&block)
    klass = Class.new(ActionController::API)
    klass.define_singleton_method(:name) { "StaSpecApiController" }
    klass.include(TokenAuthRequestApp::Actions.for(:ta_member))
    klass.class_eval(&block)
    klass
  end

  describe "the SimpleTokenAuthentication module" do
    let(:initializer) { File.expand_path("../fixtures/simple_token_authentication/initializer.rb", __dir__) }

    it "runs an STA 1.18 initializer unchanged and hands its settings to token_oxide" do
      load initializer
      config = TokenOxide::TokenAuthentication.configuration
      expect(config.identifier_for(:ta_member)).to eq(:username)
      expect(config.header_names_for(:ta_member)).to eq(authentication_token: "X-Member-Key", username: "X-Member-Login")
      expect(config.sign_in_token).to be(false)
      expect(config.skip_devise_trackable).to be(true)
      expect(SimpleTokenAuthentication.identifiers).to eq(ta_member: "username")
      expect(SimpleTokenAuthentication.controller_adapters).to eq(%w[rails rails_api rails_metal])
      expect(SimpleTokenAuthentication.model_adapters).to eq(%w[active_record])
    end

    it "makes a handler declared before the initializer ran use its identifier and headers" do
      controller = plain_api_controller { acts_as_token_authentication_handler_for TaMember, fallback: :exception }
      load initializer
      expect(call_action(controller, {}, "X-Member-Login" => "grace", "X-Member-Key" => member_token).status).to eq(200)
      expect(call_action(controller, ta_member_username: "grace", ta_member_token: member_token).status).to eq(200)
      # The old identifier (email) and the old default headers no longer sign in.
      expect(call_action(controller, ta_member_email: member.email, ta_member_token: member_token).status).to eq(401)
      expect(call_action(controller, {}, "X-TaMember-Username" => "grace", "X-TaMember-Token" => member_token).status).to eq(401)
    end

    it "has STA's defaults before any initializer" do
      expect(SimpleTokenAuthentication.header_names).to eq({})
      expect(SimpleTokenAuthentication.identifiers).to eq({})
      expect(SimpleTokenAuthentication.sign_in_token).to be(false)
      expect(SimpleTokenAuthentication.skip_devise_trackable).to be(true)
      expect(SimpleTokenAuthentication.controller_adapters).to eq(%w[rails rails_api rails_metal])
      expect(SimpleTokenAuthentication.model_adapters).to eq(%w[active_record mongoid])
      expect(SimpleTokenAuthentication.adapters_dependencies).to include("rails_metal" => "ActionController::Metal")
    end

    it "rejects a setting STA does not have (a typo fails at boot)" do
      expect { SimpleTokenAuthentication.configure { |c| c.header_name = {} } }.to raise_error(NoMethodError, /header_name=/)
    end

    it "never turns on the Authorization header" do
      load initializer
      expect(TokenOxide::TokenAuthentication.configuration.authorization_header).to be(false)
      controller = plain_api_controller { acts_as_token_authentication_handler_for TaMember, fallback: :exception }
      header = { "Authorization" => %(Token token="#{member_token}", username="grace") }
      expect(call_action(controller, {}, header).status).to eq(401)
      expect(call_action(controller, {}, "Authorization" => "Bearer #{member_token}", "X-Member-Login" => "grace").status).to eq(401)

      TokenOxide::TokenAuthentication.configure { |c| c.authorization_header = true } # the explicit opt-in
      expect(call_action(controller, {}, header).status).to eq(200)
    end

    # The guard runs when the file is loaded, so each case is a fresh Ruby.
    def stand_in_defined_after(prelude)
      file = File.expand_path("../../lib/token_oxide/simple_token_authentication.rb", __dir__)
      script = "#{prelude}\nload #{file.inspect}\nprint SimpleTokenAuthentication.respond_to?(:reset_adapters!)"
      out, status = Open3.capture2e(RbConfig.ruby, "-e", script)
      expect(status).to be_success, out
      out
    end

    it "is defined only when the real gem is neither loaded nor activated" do
      expect(stand_in_defined_after("")).to eq("true")
      expect(stand_in_defined_after("module SimpleTokenAuthentication; def self.configure; end; end")).to eq("false")
      activated = 'Gem.loaded_specs["simple_token_authentication"] = Gem::Specification.new("simple_token_authentication", "1.18.1")'
      expect(stand_in_defined_after("#{activated}\nmodule SimpleTokenAuthentication; end")).to eq("false")
    end
  end

  describe "per-request configuration" do
    it "reads identifiers and header_names on each request; declaration options still win" do
      default = plain_api_controller { acts_as_token_authentication_handler_for TaMember, fallback: :exception }
      pinned = plain_api_controller { acts_as_token_authentication_handler_for TaMember, fallback: :exception, identifier: :email }

      expect(call_action(default, ta_member_email: member.email, ta_member_token: member_token).status).to eq(200)
      TokenOxide::TokenAuthentication.configure { |c| c.identifiers = { ta_member: :username } }
      expect(call_action(default, ta_member_email: member.email, ta_member_token: member_token).status).to eq(401)
      expect(call_action(default, ta_member_username: "grace", ta_member_token: member_token).status).to eq(200)
      expect(call_action(pinned, ta_member_email: member.email, ta_member_token: member_token).status).to eq(200)

      TokenOxide::TokenAuthentication.configure { |c| c.header_names = { ta_member: { authentication_token: "X-K", username: "X-L" } } }
      expect(call_action(default, {}, "X-L" => "grace", "X-K" => member_token).status).to eq(200)
      expect(call_action(default, {}, "X-TaMember-Username" => "grace", "X-TaMember-Token" => member_token).status).to eq(401)
    end

    it "reads the global fallback on each request when the declaration gives none" do
      controller = plain_api_controller { acts_as_token_authentication_handler_for TaMember }
      TokenOxide::TokenAuthentication.configure { |c| c.fallback = :none }
      response = call_action(controller)
      expect([response.status, JSON.parse(response.body)["signed_in"]]).to eq([200, false])
      TokenOxide::TokenAuthentication.configure { |c| c.fallback = :exception }
      expect(call_action(controller).status).to eq(401)
    end

    context "with Devise" do
      before { skip TokenAuthRequestApp::NO_DEVISE unless TokenAuthRequestApp.devise? }

      let!(:user) { TaUser.create!(email: "ada@example.com", password: "password-123") }

      it "reads skip_devise_trackable on each request (/ta/devise_default was declared without it)" do
        call("/ta/devise_default", ta_user_email: user.email, ta_user_token: user.authentication_token)
        expect(user.reload.sign_in_count).to eq(0)
        SimpleTokenAuthentication.configure { |c| c.skip_devise_trackable = false }
        call("/ta/devise_default", ta_user_email: user.email, ta_user_token: user.authentication_token)
        expect(user.reload.sign_in_count).to eq(1)
      end

      it "reads sign_in_token on each request" do
        expect(call("/ta/devise_default", ta_user_email: user.email, ta_user_token: user.authentication_token).status).to eq(200)
        expect(call("/ta/devise_default").status).to eq(401)
        SimpleTokenAuthentication.configure { |c| c.sign_in_token = true }
        clear_cookies
        expect(call("/ta/devise_default", ta_user_email: user.email, ta_user_token: user.authentication_token).status).to eq(200)
        expect(call("/ta/devise_default").status).to eq(200)
      end
    end
  end

  describe "ActionController::Metal" do
    it "has the handler macro, as STA's rails_metal adapter gives it" do
      expect(ActionController::Metal).to respond_to(:acts_as_token_authentication_handler_for)
    end

    it "authenticates in a Metal controller with callbacks, answering 401 itself (no rescue_from, no render)" do
      controller = Class.new(ActionController::Metal) do
        include AbstractController::Callbacks
        acts_as_token_authentication_handler_for TaMember, fallback: :exception

        def index
          self.response_body = "member #{current_ta_member.id}"
        end
      end
      ok = call_action(controller, ta_member_email: member.email, ta_member_token: member_token)
      expect([ok.status, ok.body]).to eq([200, "member #{member.id}"])

      bad = call_action(controller, ta_member_email: member.email, ta_member_token: "wrong-#{member_token}")
      expect([bad.status, JSON.parse(bad.body)]).to eq([401, { "error" => "Not authenticated" }])
      expect(bad.headers["WWW-Authenticate"]).to eq(%(Token realm="Application"))
      expect(bad.body).not_to include(member_token)
    end

    it "says what a bare Metal controller is missing" do
      expect do
        Class.new(ActionController::Metal) { acts_as_token_authentication_handler_for TaMember }
      end.to raise_error(ArgumentError, /AbstractController::Callbacks/)
    end
  end
end
