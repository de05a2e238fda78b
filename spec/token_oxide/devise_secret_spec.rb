# frozen_string_literal: true

require "spec_helper"

# The digest secret of acts_as_token_authenticatable store: :digest, chosen
# explicitly (token_authentication.digest_secret), and the boot warning when
# Devise is loaded and nothing was chosen.
RSpec.describe "token_authentication.digest_secret" do
  before(:all) { TokenOxideSpec.rails_app }
  after { TokenOxide.reset_configuration! }

  let(:configuration) { TokenOxide.configuration.token_authentication }

  it "accepts :secret_key_base, :devise_secret_key or a String, and rejects other Symbols" do
    configuration.digest_secret = :secret_key_base
    expect(configuration.digest_secret).to eq(Rails.application.secret_key_base)
    configuration.digest_secret = "explicit"
    expect(configuration.digest_secret).to eq("explicit")
    expect(configuration.inspect).not_to include("explicit")
    expect { configuration.digest_secret = :devise }.to raise_error(ArgumentError, /:secret_key_base or :devise_secret_key/)
  end

  it "defaults (nil, never chosen) to Devise.secret_key when Devise has one, else secret_key_base" do
    expect(configuration.digest_secret_chosen?).to be(false)
    expected = defined?(Devise) && Devise.secret_key ? Devise.secret_key : Rails.application.secret_key_base
    expect(configuration.digest_secret).to eq(expected)
  end

  it ":devise_secret_key reads Devise.secret_key, and raises without Devise" do
    configuration.digest_secret = :devise_secret_key
    if defined?(Devise)
      expect(configuration.digest_secret).to eq(Devise.secret_key)
    else
      expect { configuration.digest_secret }.to raise_error(ArgumentError, /Devise\.secret_key/)
    end
  end

  describe "the boot warning" do
    before { skip "Devise is not installed on this leg (Debian 13 packages no Devise)" unless defined?(Devise) }

    it "warns at boot when Devise is loaded and digest_secret was never chosen, naming the setting" do
      expect(Kernel).to receive(:warn).with(/Devise is loaded and config\.token_oxide\.token_authentication\.digest_secret is not set/)
      expect(TokenOxide::Railtie.warn_unchosen_digest_secret).to include("Devise.secret_key (the default")
    end

    it "is silent once a secret was chosen" do
      configuration.digest_secret = :devise_secret_key
      expect(Kernel).not_to receive(:warn)
      expect(TokenOxide::Railtie.warn_unchosen_digest_secret).to be_nil
    end
  end

  it "without Devise never warns" do
    skip "Devise is loaded on this leg (the examples above cover it)" if defined?(Devise)
    expect(Kernel).not_to receive(:warn)
    expect(TokenOxide::Railtie.warn_unchosen_digest_secret).to be_nil
  end
end
