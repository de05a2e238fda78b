# frozen_string_literal: true

require "spec_helper"
require "active_support/testing/time_helpers"

RSpec.describe "acts_as_token_authenticatable" do
  include ActiveSupport::Testing::TimeHelpers

  before(:all) do
    TokenOxideSpec.rails_app
    TokenOxideSpec.create_table(:ta_model_people) do |t|
      t.string :email
      t.string :authentication_token
      t.string :authentication_token_digest
      t.datetime :authentication_token_expires_at
      t.string :api_token
      t.string :api_token_digest
      t.datetime :api_token_expires_at
    end
  end

  before { TokenOxide::TokenAuthentication.reset_configuration! }
  after { TokenOxide::TokenAuthentication.reset_configuration! }

  def model(**options)
    klass = Class.new(ActiveRecord::Base) { self.table_name = "ta_model_people" }
    stub_const("TaModelPerson", klass)
    klass.acts_as_token_authenticatable(**options)
    klass
  end

  describe "store: :plaintext (the default)" do
    let(:klass) { model }

    it "gives a new record a friendly token before save and keeps it" do
      person = klass.create!(email: "a@example.com")
      expect(person.authentication_token).to match(/\A[A-Za-z0-9_-]{20}\z/)
      expect(person.authentication_token).not_to match(/[lIO0]/)
      expect(klass.find(person.id).authentication_token).to eq(person.authentication_token)

      token = person.authentication_token
      person.update!(email: "b@example.com")
      expect(person.reload.authentication_token).to eq(token)
    end

    it "keeps a token that was set by hand" do
      expect(klass.create!(authentication_token: "given-token").authentication_token).to eq("given-token")
    end

    it "draws again when the token is already taken" do
      taken = klass.create!.authentication_token
      allow(TokenOxide).to receive(:friendly_token).and_return(taken, "fresh-unique-token")
      expect(klass.create!.authentication_token).to eq("fresh-unique-token")
      expect(TokenOxide).to have_received(:friendly_token).twice
    end

    it "matches the token in constant time and rejects everything else" do
      person = klass.create!
      token = person.authentication_token
      expect(person.authentication_token_matches?(token.dup)).to be(true)
      expect(person.authentication_token_matches?(token.succ)).to be(false)
      expect(person.authentication_token_matches?(token[0..-2])).to be(false)
      expect(person.authentication_token_matches?("")).to be(false)
      expect(person.authentication_token_matches?(nil)).to be(false)
      expect(person.authentication_token_matches?([token])).to be(false)
      expect(klass.new.authentication_token_matches?("")).to be(false)
    end

    it "regenerate_authentication_token! saves a new token and returns it" do
      person = klass.create!
      old = person.authentication_token
      new_token = person.regenerate_authentication_token!
      expect(new_token).not_to eq(old)
      expect(person.reload.authentication_token).to eq(new_token)
      expect(person.authentication_token_matches?(old)).to be(false)
    end

    it "never expires without expires_in" do
      person = klass.create!
      expect(person.authentication_token_expired?).to be(false)
      expect(person.authentication_token_expires_at).to be_nil
    end
  end

  describe "store: :digest" do
    let(:klass) { model(store: :digest) }
    let(:secret) { "a-digest-secret-for-these-examples" }

    before { TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = secret } }

    it "stores only the HMAC digest and shows the plaintext once, in memory" do
      person = klass.create!(email: "d@example.com")
      token = person.authentication_token
      expect(token).to match(/\A[A-Za-z0-9_-]{20}\z/)
      expect(person.authentication_token_digest)
        .to eq(TokenOxide::TokenAuthentication::TokenDigester.digest(:authentication_token, token, secret: secret))
      expect(person.read_attribute(:authentication_token)).to be_nil
      expect(klass.find(person.id).authentication_token).to be_nil
      expect(person.inspect).not_to include(token)
    end

    it "matches against the stored digest" do
      token = klass.create!.authentication_token
      person = klass.last
      expect(person.authentication_token_matches?(token)).to be(true)
      expect(person.authentication_token_matches?(token.succ)).to be(false)
      expect(person.authentication_token_matches?(person.authentication_token_digest)).to be(false)
    end

    it "checks digest uniqueness when drawing" do
      taken = klass.create!.authentication_token
      allow(TokenOxide).to receive(:friendly_token).and_return(taken, "another-token-entirely")
      expect(klass.create!.authentication_token).to eq("another-token-entirely")
    end

    it "regenerates into the digest column" do
      person = klass.create!
      old_digest = person.authentication_token_digest
      token = person.regenerate_authentication_token!
      expect(person.authentication_token).to eq(token)
      expect(person.reload.authentication_token_digest).not_to eq(old_digest)
      expect(person.authentication_token_matches?(token)).to be(true)
    end

    it "uses Devise's secret by default, giving the same digest as Devise.token_generator" do
      skip "Devise is not installed on this leg (Debian 13 packages no Devise)" unless defined?(Devise)
      TokenOxide::TokenAuthentication.reset_configuration!
      token = klass.create!.authentication_token
      expect(Devise.secret_key).to eq(TokenOxideSpec::SECRET_KEY_BASE)
      expect(klass.last.authentication_token_digest)
        .to eq(Devise.token_generator.digest(klass, :authentication_token, token))
    end

    it "uses the app's secret_key_base by default when Devise is absent (Devise's digest form, by OpenSSL)" do
      skip "Devise is loaded on this leg: its secret comes first (example above)" if defined?(Devise)
      TokenOxide::TokenAuthentication.reset_configuration!
      token = klass.create!.authentication_token
      key = OpenSSL::PKCS5.pbkdf2_hmac(Rails.application.secret_key_base, "Devise authentication_token", 65_536, 64,
                                       OpenSSL::Digest::SHA1.new)
      expect(klass.last.authentication_token_digest).to eq(OpenSSL::HMAC.hexdigest("SHA256", key, token))
    end
  end

  describe "a custom column with expires_in" do
    let(:klass) { model(column: :api_token, store: :digest, expires_in: 3600) }

    before { TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = "s" } }

    it "names its methods after the column" do
      person = klass.create!
      expect(person.api_token).to be_a(String)
      expect(person.api_token_digest).to match(/\A\h{64}\z/)
      expect(person.authentication_token_digest).to be_nil
      expect(person).to respond_to(:regenerate_api_token!, :ensure_api_token, :api_token_expired?)
    end

    it "stamps <column>_expires_at from Time.current and stops matching after it" do
      travel_to(Time.utc(2030, 1, 1, 12, 0, 0)) do
        person = klass.create!
        token = person.api_token
        expect(person.api_token_expires_at).to eq(Time.utc(2030, 1, 1, 13, 0, 0))
        expect(person.authentication_token_matches?(token)).to be(true)

        travel 3599
        expect(person.api_token_expired?).to be(false)
        travel 1
        expect(person.api_token_expired?).to be(true)
        expect(person.authentication_token_matches?(token)).to be(false)

        fresh = person.regenerate_api_token!
        expect(person.reload.api_token_expires_at).to eq(Time.current + 3600)
        expect(person.authentication_token_matches?(fresh)).to be(true)
      end
    end

    it "treats a token with no expiry stamp as expired" do
      person = klass.create!
      person.update_column(:api_token_expires_at, nil)
      expect(person.api_token_expired?).to be(true)
    end
  end

  it "rejects unknown stores and bad durations" do
    expect { model(store: :bcrypt) }.to raise_error(ArgumentError, /store must be/)
    expect { model(expires_in: -5) }.to raise_error(ArgumentError, /expires_in/)
    expect { model(expires_in: "1 day") }.to raise_error(ArgumentError, /expires_in/)
  end
end
