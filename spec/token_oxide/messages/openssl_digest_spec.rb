# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"

# Digests the core does not implement are signed through OpenSSL, as
# ActiveSupport does (OpenSSL::HMAC with the digest's name): old MD5 tokens
# stay readable, also as a rotation.
RSpec.describe TokenOxide::MessageVerifier, "with OpenSSL digests" do
  let(:secret) { "a secret that must not leak" }

  %w[MD5 SHA224 SHA3-256 sha256 SHA512].each do |digest|
    it "signs with #{digest} exactly as OpenSSL::HMAC and ActiveSupport's MessageVerifier" do
      ours = described_class.new(secret, digest: digest, serializer: JSON)
      token = ours.generate("value")
      encoded = Base64.strict_encode64('"value"')
      expect(token).to eq("#{encoded}--#{OpenSSL::HMAC.hexdigest(digest, secret, encoded)}")
      # ActiveSupport 6.1 looks the digest up as an OpenSSL::Digest constant
      # (no "SHA3-256", no lowercase); 7.x hands the name to OpenSSL::HMAC.
      if ActiveSupport::VERSION::MAJOR >= 7 || (digest.match?(/\A[A-Z]\w*\z/) && OpenSSL::Digest.const_defined?(digest))
        expect(token).to eq(ActiveSupport::MessageVerifier.new(secret, digest: digest, serializer: JSON).generate("value"))
      end
      expect(ours.verified(token)).to eq("value")
      expect(ours.valid_message?(token)).to be(true)
      expect(ours.verified(token.sub(/.\z/) { |c| c == "0" ? "1" : "0" })).to be_nil
      expect(ours.verified(token.chop)).to be_nil
    end
  end

  it "reads an old MD5 token through rotate, and a chained on_rotation callback sees it" do
    old_token = ActiveSupport::MessageVerifier.new("old secret", digest: "MD5", serializer: JSON).generate([1, "a"])
    calls = 0
    current = described_class.new(secret, digest: "SHA256", serializer: JSON)
    expect(current.rotate("old secret", digest: "MD5").on_rotation { calls += 1 }).to be(current)
    expect(current.verified(old_token)).to eq([1, "a"])
    expect(calls).to eq(1)
    expect(current.verified(current.generate("new"))).to eq("new")
    expect(calls).to eq(1)
  end

  it "fall_back_to adds a built verifier, as ActiveSupport's MessageVerifiers factory chains them" do
    old = described_class.new("old secret", digest: "MD5")
    current = described_class.new(secret)
    expect(current.fall_back_to(old)).to be(current)
    expect(current.verify(old.generate("x", purpose: :p), purpose: :p)).to eq("x")
  end

  it "signs the CBC encryptor's messages with an OpenSSL digest" do
    key = "k" * 32
    ours = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-cbc", digest: "MD5", serializer: JSON)
    rails = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-cbc", digest: "MD5", serializer: JSON)
    expect(ours.decrypt_and_verify(rails.encrypt_and_sign("secret data"))).to eq("secret data")
    expect(rails.decrypt_and_verify(ours.encrypt_and_sign("secret data"))).to eq("secret data")
  end

  it "rejects a digest OpenSSL does not know with ArgumentError, naming it only when it looks like a name" do
    expect { described_class.new(secret, digest: "NOPE") }.to raise_error(ArgumentError, /unsupported digest algorithm: "NOPE"/)
    error = (described_class.new(secret, digest: "#{secret} with spaces") rescue $!)
    expect(error).to be_a(ArgumentError)
    expect(error.message).not_to include(secret)
  end
end
