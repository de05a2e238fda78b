# frozen_string_literal: true

require "spec_helper"
require "rack/test"
require "active_support/testing/time_helpers"

# The Railtie in the shared booted Rails app (TokenOxideSpec.rails_app): models
# declared with the plain Rails DSL, and a password-reset and an
# email-confirmation flow driven through real HTTP requests on SQLite.
RSpec.describe "token_oxide in a booted Rails app" do
  include Rack::Test::Methods
  include ActiveSupport::Testing::TimeHelpers

  def app
    TokenOxideSpec.rails_app
  end

  before(:all) do
    TokenOxideSpec.rails_app
    require "bcrypt"
    ActiveModel::SecurePassword.min_cost = true
    TokenOxideSpec.create_table(:dsl_app_users) do |t|
      t.string :email, null: false
      t.string :password_digest
      t.string :api_token
      t.datetime :confirmed_at
    end
    load File.expand_path("dsl_app_fixtures.rb", __dir__)
    Rails.application.routes.draw do
      scope "/dsl" do
        post "signups" => "dsl_app/signups#create"
        get "confirmations/:token" => "dsl_app/confirmations#show"
        post "password_resets" => "dsl_app/password_resets#create"
        get "password_resets/:token/edit" => "dsl_app/password_resets#edit"
        patch "password_resets/:token" => "dsl_app/password_resets#update"
        post "sessions" => "dsl_app/sessions#create"
      end
    end
  end

  before do
    DslApp::User.delete_all
    DslApp::Outbox.clear
  end

  let(:now) { Time.utc(2024, 5, 1, 12) }

  def signup(email = "ada@example.com", password = "first password")
    post "/dsl/signups", email: email, password: password
    expect(last_response.status).to eq(201)
    DslApp::User.find_by!(email: email)
  end

  describe "the Railtie" do
    it "gives ActiveRecord::Base the backported DSL (Active Record 6.1/7.0)" do
      skip "Active Record #{ActiveRecord.version} has its own TokenFor" if defined?(ActiveRecord::TokenFor)
      expect(ActiveRecord::Base).to respond_to(:generates_token_for, :find_by_token_for, :find_by_token_for!)
      expect(ActiveRecord::Base.ancestors).to include(TokenOxide::Model::SecureToken, TokenOxide::Model::TokenFor,
                                                      TokenOxide::Model::PasswordReset)
      expect(app.config.token_oxide.accelerate).to be(true)
    end

    it "builds generated_token_verifier as a Rails 7.1+ app does (PBKDF2-SHA256 of secret_key_base, salt active_record/token_for)" do
      skip "Active Record #{ActiveRecord.version} builds its own verifier (spec/rails72/ checks the swap in real apps)" if defined?(ActiveRecord::TokenFor)
      lazy = ActiveRecord::Base.generated_token_verifier
      expect(lazy).to be_a(TokenOxide::LazyVerifier) # its key is derived at the first token, not at boot
      verifier = lazy.verifier
      expect(verifier).to be_a(TokenOxide::MessageVerifier)
      key = OpenSSL::KDF.pbkdf2_hmac(app.secret_key_base, salt: "active_record/token_for", iterations: 1000, length: 64, hash: "SHA256")
      reference = TokenOxide::MessageVerifier.new(key, digest: "SHA1", serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
      expect(verifier.generate([7, "x"], purpose: "User\nreset\n900")).to eq(reference.generate([7, "x"], purpose: "User\nreset\n900"))
    end

    it "on Active Record 7.1+ swaps in the Rust verifier only as a byte-identical copy of Rails' own" do
      skip "Active Record #{ActiveRecord.version} has no TokenFor of its own" unless defined?(ActiveRecord::TokenFor)
      verifier = ActiveRecord::Base.generated_token_verifier
      expect(verifier).to be_a(TokenOxide::MessageVerifier)
      # What Rails' own code builds for that salt (the app's factory itself hands out ours).
      rails_verifier = ActiveSupport::MessageVerifiers.instance_method(:build_with_rotations)
                                                      .bind_call(app.message_verifiers, "active_record/token_for")
      expect(rails_verifier).to be_an_instance_of(ActiveSupport::MessageVerifier)
      payload = [7, "x"]
      expect(verifier.generate(payload, purpose: "User\nreset\n900")).to eq(rails_verifier.generate(payload, purpose: "User\nreset\n900"))
      expect(rails_verifier.verified(verifier.generate(payload, purpose: "P"), purpose: "P")).to eq(payload)
    end

    # Rails' default signed-id verifier, built here the way Active Record
    # builds it (SHA256, the JSON module, url_safe on 7.1+).
    def rails_signed_id_verifier
      secret = ActiveRecord::Base.signed_id_verifier_secret
      secret = secret.call if secret.respond_to?(:call)
      url_safe = ActiveRecord.version >= Gem::Version.new("7.1") ? { url_safe: true } : {}
      ActiveSupport::MessageVerifier.new(secret, digest: "SHA256", serializer: JSON, **url_safe)
    end

    it "signs signed_id with the Rust verifier, byte-identical to Rails' default, and reads Rails' own" do
      user = DslApp::User.create!(email: "signed@example.com", password: "x")
      expect(DslApp::User.signed_id_verifier).to be_a(TokenOxide::MessageVerifier)
      rails = rails_signed_id_verifier
      purpose = DslApp::User.combine_signed_id_purposes("invite")
      expect(user.signed_id(purpose: "invite")).to eq(rails.generate(user.id, purpose: purpose))
      expect(DslApp::User.find_signed(rails.generate(user.id, purpose: purpose), purpose: "invite")).to eq(user)
      expect(rails.verified(user.signed_id(purpose: "invite"), purpose: purpose)).to eq(user.id)
      expect(DslApp::User.find_signed(user.signed_id(purpose: "invite"), purpose: "other")).to be_nil
      expect { DslApp::User.find_signed!("#{user.signed_id}x") }.to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
      travel_to(now) do
        expiring = user.signed_id(expires_in: 60)
        expect(expiring).to eq(rails.generate(user.id, expires_in: 60, purpose: DslApp::User.combine_signed_id_purposes(nil)))
        travel 61
        expect(DslApp::User.find_signed(expiring)).to be_nil
      end
    end

    it "leaves a signed_id_verifier the app assigned alone" do
      custom = ActiveSupport::MessageVerifier.new("custom signed id secret" * 3)
      model = Class.new(DslApp::User) { def self.name = "DslApp::CustomSigned" }
      model.signed_id_verifier = custom
      expect(model.signed_id_verifier).to equal(custom)
    end

    it "reads config.token_oxide.accelerate" do
      initializer = TokenOxide::Railtie.initializers.find { |i| i.name == "token_oxide.model" }
      fake_app = Struct.new(:config).new(ActiveSupport::OrderedOptions.new.tap { |c| c.token_oxide = ActiveSupport::OrderedOptions.new })
      fake_app.config.token_oxide.accelerate = false
      initializer.run(fake_app)
      expect(TokenOxide::Model.accelerate).to be(false)
      expect(TokenOxide).not_to receive(:base58)
      expect(DslApp::User.generate_unique_secure_token.length).to eq(24)
    ensure
      TokenOxide::Model.accelerate = nil
    end
  end

  describe "email confirmation (has_secure_token + generates_token_for on a relation)" do
    it "confirms once with the mailed token, through HTTP" do
      user = signup
      expect(user.api_token).to match(/\A[1-9A-HJ-NP-Za-km-z]{24}\z/)
      token = DslApp::Outbox.last_token(:confirmation)

      get "/dsl/confirmations/#{token}"
      expect(last_response.status).to eq(200)
      expect(last_response.body).to eq("confirmed ada@example.com")
      expect(user.reload.confirmed_at).to be_present

      get "/dsl/confirmations/#{token}" # already confirmed: the relation excludes the user
      expect(last_response.status).to eq(404)
    end

    it "rejects the token once the email changed, or after a day" do
      user = signup
      token = DslApp::Outbox.last_token(:confirmation)
      user.update!(email: "other@example.com")
      get "/dsl/confirmations/#{token}"
      expect(last_response.status).to eq(404)

      user.update!(email: "ada@example.com")
      DslSpec.at(self, Time.now + 1.day)
      get "/dsl/confirmations/#{token}"
      expect(last_response.status).to eq(404)
    end
  end

  describe "password reset (has_secure_password reset token)" do
    it "resets the password with the mailed token, which then stops working" do
      signup
      post "/dsl/password_resets", email: "ada@example.com"
      expect(last_response.status).to eq(202)
      token = DslApp::Outbox.last_token(:password_reset)

      get "/dsl/password_resets/#{token}/edit"
      expect(last_response.status).to eq(200)

      patch "/dsl/password_resets/#{token}", password: "second password"
      expect(last_response.status).to eq(200)

      post "/dsl/sessions", email: "ada@example.com", password: "second password"
      expect(last_response.status).to eq(200)
      post "/dsl/sessions", email: "ada@example.com", password: "first password"
      expect(last_response.status).to eq(401)

      patch "/dsl/password_resets/#{token}", password: "third password" # the salt changed
      expect(last_response.status).to eq(422)
    end

    it "expires after 15 minutes" do
      signup
      DslSpec.at(self, now)
      post "/dsl/password_resets", email: "ada@example.com"
      token = DslApp::Outbox.last_token(:password_reset)
      DslSpec.at(self, now + 14.minutes)
      get "/dsl/password_resets/#{token}/edit"
      expect(last_response.status).to eq(200)
      DslSpec.at(self, now + 15.minutes)
      get "/dsl/password_resets/#{token}/edit"
      expect(last_response.status).to eq(404)
    end

    it "answers the same for an unknown email, and rejects a forged token" do
      post "/dsl/password_resets", email: "nobody@example.com"
      expect(last_response.status).to eq(202)
      expect(DslApp::Outbox.deliveries).to be_empty
      patch "/dsl/password_resets/forged--0000", password: "x"
      expect(last_response.status).to eq(422)
    end
  end
end
