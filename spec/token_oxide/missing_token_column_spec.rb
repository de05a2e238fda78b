# frozen_string_literal: true

require "spec_helper"

# A table without the columns a token declaration needs: one error,
# TokenOxide::MissingTokenColumn, from every path, before any SQL.
RSpec.describe TokenOxide::MissingTokenColumn do
  before(:all) do
    TokenOxideSpec.rails_app
    TokenOxideSpec.create_table(:bare_tokens) { |t| t.string :name; t.string :email }
  end

  after { TokenOxide.reset_configuration! }

  def bare_model(const, &body)
    stub_const(const, Class.new(ActiveRecord::Base) { self.table_name = "bare_tokens" })
    const.constantize.class_eval(&body)
    const.constantize
  end

  def expect_missing(model_name, column, &block)
    expect(&block).to raise_error(described_class) { |error|
      expect(error).to be_a(ArgumentError)
      expect(error.model_name).to eq(model_name)
      expect(error.column).to eq(column)
      expect(error.message).to include("#{model_name} has no #{column} column", "rails g token_oxide:")
    }
  end

  describe "add_authentication_token_field" do
    before { TokenOxide.configure { |c| c.token_authenticatable.db_key_base = "missing-column-spec-db-key-base-0123456789abcdef" } }

    { { digest: true } => "token_digest", { encrypted: :required } => "token_encrypted", {} => "token" }.each do |options, column|
      it "#{options.inspect}: every method and the finder name #{column}" do
        model = bare_model("BareRunner") do
          include TokenOxide::TokenAuthenticatable
          add_authentication_token_field :token, **options
        end
        record = model.new
        expect_missing("BareRunner", column) { model.find_by_token("x") }
        %i[ensure_token ensure_token! reset_token! rewrite_token token token_expired?].each do |name|
          expect_missing("BareRunner", column) { record.public_send(name) }
        end
        expect_missing("BareRunner", column) { record.token_matches?("x") }
        expect_missing("BareRunner", column) { record.set_token("x") }
      end
    end

    it "names the expiry column of an expiring field" do
      TokenOxideSpec.create_table(:half_tokens) { |t| t.string :token_digest }
      stub_const("HalfRunner", Class.new(ActiveRecord::Base) { self.table_name = "half_tokens" })
      HalfRunner.include(TokenOxide::TokenAuthenticatable)
      HalfRunner.send(:add_authentication_token_field, :token, digest: true, expires_at: -> { Time.now + 60 })
      expect_missing("HalfRunner", "token_expires_at") { HalfRunner.find_by_token("x") }
    end
  end

  describe "acts_as_token_authenticatable and its handler" do
    it "raises on save, regenerate and match, for plaintext and digest" do
      { {} => "authentication_token", { store: :digest } => "authentication_token_digest" }.each do |options, column|
        model = bare_model("BareMember") { acts_as_token_authenticatable(**options) }
        expect_missing("BareMember", column) { model.create!(name: "a") }
        expect_missing("BareMember", column) { model.new.regenerate_authentication_token! }
        expect_missing("BareMember", column) { model.new.authentication_token_matches?("x") }
      end
    end

    it "raises from the request path (Authenticator) for the token and the identifier column" do
      model = bare_model("BareMember") { acts_as_token_authenticatable }
      credentials = Struct.new(:identifier, :token) { def complete?(_entity) = true }.new("a@example.com", "t")
      entity = TokenOxide::TokenAuthentication::Entity.new(model)
      expect_missing("BareMember", "authentication_token") { TokenOxide::TokenAuthentication::Authenticator.authenticate(entity, credentials) }
      entity = TokenOxide::TokenAuthentication::Entity.new(model, identifier: :login)
      expect { TokenOxide::TokenAuthentication::Authenticator.authenticate(entity, credentials) }
        .to raise_error(described_class, /BareMember has no login column/)
    end
  end
end
