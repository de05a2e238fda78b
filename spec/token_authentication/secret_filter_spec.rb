# frozen_string_literal: true

require "spec_helper"

# acts_as_token_authenticatable keeps its token columns out of inspect
# (filter_attributes) and, in a Rails app, out of logged request parameters
# (config.filter_parameters); a handler adds its <name>_token parameter.
RSpec.describe "Token columns are filtered" do
  before(:all) do
    TokenOxideSpec.rails_app
    TokenOxideSpec.create_table(:tf_accounts) do |t|
      t.string :name
      t.string :authentication_token
      t.string :api_key_digest
      t.datetime :api_key_expires_at
    end
  end

  def model(**options)
    Class.new(ActiveRecord::Base) do
      self.table_name = "tf_accounts"
      def self.name = "TfAccount"
      acts_as_token_authenticatable(**options)
    end
  end

  def parameter_filter
    require "active_support/parameter_filter"
    ActiveSupport::ParameterFilter.new(Rails.application.config.filter_parameters)
  end

  it "hides a plaintext token in inspect, leaving other columns visible" do
    record = model.create!(name: "visible")
    expect(record.inspect).to include("authentication_token: [FILTERED]", 'name: "visible"')
    expect(record.inspect).not_to include(record.authentication_token)
  end

  it "hides a digest column (and the in-memory token) but not its expiry" do
    klass = model(column: :api_key, store: :digest, expires_in: 3600)
    TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = "filter-spec-secret" }
    record = klass.create!(name: "d")
    expect(record.inspect).to include("api_key_digest: [FILTERED]")
    expect(record.inspect).not_to include(record.api_key_digest)
    expect(record.inspect).not_to include("api_key_expires_at: [FILTERED]")
    expect(klass.filter_attributes).to include(/\Aapi_key\z/, /\Aapi_key_digest\z/)
  ensure
    TokenOxide::TokenAuthentication.reset_configuration!
  end

  it "adds the columns to Rails.application.config.filter_parameters, anchored" do
    model(column: :api_key, store: :digest)
    model
    filtered = parameter_filter.filter("api_key_digest" => "d", "api_key" => "t", "api_key_expires_at" => "e",
                                       "account" => { "authentication_token" => "t" })
    expect(filtered).to eq("api_key_digest" => "[FILTERED]", "api_key" => "[FILTERED]", "api_key_expires_at" => "e",
                           "account" => { "authentication_token" => "[FILTERED]" })
  end

  it "adds a handler's token parameter, and does not add a pattern twice" do
    klass = model
    controller = Class.new(ActionController::API)
    controller.acts_as_token_authentication_handler_for(klass, as: :tf_account, fallback: :none)
    controller.acts_as_token_authentication_handler_for(klass, as: :tf_account, fallback: :none)
    filters = Rails.application.config.filter_parameters
    expect(filters.count(/\Atf_account_token\z/)).to eq(1)
    expect(parameter_filter.filter("tf_account_token" => "t", "tf_account_email" => "e"))
      .to eq("tf_account_token" => "[FILTERED]", "tf_account_email" => "e")
  end
end
