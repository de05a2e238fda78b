# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/core_ext/integer/time"
require "active_support/core_ext/numeric/time"
require "active_support/core_ext/time"

RSpec.describe TokenOxide::MessageVerifier, "API" do
  let(:secret) { "a secret that must not leak" }
  let(:verifier) { described_class.new(secret) }

  def at(time, &block)
    MessageVectors.at(time.utc.iso8601(9), &block)
  end

  it "defaults to SHA1 and strict base64; the serializer is the process-wide one (here :json_allow_marshal)" do
    MessageSettings.with(oxide_serializer: :json_allow_marshal) do
      token = verifier.generate("x")
      encoded = Base64.strict_encode64('"x"')
      expect(token).to eq("#{encoded}--#{OpenSSL::HMAC.hexdigest("SHA1", secret, encoded)}")
      expect(verifier.verified(token)).to eq("x")
    end
  end

  it "rejects a nil secret like ActiveSupport" do
    expect { described_class.new(nil) }.to raise_error(ArgumentError, "Secret should not be nil.")
  end

  it "inspect and to_s never show the secret" do
    expect(verifier.inspect).to match(/\A#<TokenOxide::MessageVerifier:0x\h+>\z/)
    expect(verifier.inspect).not_to include(secret)
    expect(TokenOxide::MessageEncryptor.new("k" * 32).inspect).not_to include("k" * 32)
  end

  it "raises InvalidSignature that existing ActiveSupport rescue clauses catch" do
    expect { verifier.verify("nope") }.to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
  end

  it "computes expires_in durations with calendar arithmetic (1.month is next month, same day)" do
    now = Time.utc(2024, 1, 31, 10, 0, 0)
    token = at(now) { verifier.generate("v", expires_in: 1.month) }
    payload = JSON.parse(Base64.strict_decode64(token.split("--").first))
    expect(payload["_rails"]["exp"]).to eq("2024-02-29T10:00:00.000Z")
    token = at(now) { verifier.generate("v", expires_in: 15.minutes) }
    expect(JSON.parse(Base64.strict_decode64(token.split("--").first))["_rails"]["exp"]).to eq("2024-01-31T10:15:00.000Z")
    expect(at(now + 899) { verifier.verified(token) }).to eq("v")
    expect(at(now + 900) { verifier.verified(token) }).to be_nil
  end

  it "accepts expires_at as Time and TimeWithZone, truncating to milliseconds" do
    at_time = Time.utc(2030, 1, 1, 0, 0, 0.123987r)
    zoned = at_time.in_time_zone("Tokyo")
    [at_time, zoned].each do |expires_at|
      token = verifier.generate(1, expires_at: expires_at)
      expect(Base64.strict_decode64(token.split("--").first)).to include('"exp":"2030-01-01T00:00:00.123Z"')
    end
  end

  it "url_safe tokens have no padding or +/ and verify with either setting" do
    url_safe = described_class.new(secret, url_safe: true)
    token = url_safe.generate("~~~>>>???", purpose: :p)
    expect(token).to match(/\A[A-Za-z0-9_-]+--\h{40}\z/)
    expect(url_safe.verified(token, purpose: :p)).to eq("~~~>>>???")
    expect(verifier.verified(token, purpose: :p)).to eq("~~~>>>???")
  end

  it "rotate falls back to old secrets and options and calls on_rotation" do
    old = described_class.new("old secret", digest: "SHA256", serializer: :marshal)
    token = old.generate("legacy")
    calls = 0
    current = described_class.new(secret, on_rotation: -> { calls += 1 })
    expect(current.rotate("old secret", digest: "SHA256", serializer: :marshal)).to be(current)
    expect(current.verified(token)).to eq("legacy")
    expect(calls).to eq(1)
    per_call = 0
    expect(current.verify(token, on_rotation: -> { per_call += 1 })).to eq("legacy")
    expect(per_call).to eq(1)
    expect(current.valid_message?(token)).to be(false) # ignores rotations, like Rails
  end

  it "supports custom serializers (anything with dump/load) through the Ruby path" do
    upcase = Module.new do
      def self.dump(value) = value.to_s.upcase
      def self.load(text) = text.downcase
    end
    custom = described_class.new(secret, serializer: upcase)
    expect(custom.verified(custom.generate("hello"))).to eq("hello")
    token = custom.generate("hello", purpose: :x)
    # Custom serializers get the legacy envelope, as in Rails.
    expect(Base64.strict_decode64(token.split("--").first)).to start_with('{"_rails":{"message":')
    expect(custom.verified(token, purpose: :x)).to eq("hello")
  end

  it "rejects unknown keywords" do
    expect { verifier.generate(1, purpose: :a, bogus: 1) }.to raise_error(ArgumentError)
  end
end

RSpec.describe TokenOxide::MessageVerifier, "with ActiveSupport's travel_to" do
  require "active_support/testing/time_helpers"
  include ActiveSupport::Testing::TimeHelpers

  it "reads the clock through Time.now, so time travel applies to generation and expiry" do
    verifier = described_class.new("secret")
    encryptor = TokenOxide::MessageEncryptor.new("k" * 32)
    travel_to Time.utc(2030, 6, 1, 12, 0, 0) do
      token = verifier.generate("v", expires_in: 60)
      expect(Base64.strict_decode64(token.split("--").first)).to include('"exp":"2030-06-01T12:01:00.000Z"')
      message = encryptor.encrypt_and_sign("e", expires_in: 60)
      travel 59.seconds
      expect(verifier.verified(token)).to eq("v")
      expect(encryptor.decrypt_and_verify(message)).to eq("e")
      travel 1.second
      expect(verifier.verified(token)).to be_nil
      expect(encryptor.decrypt_and_verify(message)).to be_nil
    end
  end
end
