# frozen_string_literal: true

require "spec_helper"

RSpec.describe "TokenOxide::Model has_secure_password reset token" do
  before(:all) do
    TokenOxideSpec.create_table(:dsl_members) do |t|
      t.string :email
      t.string :password_digest
      t.string :recovery_password_digest
    end
    require "bcrypt"
    ActiveModel::SecurePassword.min_cost = true
  end

  let(:verifier) { DslSpec.verifier }
  let(:now) { Time.utc(2024, 5, 1, 12) }

  before { DslSpec.at(self, now) }

  def member_model(&block)
    DslSpec.model("Member", table: :dsl_members, verifier: verifier, &block)
  end

  let(:member_class) { member_model { has_secure_password } }
  let!(:member) { member_class.create!(email: "m@example.com", password: "correct horse") }

  it "defines password_reset_token and the finders, valid for 15 minutes" do
    token = member.password_reset_token
    expect(member_class.find_by_password_reset_token(token)).to eq(member)
    expect(member_class.find_by_password_reset_token!(token)).to eq(member)
    expect(member.password_reset_token_expires_in).to eq(15.minutes)

    DslSpec.at(self, now + 15.minutes)
    expect(member_class.find_by_password_reset_token(token)).to be_nil
    expect { member_class.find_by_password_reset_token!(token) }
      .to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
  end

  it "signs the last 10 characters of the bcrypt salt under \"Class\\npassword_reset\\n900\"" do
    salt = BCrypt::Password.new(member.password_digest).salt
    expect(member.password_salt).to eq(salt)
    expect(verifier.verified(member.password_reset_token, purpose: "Member\npassword_reset\n900"))
      .to eq([member.id, salt[-10..]])
  end

  it "reads the salt as bcrypt does, and raises bcrypt's error for a malformed digest" do
    digest = BCrypt::Password.create("x", cost: 4)
    member.password_digest = digest
    expect(member.password_salt).to eq(BCrypt::Password.new(digest).salt)
    member.password_digest = "not-a-bcrypt-hash"
    expect { member.password_salt }.to raise_error(BCrypt::Errors::InvalidHash)
    member.password_digest = nil
    expect(member.password_salt).to be_nil
  end

  it "stops working once the password changes" do
    token = member.password_reset_token
    member.update!(password: "battery staple")
    expect(member_class.find_by_password_reset_token(token)).to be_nil
  end

  it "still authenticates as before" do
    expect(member.authenticate("correct horse")).to eq(member)
    expect(member.authenticate("wrong")).to be(false)
  end

  it "takes reset_token: { expires_in: }" do
    klass = member_model { has_secure_password reset_token: { expires_in: 1.hour } }
    record = klass.find(member.id)
    token = record.password_reset_token
    expect(record.password_reset_token_expires_in).to eq(1.hour)
    expect(klass.token_definitions[:password_reset].full_purpose).to eq("Member\npassword_reset\n3600")
    DslSpec.at(self, now + 59.minutes)
    expect(klass.find_by_password_reset_token(token)).to eq(record)
    DslSpec.at(self, now + 1.hour)
    expect(klass.find_by_password_reset_token(token)).to be_nil
  end

  it "defines nothing with reset_token: false" do
    klass = member_model { has_secure_password reset_token: false }
    expect(klass.new).not_to respond_to(:password_reset_token)
    expect(klass).not_to respond_to(:find_by_password_reset_token)
    expect(klass.token_definitions).not_to have_key(:password_reset)
  end

  it "names everything after a custom attribute" do
    klass = member_model do
      has_secure_password
      has_secure_password :recovery_password, validations: false
    end
    record = klass.create!(email: "r@example.com", password: "pw", recovery_password: "42password")
    token = record.recovery_password_reset_token
    expect(klass.find_by_recovery_password_reset_token(token)).to eq(record)
    expect(klass.find_by_password_reset_token(token)).to be_nil
    expect(verifier.verified(token, purpose: "Member\nrecovery_password_reset\n900"))
      .to eq([record.id, record.recovery_password_salt[-10..]])
  end
end
