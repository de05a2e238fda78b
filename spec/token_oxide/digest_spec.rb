# frozen_string_literal: true

require "openssl"
require "digest"
require "base64"

RSpec.describe TokenOxide::Digest do
  rng = Random.new(7)
  inputs = ["", "a", "token", "ünïcödé", "\x00\xff".b] + Array.new(200) { rng.bytes(rng.rand(0..300)) }

  %w[SHA1 SHA256 SHA384 SHA512].each do |name|
    it "hexdigest/base64digest(#{name}) equal OpenSSL's on many inputs" do
      inputs.each do |data|
        expect(described_class.hexdigest(name, data)).to eq(OpenSSL::Digest.hexdigest(name, data))
        expect(described_class.base64digest(name.downcase.to_sym, data)).to eq(OpenSSL::Digest.base64digest(name, data))
      end
    end

    it "hmac_hexdigest(#{name}) equals OpenSSL::HMAC's" do
      inputs.each_slice(2) do |key, data|
        data ||= ""
        expect(described_class.hmac_hexdigest(name, key, data)).to eq(OpenSSL::HMAC.hexdigest(name, key, data))
        expect(described_class.hmac_digest(name, key, data)).to eq(OpenSSL::HMAC.digest(name, key, data))
      end
    end
  end

  it "has SHA-256 shortcuts equal to OpenSSL and GitLab's salted base64 form" do
    inputs.each do |data|
      expect(described_class.sha256_hexdigest(data)).to eq(OpenSSL::Digest::SHA256.hexdigest(data))
      expect(described_class.sha256_base64digest(data)).to eq(Digest::SHA256.base64digest(data))
    end
    salt = "0123456789abcdef0123456789abcdef"
    expect(described_class.sha256_base64digest("glpat-token#{salt}")).to eq(Base64.strict_encode64(Digest::SHA256.digest("glpat-token#{salt}")))
  end

  it "hmac_sha256_hexdigest reproduces Devise's recorded token digests" do
    cases = vectors("devise").select { |c| c["kind"] == "token_digest" }
    expect(cases).not_to be_empty
    checked = 0
    cases.each do |c|
      next unless c["value"].is_a?(String) && !c["value"].empty? # blank values give false in Devise

      key = [c.fetch("derived_key_hex")].pack("H*")
      expect(described_class.hmac_sha256_hexdigest(key, c["value"])).to eq(c.fetch("expected_digest_hex")), c["id"]
      checked += 1
    end
    expect(checked).to be > 0
  end

  it "rejects unknown algorithms and non-String data" do
    expect { described_class.hexdigest("MD5", "x") }.to raise_error(ArgumentError, /unsupported digest/)
    expect { described_class.hexdigest(1, "x") }.to raise_error(TypeError)
    expect { described_class.sha256_hexdigest(nil) }.to raise_error(TypeError)
    expect { described_class.hmac_sha256_hexdigest("k", 5) }.to raise_error(TypeError)
  end
end
