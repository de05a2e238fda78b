# frozen_string_literal: true

require "spec_helper"
require "time"

RSpec.describe "TokenOxide::TokenForVerifier" do
  let(:kase) { vectors("token_for").first }

  it "derives the key a Rails 7.2 app uses for active_record/token_for" do
    expect(TokenOxide::TokenForVerifier.derive_key(kase["secret_key_base"]).unpack1("H*"))
      .to eq(kase.dig("verifier", "secret_hex"))
  end

  it "builds a verifier that signs the recorded token (frozen clock)" do
    allow(Time).to receive(:now).and_return(Time.iso8601(kase["now"]))
    verifier = TokenOxide::TokenForVerifier.build(kase["secret_key_base"])
    expect(verifier).to be_a(TokenOxide::MessageVerifier)
    expect(verifier.generate(kase["payload"], purpose: kase["full_purpose"], expires_in: kase.dig("definition", "expires_in_seconds")))
      .to eq(kase["expected_token"])
    expect(verifier.verified(kase["expected_token"], purpose: kase["full_purpose"])).to eq(kase["payload"])
  end

  it "takes the key from an app's key generator when given one" do
    generator = TokenOxide::KeyGenerator.new(kase["secret_key_base"], iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA256)
    from_generator = TokenOxide::TokenForVerifier.build(key_generator: generator)
    from_secret = TokenOxide::TokenForVerifier.build(kase["secret_key_base"])
    expect(from_generator.generate([1], purpose: "p")).to eq(from_secret.generate([1], purpose: "p"))
  end

  it "uses another PBKDF2 digest when asked (an app upgrading with pre-7.0 defaults)" do
    sha1 = TokenOxide::TokenForVerifier.derive_key(kase["secret_key_base"], hash_digest_class: OpenSSL::Digest::SHA1)
    expect(sha1).to eq(OpenSSL::PKCS5.pbkdf2_hmac(kase["secret_key_base"], "active_record/token_for", 1000, 64, OpenSSL::Digest::SHA1.new))
  end

  it "refuses a missing secret_key_base" do
    expect { TokenOxide::TokenForVerifier.build(nil) }.to raise_error(ArgumentError, /secret_key_base must be a String/)
  end
end
