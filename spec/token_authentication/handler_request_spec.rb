# frozen_string_literal: true

require "spec_helper"
require_relative "request_app"

RSpec.describe "acts_as_token_authentication_handler_for (real requests)" do
  include Rack::Test::Methods
  include ActiveSupport::Testing::TimeHelpers

  before(:all) { TokenAuthRequestApp.ensure_setup! }

  before do
    TokenOxide::TokenAuthentication.reset_configuration!
    [TaMember, TaClient].each(&:delete_all)
    TaUser.delete_all if TokenAuthRequestApp.devise?
  end

  after { TokenOxide::TokenAuthentication.reset_configuration! }

  def app
    Rails.application
  end

  # GET with params and HTTP headers ("X-User-Token" => ...).
  def call(path, params = {}, headers = {})
    env = headers.to_h { |k, v| ["HTTP_#{k.upcase.tr('-', '_')}", v] }
    get(path, params, env.merge("HTTP_ACCEPT" => "application/json"))
    last_response
  end

  def json
    JSON.parse(last_response.body)
  end

  def expect_rejected(response, *secrets)
    expect(response.status).to eq(401)
    secrets.each { |secret| expect(response.body).not_to include(secret) }
    expect(json).to include("error")
  end

  def skip_without_devise
    skip TokenAuthRequestApp::NO_DEVISE unless TokenAuthRequestApp.devise?
  end

  describe "a Devise-mapped model (TaUser) on ActionController::Base" do
    before { skip_without_devise } # before let!(:user), which needs Devise

    let!(:user) { TaUser.create!(email: "ada@example.com", password: "password-123") }
    let(:token) { user.authentication_token }
    it "signs in from params" do
      response = call("/ta/devise_default", ta_user_email: user.email, ta_user_token: token)
      expect(response.status).to eq(200)
      expect(json).to include("signed_in" => true, "id" => user.id)
    end

    it "signs in from X-<Model>-Email / X-<Model>-Token headers" do
      response = call("/ta/devise_default", {}, "X-TaUser-Email" => user.email, "X-TaUser-Token" => token)
      expect(response.status).to eq(200)
      expect(json["id"]).to eq(user.id)
    end

    it "signs in from Authorization: Token token=\"…\", email=\"…\" when authorization_header is on" do
      TokenOxide::TokenAuthentication.configure { |c| c.authorization_header = true }
      response = call("/ta/devise_default", {}, "Authorization" => %(Token token="#{token}", email="#{user.email}"))
      expect(response.status).to eq(200)
      expect(json["id"]).to eq(user.id)
    end

    it "takes a Bearer token with the identifier from its header when authorization_header is on" do
      TokenOxide::TokenAuthentication.configure { |c| c.authorization_header = true }
      response = call("/ta/devise_default", {}, "Authorization" => "Bearer #{token}", "X-TaUser-Email" => user.email)
      expect(response.status).to eq(200)
    end

    it "looks the identifier up through Devise (case-insensitive e-mail)" do
      response = call("/ta/devise_default", ta_user_email: "  ADA@Example.COM ", ta_user_token: token)
      expect(response.status).to eq(200)
      expect(json["id"]).to eq(user.id)
    end

    it "falls back to Devise (401) on a wrong, missing or someone else's token, without echoing it" do
      other = TaUser.create!(email: "bob@example.com", password: "password-123")
      expect_rejected(call("/ta/devise_default", ta_user_email: user.email, ta_user_token: token.succ), token.succ)
      expect_rejected(call("/ta/devise_default", ta_user_email: user.email, ta_user_token: other.authentication_token),
                      other.authentication_token)
      expect_rejected(call("/ta/devise_default", ta_user_email: user.email))
      expect_rejected(call("/ta/devise_default", ta_user_token: token), token)
      expect_rejected(call("/ta/devise_default", ta_user_email: "nobody@example.com", ta_user_token: token), token)
    end

    it "treats array or hash parameters as absent" do
      expect_rejected(call("/ta/devise_default", ta_user_email: [user.email], ta_user_token: token), token)
      expect_rejected(call("/ta/devise_default", ta_user_email: user.email, ta_user_token: { "x" => token }), token)
    end

    it "fallback: :exception throws to Warden (401) when nobody is signed in" do
      expect(call("/ta/devise_exception", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect_rejected(call("/ta/devise_exception", ta_user_email: user.email, ta_user_token: "wrong-token"), "wrong-token")
    end

    it "fallback: :none lets the request through unauthenticated" do
      response = call("/ta/devise_none", ta_user_email: user.email, ta_user_token: "wrong-token")
      expect(response.status).to eq(200)
      expect(json).to include("signed_in" => false, "id" => nil)
      expect(call("/ta/devise_none", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect(json["signed_in"]).to be(true)
    end

    it "sets devise.skip_trackable by default, so token requests leave the sign-in counters alone" do
      call("/ta/devise_default", ta_user_email: user.email, ta_user_token: token)
      expect(user.reload.sign_in_count).to eq(0)
      call("/ta/devise_trackable", ta_user_email: user.email, ta_user_token: token)
      expect(user.reload.sign_in_count).to eq(1)
    end

    it "does not store the sign-in in the session unless sign_in_token is set" do
      expect(call("/ta/devise_default", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect(call("/ta/devise_default").status).to eq(401)

      clear_cookies
      expect(call("/ta/devise_session", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect(call("/ta/devise_session").status).to eq(200)
      expect(json["id"]).to eq(user.id)
    end

    it "honours the sign_in_token setting from the global configuration" do
      TokenOxide::TokenAuthentication.configure { |c| c.sign_in_token = true }
      TokenAuthRequestApp.controller("configured_devise", ActionController::Base, :ta_user) do
        acts_as_token_authentication_handler_for TaUser
      end
      expect(call("/ta/configured_devise", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect(call("/ta/configured_devise").status).to eq(200)
    end

    it "uses the alias (as:) for params, headers and helpers, and signs in the Devise scope" do
      expect(call("/ta/devise_alias", person_email: user.email, person_token: token).status).to eq(200)
      expect(json["id"]).to eq(user.id)
      expect(call("/ta/devise_alias", {}, "X-Person-Email" => user.email, "X-Person-Token" => token).status).to eq(200)
      expect_rejected(call("/ta/devise_alias", ta_user_email: user.email, ta_user_token: token), token)
    end

    it "can leave Devise out (devise: false): plain helpers and the JSON 401" do
      expect(call("/ta/devise_off", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect(json["id"]).to eq(user.id)
      expect(call("/ta/devise_off").status).to eq(401)
      expect(json).to eq("error" => "Not authenticated")
    end

    it "reads the legacy fallback_to_devise: false as fallback: :none" do
      expect(call("/ta/legacy_fallback", ta_user_email: user.email, ta_user_token: "bad").status).to eq(200)
      expect(json["signed_in"]).to be(false)
    end

    it "works on ActionController::API with fallback: :devise" do
      expect(call("/ta/api_devise_fallback", ta_user_email: user.email, ta_user_token: token).status).to eq(200)
      expect_rejected(call("/ta/api_devise_fallback", ta_user_email: user.email, ta_user_token: "nope-nope"), "nope-nope")
    end
  end

  describe "a model without Devise (TaMember) on ActionController::API" do
    let!(:member) { TaMember.create!(email: "grace@example.com", username: "grace") }
    let(:member_token) { member.authentication_token }

    it "fallback: :exception answers 401 JSON with WWW-Authenticate, echoing nothing" do
      response = call("/ta/member_exception", ta_member_email: member.email, ta_member_token: "#{member_token}x")
      expect_rejected(response, "#{member_token}x", member_token)
      expect(json).to eq("error" => "Not authenticated")
      expect(response.headers["WWW-Authenticate"]).to eq(%(Token realm="Application"))
    end

    it "defines current_<model> and <model>_signed_in? for a good token" do
      expect(call("/ta/member_exception", ta_member_email: member.email, ta_member_token: member_token).status).to eq(200)
      expect(json).to include("signed_in" => true, "id" => member.id)
    end

    it "defaults to :exception when Devise does not map the model" do
      expect_rejected(call("/ta/member_only"))
      expect(call("/ta/member_only", ta_member_email: member.email, ta_member_token: member_token).status).to eq(200)
    end

    it "fallback: :none leaves current_<model> nil" do
      expect(call("/ta/member_none", ta_member_email: member.email, ta_member_token: "bad").status).to eq(200)
      expect(json).to include("signed_in" => false)
    end

    it "passes only:/except: to before_action" do
      expect(call("/ta/member_only/open").status).to eq(200)
      expect(json).to eq("open" => true, "signed_in" => false)
    end

    it "passes if: and unless: to before_action" do
      expect(call("/ta/member_if", {}, "X-Guard" => "off").status).to eq(200)
      expect_rejected(call("/ta/member_if", {}, "X-Guard" => "on"))
      expect(call("/ta/member_unless", {}, "X-Guard" => "on").status).to eq(200)
      expect_rejected(call("/ta/member_unless", {}, "X-Guard" => "off"))
    end

    it "calls after_successful_token_authentication after signing in, and only then" do
      call("/ta/member_hook", ta_member_email: member.email, ta_member_token: member_token)
      expect(json).to include("hook" => "grace@example.com")
      expect_rejected(call("/ta/member_hook", ta_member_email: member.email, ta_member_token: "bad"))
    end

    it "takes another identifier (identifier: :username) in params, headers and Authorization" do
      TokenOxide::TokenAuthentication.configure { |c| c.authorization_header = true }
      expect(call("/ta/member_username", ta_member_username: "grace", ta_member_token: member_token).status).to eq(200)
      expect(call("/ta/member_username", {}, "X-TaMember-Username" => "grace", "X-TaMember-Token" => member_token).status).to eq(200)
      expect(call("/ta/member_username", {}, "Authorization" => %(Token token="#{member_token}", username="grace")).status).to eq(200)
      expect_rejected(call("/ta/member_username", ta_member_email: member.email, ta_member_token: member_token))
    end

    it "reads custom header names" do
      expect(call("/ta/member_custom_headers", {}, "X-Api-Login" => member.email, "X-Api-Key" => member_token).status).to eq(200)
      expect_rejected(call("/ta/member_custom_headers", {}, "X-TaMember-Email" => member.email, "X-TaMember-Token" => member_token))
    end

    it "reads the legacy fallback_to_devise: false as fallback: :none (ActionController::Base)" do
      expect(call("/ta/member_legacy_fallback", ta_member_email: member.email, ta_member_token: "bad").status).to eq(200)
      expect(json).to include("signed_in" => false, "id" => nil)
      expect(call("/ta/member_legacy_fallback", ta_member_email: member.email, ta_member_token: member_token).status).to eq(200)
      expect(json).to include("signed_in" => true, "id" => member.id)
    end

    it "prefers params over headers" do
      response = call("/ta/member_exception", { ta_member_email: member.email, ta_member_token: "wrong" },
                      "X-TaMember-Token" => member_token)
      expect_rejected(response, member_token)
    end

    it "takes identifiers, header names and the Authorization switch from the global configuration" do
      TokenOxide::TokenAuthentication.configure do |c|
        c.identifiers = { ta_member: :username }
        c.header_names = { ta_member: { authentication_token: "X-Key", username: "X-Login" } }
        c.authorization_header = false
        c.fallback = :exception
      end
      TokenAuthRequestApp.controller("configured_api", ActionController::API, :ta_member) do
        acts_as_token_authentication_handler_for TaMember
      end
      expect(call("/ta/configured_api", {}, "X-Login" => "grace", "X-Key" => member_token).status).to eq(200)
      expect(call("/ta/configured_api", ta_member_username: "grace", ta_member_token: member_token).status).to eq(200)
      expect_rejected(call("/ta/configured_api", {}, "Authorization" => %(Token token="#{member_token}", username="grace")))
    end
  end

  describe "digest-stored, expiring tokens (TaClient)" do
    let!(:client) { TaClient.create!(name: "billing") }
    let(:client_token) { client.api_token }

    it "authenticates by identifier and compares the digest; the plaintext is never stored" do
      expect(call("/ta/client", client_name: "billing", client_token: client_token).status).to eq(200)
      expect(json["id"]).to eq(client.id)
      expect(TaClient.where(api_token_digest: client_token)).to be_empty
      expect(TaClient.connection.select_values("SELECT api_token_digest FROM ta_clients")).not_to include(client_token)
    end

    it "rejects the stored digest itself as a token" do
      expect_rejected(call("/ta/client", client_name: "billing", client_token: client.api_token_digest))
    end

    it "rejects an expired token, then accepts a regenerated one" do
      travel_to(Time.current + 3601) do
        expect_rejected(call("/ta/client", client_name: "billing", client_token: client_token), client_token)
        fresh = client.reload.regenerate_api_token!
        expect(call("/ta/client", client_name: "billing", client_token: fresh).status).to eq(200)
      end
    end

    it "may look the record up by token digest alone (identifier: false)" do
      TokenOxide::TokenAuthentication.configure { |c| c.authorization_header = true }
      expect(call("/ta/client_digest_only", client_token: client_token).status).to eq(200)
      expect(json["id"]).to eq(client.id)
      expect(call("/ta/client_digest_only", {}, "Authorization" => "Bearer #{client_token}").status).to eq(200)
      expect_rejected(call("/ta/client_digest_only", client_token: client_token.succ), client_token.succ)
      expect_rejected(call("/ta/client_digest_only"))
    end

    it "refuses token-only lookup for plaintext storage" do
      expect do
        Class.new(ActionController::API) { acts_as_token_authentication_handler_for TaMember, identifier: false }
      end.to raise_error(ArgumentError, /must not be looked up alone/)
    end
  end

  describe "declaration errors" do
    it "refuses fallback: :devise for a model Devise does not map, when it is needed" do
      skip_without_devise
      env_config = Rails.application.env_config
      show_exceptions = env_config["action_dispatch.show_exceptions"]
      begin
        env_config["action_dispatch.show_exceptions"] = false
        expect { call("/ta/member_devise_fallback") }.to raise_error(ArgumentError, /needs a Devise mapping for TaMember/)
      ensure
        env_config["action_dispatch.show_exceptions"] = show_exceptions
      end
    end

    it "refuses fallback: :devise at declaration when Devise is not loaded" do
      skip "Devise is loaded on this leg: the declaration is allowed and checked per request" if TokenAuthRequestApp.devise?
      expect { Class.new(ActionController::API) { acts_as_token_authentication_handler_for TaMember, fallback: :devise } }
        .to raise_error(ArgumentError, /fallback: :devise needs Devise/)
      expect { Class.new(ActionController::API) { acts_as_token_authentication_handler_for TaMember, fallback_to_devise: true } }
        .to raise_error(ArgumentError, /fallback: :devise needs Devise/)
    end

    it "rejects unknown options and fallbacks" do
      expect { Class.new(ActionController::API) { acts_as_token_authentication_handler_for TaMember, fallbak: :none } }
        .to raise_error(ArgumentError, /unknown option/)
      expect { Class.new(ActionController::API) { acts_as_token_authentication_handler_for TaMember, fallback: :maybe } }
        .to raise_error(ArgumentError, /fallback must be one of/)
    end

    it "keeps the token out of Credentials#inspect" do
      credentials = TokenOxide::TokenAuthentication::Credentials.new("a@example.com", "sekret-token-value")
      expect(credentials.inspect).not_to include("sekret-token-value")
      expect(credentials.inspect).to include("[FILTERED]")
    end
  end
end
