# frozen_string_literal: true

require "spec_helper"

RSpec.describe "TokenOxide::Model has_secure_token" do
  base58 = /\A[1-9A-HJ-NP-Za-km-z]+\z/

  before(:all) do
    TokenOxideSpec.create_table(:dsl_widgets) do |t|
      t.string :token
      t.string :auth_token
      t.string :invite_token
      t.string :api_key
      t.string :name
    end
  end

  def widget_model(&block)
    DslSpec.model("Widget", table: :dsl_widgets, &block)
  end

  it "fills :token with 24 base58 characters before create by default (Active Record 6.1 has no generate_secure_token_on)" do
    widget = widget_model { has_secure_token }
    record = widget.new
    expect(record.token).to be_nil
    record.save!
    expect(record.token).to match(base58)
    expect(record.token.length).to eq(24)
    expect(widget.find(record.id).token).to eq(record.token)
  end

  it "takes its default on: from ActiveRecord.generate_secure_token_on where that exists (Rails 7.1+)" do
    widget = widget_model
    allow(ActiveRecord).to receive(:generate_secure_token_on).and_return(:initialize)
    widget.has_secure_token
    expect(widget.new.token).to match(base58)
  end

  it "honours length: and keeps an explicitly assigned value" do
    widget = widget_model { has_secure_token :auth_token, length: 36, on: :create }
    record = widget.create!
    expect(record.auth_token.length).to eq(36)
    expect(record.auth_token).to match(base58)
    expect(widget.create!(auth_token: "preset-value-kept").auth_token).to eq("preset-value-kept")
  end

  it "raises Rails' MinimumLengthError below 24 characters" do
    expect { widget_model { has_secure_token :token, length: 23 } }
      .to raise_error(ActiveRecord::SecureToken::MinimumLengthError, "Token requires a minimum length of 24 characters.")
  end

  it "on: :initialize sets the token on .new (after_initialize), but not on records loaded from the database" do
    widget = widget_model { has_secure_token on: :initialize }
    record = widget.new
    expect(record.token).to match(base58)
    record.save!
    widget.where(id: record.id).update_all(token: nil)
    expect(widget.find(record.id).token).to be_nil
  end

  it "accepts any callback name (on: :save) and only fills new, blank records" do
    widget = widget_model { has_secure_token on: :save }
    record = widget.new
    expect(record.token).to be_nil
    record.save!
    first = record.token
    expect(first.length).to eq(24)
    record.update!(name: "again")
    expect(record.reload.token).to eq(first)
  end

  it "regenerate_<attribute> assigns a fresh token of the same length and saves it with update!" do
    widget = widget_model { has_secure_token :auth_token, length: 36 }
    record = widget.create!
    old = record.auth_token
    expect(record.regenerate_auth_token).to be(true)
    expect(record.auth_token).not_to eq(old)
    expect(record.auth_token.length).to eq(36)
    expect(widget.find(record.id).auth_token).to eq(record.auth_token)
  end

  it "prefix: true prepends '<attribute>_' and a String prefix is used as is; neither counts toward length" do
    widget = widget_model do
      has_secure_token :invite_token, prefix: true
      has_secure_token :api_key, length: 30, prefix: "sk_live_"
    end
    record = widget.create!
    expect(record.invite_token).to start_with("invite_token_")
    expect(record.invite_token.delete_prefix("invite_token_")).to match(base58).and(have_attributes(length: 24))
    expect(record.api_key).to start_with("sk_live_")
    expect(record.api_key.delete_prefix("sk_live_").length).to eq(30)
    record.regenerate_api_key
    expect(record.api_key).to start_with("sk_live_")
  end

  it "generate_unique_secure_token(length:) comes from the Rust generator" do
    widget = widget_model
    expect(TokenOxide).to receive(:base58).with(32).and_call_original
    expect(widget.generate_unique_secure_token(length: 32)).to match(base58)
  end

  it "uses SecureRandom.base58 when acceleration is switched off" do
    widget = widget_model
    TokenOxide::Model.accelerate = false
    expect(TokenOxide).not_to receive(:base58)
    expect(widget.generate_unique_secure_token).to match(base58).and(have_attributes(length: 24))
  ensure
    TokenOxide::Model.accelerate = nil
  end
end
