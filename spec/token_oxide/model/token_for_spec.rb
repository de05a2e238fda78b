# frozen_string_literal: true

require "spec_helper"

RSpec.describe "TokenOxide::Model generates_token_for" do
  before(:all) do
    TokenOxideSpec.create_table(:dsl_accounts) do |t|
      t.string :email
      t.string :password_salt
      t.boolean :active, default: true
    end
    TokenOxideSpec.create_table(:dsl_people) do |t|
      t.string :type
      t.string :email
    end
    TokenOxideSpec.create_table(:dsl_keyless, id: false) { |t| t.string :name }
    TokenOxideSpec.create_table(:dsl_memberships, primary_key: %i[group_id user_id]) do |t|
      t.integer :group_id
      t.integer :user_id
    end
  end

  let(:verifier) { DslSpec.verifier }
  let(:now) { Time.utc(2024, 5, 1, 12) }

  before { DslSpec.at(self, now) }

  def account_model(name = "Account", &block)
    DslSpec.model(name, table: :dsl_accounts, verifier: verifier) do
      generates_token_for :password_reset, expires_in: 15.minutes do
        password_salt&.last(10)
      end
      generates_token_for :activation
      class_eval(&block) if block
    end
  end

  let(:account_class) { account_model }
  let!(:account) { account_class.create!(email: "a@example.com", password_salt: "$2a$12$abcdefghijklmnopqrstuv") }

  it "round-trips a token through find_by_token_for and find_by_token_for!" do
    token = account.generate_token_for(:password_reset)
    expect(account_class.find_by_token_for(:password_reset, token)).to eq(account)
    expect(account_class.find_by_token_for!(:password_reset, token)).to eq(account)
  end

  it "signs [id, block.as_json] under the purpose \"Class\\npurpose\\nexpires_in\"" do
    expect(verifier.verified(account.generate_token_for(:password_reset), purpose: "Account\npassword_reset\n900"))
      .to eq([account.id, "mnopqrstuv"])
    expect(verifier.verified(account.generate_token_for(:activation), purpose: "Account\nactivation\n")).to eq([account.id])
    expect(account_class.token_definitions[:password_reset].full_purpose).to eq("Account\npassword_reset\n900")
  end

  it "invalidates the token when the block value changes, but not for other attribute changes" do
    token = account.generate_token_for(:password_reset)
    account.update!(email: "b@example.com")
    expect(account_class.find_by_token_for(:password_reset, token)).to eq(account)
    account.update!(password_salt: "$2a$12$ZYXWVUTSRQPONMLKJIHGFE")
    expect(account_class.find_by_token_for(:password_reset, token)).to be_nil
    expect { account_class.find_by_token_for!(:password_reset, token) }
      .to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
  end

  it "expires after expires_in, read from Time.now" do
    token = account.generate_token_for(:password_reset)
    DslSpec.at(self, now + 15.minutes - 1)
    expect(account_class.find_by_token_for(:password_reset, token)).to eq(account)
    DslSpec.at(self, now + 15.minutes)
    expect(account_class.find_by_token_for(:password_reset, token)).to be_nil
  end

  it "rejects a token made for another purpose, another class, or tampered with" do
    token = account.generate_token_for(:activation)
    twin = account_model("Admin::Account")
    expect(account_class.find_by_token_for(:password_reset, token)).to be_nil
    expect(twin.find_by_token_for(:activation, token)).to be_nil
    expect(account_class.find_by_token_for(:activation, token.succ)).to be_nil
    expect(account_class.find_by_token_for(:activation, "garbage")).to be_nil
    expect { account_class.find_by_token_for!(:activation, token.succ) }
      .to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
  end

  it "uses the namespaced class name in the purpose" do
    admin = account_model("Admin::Account")
    token = admin.find(account.id).generate_token_for(:activation)
    expect(verifier.verified(token, purpose: "Admin::Account\nactivation\n")).to eq([account.id])
  end

  it "raises KeyError for an unknown purpose, like Rails" do
    expect { account_class.find_by_token_for(:nope, "x") }.to raise_error(KeyError, "key not found: :nope")
    expect { account.generate_token_for(:nope) }.to raise_error(KeyError)
  end

  it "returns nil, or raises RecordNotFound with the bang form, when the record is gone" do
    token = account.generate_token_for(:activation)
    account.destroy!
    expect(account_class.find_by_token_for(:activation, token)).to be_nil
    expect { account_class.find_by_token_for!(:activation, token) }
      .to raise_error(ActiveRecord::RecordNotFound, /Couldn't find Account with 'id'=#{account.id}/)
  end

  it "works on relations: the relation's conditions apply to the lookup" do
    token = account.generate_token_for(:activation)
    expect(account_class.where(active: true).find_by_token_for(:activation, token)).to eq(account)
    expect(account_class.where(active: false).find_by_token_for(:activation, token)).to be_nil
    expect(account_class.where(active: true).find_by_token_for!(:activation, token)).to eq(account)
    expect { account_class.where(active: false).find_by_token_for!(:activation, token) }
      .to raise_error(ActiveRecord::RecordNotFound)
  end

  it "keeps a subclass's extra definitions out of its parent" do
    child = Class.new(account_class) { generates_token_for(:child_only) }
    expect(child.token_definitions.keys).to include(:password_reset, :child_only)
    expect(account_class.token_definitions.keys).not_to include(:child_only)
  end

  context "with single-table inheritance" do
    let(:person) { DslSpec.model("Person", table: :dsl_people, verifier: verifier) { generates_token_for(:invite, expires_in: 3.days) { email } } }
    let(:employee) { DslSpec.model("Employee", parent: person) }

    before { DslSpec.sti_base(person, "Person" => person, "Employee" => employee) }

    it "signs with the defining class's name and finds the record through either class" do
      record = employee.create!(email: "emp@example.com")
      token = record.generate_token_for(:invite)
      expect(verifier.verified(token, purpose: "Person\ninvite\n259200")).to eq([record.id, "emp@example.com"])
      expect(employee.find_by_token_for(:invite, token)).to eq(record)
      expect(person.find_by_token_for(:invite, token)).to be_a(employee).and(eq(record))
    end
  end

  it "raises UnknownPrimaryKey when the table has no primary key" do
    keyless = DslSpec.model("Keyless", table: :dsl_keyless, verifier: verifier) { generates_token_for(:x) }
    expect { keyless.find_by_token_for(:x, "token") }.to raise_error(ActiveRecord::UnknownPrimaryKey, /dsl_keyless/)
  end

  it "explains that composite primary keys need Active Record 7.1+" do
    skip "Active Record #{ActiveRecord.version} supports composite keys" if ActiveRecord.version >= Gem::Version.new("7.1")
    membership = DslSpec.model("Membership", table: :dsl_memberships, verifier: verifier) { generates_token_for(:x) }
    expect { Kernel.silence_warnings { membership.find_by_token_for(:x, "token") } }
      .to raise_error(ActiveRecord::UnknownPrimaryKey, /composite primary key \(group_id, user_id\).*7\.1/)
  end

  it "hands fixed-length Durations to the verifier as seconds, and calendar ones as Durations" do
    fixed = TokenOxide::Model::TokenFor.method(:fixed_seconds)
    expect(fixed.call(15.minutes)).to eql(900)
    expect(fixed.call(1.5.hours)).to eql(5400)
    expect(fixed.call(2.weeks + 1.day)).to eql(1_296_000)
    expect(fixed.call(1.month)).to eq(1.month).and(be_a(ActiveSupport::Duration))
    expect(fixed.call(0.5.seconds)).to be_a(ActiveSupport::Duration)
    expect(fixed.call(nil)).to be_nil
    expect(fixed.call(600)).to eql(600)
  end

  it "expires a calendar-month token at the same day next month" do
    monthly = account_model { generates_token_for(:monthly, expires_in: 1.month) }
    record = monthly.find(account.id)
    token = record.generate_token_for(:monthly)
    DslSpec.at(self, Time.utc(2024, 6, 1, 11, 59, 59))
    expect(monthly.find_by_token_for(:monthly, token)).to eq(record)
    DslSpec.at(self, Time.utc(2024, 6, 1, 12))
    expect(monthly.find_by_token_for(:monthly, token)).to be_nil
  end

  it "says how to set the verifier when there is none" do
    bare = DslSpec.model("Bare", table: :dsl_accounts) { generates_token_for(:x) }
    bare.generated_token_verifier = nil # (the booted app's Railtie may have set one on ActiveRecord::Base)
    expect { bare.new.generate_token_for(:x) }.to raise_error(TokenOxide::Error, /Bare\.generated_token_verifier is not set/)
  end
end
