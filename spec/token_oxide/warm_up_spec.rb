# frozen_string_literal: true

require "spec_helper"

# TokenOxide.warm_up! derives the lazily derived keys ahead of the first
# request: afterwards an authenticated lookup derives nothing (counted as
# calls into the derivations, not timed). Without a secret it skips.
RSpec.describe "TokenOxide.warm_up!" do
  before(:all) do
    TokenOxideSpec.rails_app
    TokenOxideSpec.create_table(:warm_clients) do |t|
      t.string :name
      t.string :api_token_digest
    end
    TokenOxideSpec.create_table(:warm_runners) do |t|
      t.string :token_encrypted
    end
  end

  after { TokenOxide.reset_configuration! }

  let!(:client_model) do
    stub_const("WarmClient", Class.new(ActiveRecord::Base) { self.table_name = "warm_clients" })
    WarmClient.acts_as_token_authenticatable(column: :api_token, store: :digest)
    WarmClient
  end
  let!(:runner_model) do
    stub_const("WarmRunner", Class.new(ActiveRecord::Base) do
      self.table_name = "warm_runners"
      include TokenOxide::TokenAuthenticatable
      add_authentication_token_field :token, encrypted: :required
    end)
  end

  def configure_secrets
    TokenOxide.configure do |c|
      c.token_authentication.digest_secret = "warm-up-digest-secret"
      c.token_authenticatable.db_key_base = "warm-up-db-key-base-0123456789abcdef0123456789abcdef"
    end
  end

  it "derives every key once, so the first authenticated lookups derive nothing" do
    configure_secrets
    client_token = client_model.create!(name: "c").api_token
    runner_token = runner_model.create!.tap(&:ensure_token).tap(&:save!).token
    TokenOxide.reset_configuration! # forgets the keys the set-up derived
    TokenOxide::TokenAuthentication::TokenDigester.clear_cache
    configure_secrets

    derivations = Hash.new(0)
    allow(TokenOxide::TokenAuthentication::TokenDigester).to receive(:derive_key).and_wrap_original do |original, *args|
      derivations[[:digest_key, args.first.to_s]] += 1
      original.call(*args)
    end
    # the tox1 keys (and the 6.1 token_for key) come from a KeyGenerator
    allow_any_instance_of(TokenOxide::KeyGenerator).to receive(:generate_key).and_wrap_original do |original, *args|
      derivations[:key_generator] += 1
      original.call(*args)
    end
    warmed = TokenOxide.warm_up!
    expect(warmed).to include(:token_authentication, :token_authenticatable)
    expect(derivations[[:digest_key, "api_token"]]).to eq(1) # WarmClient's (other loaded models' columns too)
    expect(derivations[:key_generator]).to be >= 2 # the AES and nonce keys
    after_warm_up = derivations.dup

    entity = TokenOxide::TokenAuthentication::Entity.new(client_model, identifier: :name)
    credentials = Struct.new(:identifier, :token) { def complete?(_entity) = true }.new("c", client_token)
    expect(TokenOxide::TokenAuthentication::Authenticator.authenticate(entity, credentials)).to eq(client_model.find_by(name: "c"))
    expect(runner_model.find_by_token(runner_token)).to be_a(runner_model)
    expect(derivations).to eq(after_warm_up) # the lookups derived nothing

    # the control: without the warm-up the same lookups do derive
    TokenOxide::TokenAuthentication::TokenDigester.clear_cache
    TokenOxide.reset_configuration!
    configure_secrets
    TokenOxide::TokenAuthentication::Authenticator.authenticate(entity, credentials)
    runner_model.find_by_token(runner_token)
    expect(derivations[[:digest_key, "api_token"]]).to eq(2)
    expect(derivations[:key_generator]).to be >= after_warm_up[:key_generator] + 2
  end

  it "skips what has no secret, and the first use still raises then" do
    TokenOxide.configure { |c| c.token_authentication.digest_secret = :devise_secret_key } unless defined?(Devise)
    allow(TokenOxide::TokenAuthenticatable).to receive(:app_environment).and_return("production")
    expect(TokenOxide.warm_up!).not_to include(:token_authenticatable)
    expect { runner_model.new.ensure_token }.to raise_error(TokenOxide::Error, /db_key_base is not set/)
    expect(TokenOxide.warm_up!).not_to include(:token_authentication) unless defined?(Devise)
  end
end
