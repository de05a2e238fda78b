# frozen_string_literal: true

require_relative "gitlab_reference"

# The Rust storage formats checked directly against the Ruby/OpenSSL
# reference of GitLab's algorithms, on many generated inputs.
RSpec.describe "token storage formats (TokenOxide::Native)" do
  rng = Random.new(2024)
  chars = ["a", "Z", "0", "-", "é", "€", "😀", "ß", "\u0000"]
  texts = Array.new(200) { Array.new(rng.rand(1..30)) { chars.sample(random: rng) }.join }

  it "fits key bases exactly like GitLab's ensure_utf8_size" do
    texts.each do |text|
      [1, 5, 12, 32, 40].each do |size|
        expect(TokenOxide::Native.gitlab_fit_key(text, size, true)).to eq(GitlabReference.ensure_utf8_size(text, size).b)
      end
    end
    broken = "ab\xFFc\xE2\x82".dup.force_encoding(Encoding::UTF_8)
    expect(TokenOxide::Native.gitlab_fit_key(broken, 5, true)).to eq(GitlabReference.ensure_utf8_size(broken, 5).b)
    binary = "\xC3\xA9abc".b
    expect(TokenOxide::Native.gitlab_fit_key(binary, 3, false)).to eq(GitlabReference.ensure_utf8_size(binary, 3))
    expect { TokenOxide::Native.gitlab_fit_key("", 32, true) }.to raise_error(ArgumentError, /must not be empty/)
  end

  it "digests like Digest::SHA256.base64digest(token + salt)" do
    texts.each_slice(2) do |token, salt|
      salt ||= ""
      expect(TokenOxide::Native.salted_sha256_base64(token, salt)).to eq(Digest::SHA256.base64digest(token + salt))
    end
  end

  describe "TokenCipher" do
    let(:base) { "formats-spec-db-key-base-€-#{"x" * 40}" }
    let(:cipher) { TokenOxide::Native::TokenCipher.new(rng.bytes(32), rng.bytes(32), base, true) }

    it "writes GitLab's dynamic-nonce and static-IV values byte for byte, and reads the reference's" do
      texts.first(60).each do |token|
        expect(cipher.encrypt_gitlab(token)).to eq(GitlabReference.encrypt_dynamic(token, base))
        expect(cipher.encrypt_gitlab_static(token)).to eq(GitlabReference.encrypt_static(token, base))
        expect(cipher.decrypt(GitlabReference.encrypt_static(token, base, line_breaks: true))).to eq(token)
        expect(GitlabReference.decrypt(cipher.encrypt_gitlab(token), base).force_encoding(Encoding::UTF_8)).to eq(token)
      end
    end

    it "round-trips tox1 and returns UTF-8 tokens (binary when not valid UTF-8)" do
      texts.first(60).each { |token| expect(cipher.decrypt(cipher.encrypt(token))).to eq(token) }
      expect(cipher.decrypt(cipher.encrypt("tok")).encoding).to eq(Encoding::UTF_8)
      expect(cipher.decrypt(cipher.encrypt("\xFF\x00".b))).to eq("\xFF\x00".b)
    end

    it "answers nil for values it cannot decrypt" do
      ["", "tox1:", "tox1:%%%", "|", "|#{"A" * 40}123456789012", "not base64 at all", "QUJD"].each do |junk|
        expect(cipher.decrypt(junk)).to be_nil
      end
    end

    it "rejects wrong key sizes with ArgumentError" do
      expect { TokenOxide::Native::TokenCipher.new("k" * 31, "n" * 32, base, true) }.to raise_error(ArgumentError, /32 bytes/)
      expect { TokenOxide::Native::TokenCipher.new("k" * 32, "n" * 8, base, true) }.to raise_error(ArgumentError, /at least 16/)
    end
  end
end
