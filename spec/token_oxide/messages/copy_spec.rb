# frozen_string_literal: true

require "spec_helper"

# dup and clone give working, independent copies (Object#dup allocates an
# empty native half; initialize_copy fills it).
RSpec.describe "dup and clone of MessageVerifier and MessageEncryptor" do
  secret = "copy-spec-secret-" * 4
  old_secret = "copy-spec-old-secret-" * 4

  describe TokenOxide::MessageVerifier do
    let(:original) { described_class.new(secret, digest: "SHA256", url_safe: true) }

    %i[dup clone].each do |copy|
      it "##{copy} signs and verifies like the original" do
        twin = original.public_send(copy)
        token = original.generate({ "id" => 1 }, purpose: :login)
        expect(twin.generate({ "id" => 1 }, purpose: :login)).to eq(token)
        expect(twin.verified(token, purpose: :login)).to eq("id" => 1)
        expect(twin.valid_message?(token)).to be(true)
        expect(twin.inspect).not_to include(secret)
      end

      it "##{copy} is independent: rotating the copy leaves the original alone" do
        old_token = described_class.new(old_secret, digest: "SHA256", url_safe: true).generate("old")
        twin = original.public_send(copy)
        twin.rotate(old_secret)
        expect(twin.verified(old_token)).to eq("old")
        expect(original.verified(old_token)).to be_nil
        original.rotate("yet another secret " * 3)
        expect(twin.verified(old_token)).to eq("old")
      end
    end

    it "clones a frozen verifier (frozen, still working)" do
      twin = original.freeze.clone
      expect(twin).to be_frozen
      expect(twin.verified(original.generate(1))).to eq(1)
    end

    it "keeps rotations it had before the copy" do
      old_token = described_class.new(old_secret, digest: "SHA256", url_safe: true).generate("old")
      original.rotate(old_secret)
      expect(original.dup.verified(old_token)).to eq("old")
    end
  end

  describe TokenOxide::MessageEncryptor do
    key = "e" * 32
    old_key = "o" * 32

    { "GCM" => {}, "CBC" => { cipher: "aes-256-cbc" } }.each do |label, options|
      %i[dup clone].each do |copy|
        it "##{copy} (#{label}) decrypts the original's messages and is independent of it" do
          original = described_class.new(key, **options)
          twin = original.public_send(copy)
          message = original.encrypt_and_sign({ "id" => 2 }, purpose: :x)
          expect(twin.decrypt_and_verify(message, purpose: :x)).to eq("id" => 2)
          expect(original.decrypt_and_verify(twin.encrypt_and_sign("back"))).to eq("back")

          old_message = described_class.new(old_key, **options).encrypt_and_sign("old")
          twin.rotate(old_key)
          expect(twin.decrypt_and_verify(old_message)).to eq("old")
          expect { original.decrypt_and_verify(old_message) }.to raise_error(TokenOxide::MessageEncryptor::InvalidMessage)
        end
      end
    end
  end
end
