# frozen_string_literal: true

require "spec_helper"

RSpec.describe TokenOxide::TokenAuthentication::TokenDigester do
  cases = vectors("devise").select { |c| %w[token_digest token_generate_pair].include?(c["kind"]) }

  it "has Devise token vectors to check against" do
    expect(cases.size).to be >= 10
  end

  cases.each do |c|
    secret = c["secret_key_base"] || c["secret_key"]

    it "derives Devise's column key (#{c['id']})" do
      expect(described_class.key_for(c["column"], secret).unpack1("H*")).to eq(c["derived_key_hex"])
    end

    it "digests like Devise.token_generator.digest (#{c['id']})" do
      expect(described_class.digest(c["column"], c["value"], secret: secret)).to eq(c["expected_digest_hex"])
    end
  end

  it "returns false for blank or non-String tokens, like Devise's `value.present? &&`" do
    expect(described_class.digest(:authentication_token, "", secret: "s")).to be(false)
    expect(described_class.digest(:authentication_token, nil, secret: "s")).to be(false)
    expect(described_class.digest(:authentication_token, ["x"], secret: "s")).to be(false)
  end

  it "keys each column and each secret separately" do
    a = described_class.digest(:authentication_token, "tok", secret: "s1")
    expect(described_class.digest(:api_token, "tok", secret: "s1")).not_to eq(a)
    expect(described_class.digest(:authentication_token, "tok", secret: "s2")).not_to eq(a)
    expect(a).to match(/\A\h{64}\z/)
  end
end
