# frozen_string_literal: true

require "open3"
require "rbconfig"
require "json"
require "openssl"

# The extension calls rb_ext_ractor_safe(true); this checks that claim by
# calling the gem from several Ractors at once (in a subprocess: Ractors are
# experimental in Ruby 3.1 and warn).
RSpec.describe "Hardening: Ractors" do
  lib = File.expand_path("../../lib", __dir__)

  def run_ruby(lib, script)
    out, err, status = Open3.capture3(RbConfig.ruby, "-W0", "-I", lib, "-rtoken_oxide", "-rjson", "-e", script)
    [out, err, status]
  end

  it "generates, compares and digests correctly in 4 Ractors at once" do
    skip "Ractor is not available" unless defined?(Ractor)

    script = <<~'RUBY'
      ractors = Array.new(4) do |i|
        Ractor.new(i) do |n|
          tokens = Array.new(500) { TokenOxide.base58 } + Array.new(500) { TokenOxide.friendly_token }
          custom = TokenOxide.random_token(16, alphabet: "abcdef")
          {
            "tokens" => tokens,
            "custom_ok" => custom.match?(/\A[a-f]{16}\z/),
            "bytes" => TokenOxide.random_bytes(8).bytesize,
            "compare" => [TokenOxide.secure_compare("a#{n}", "a#{n}"), TokenOxide.secure_compare("a", "b"),
                          TokenOxide.fixed_length_secure_compare("ab", "ab")],
            "digest" => TokenOxide::Digest.hmac_sha256_hexdigest("key#{n}", "data"),
            "sha" => TokenOxide::Digest.hexdigest(:sha512, "x#{n}"),
            "errors" => [(TokenOxide.base58(-1) rescue $!.class.name), (TokenOxide::Digest.hexdigest("MD5", "x") rescue $!.class.name)]
          }
        end
      end
      puts JSON.generate(ractors.map(&:take))
    RUBY
    out, err, status = run_ruby(lib, script)
    expect(status).to be_success, err
    results = JSON.parse(out)
    tokens = results.flat_map { |r| r["tokens"] }
    expect(tokens.size).to eq(4_000)
    expect(tokens.uniq.size).to eq(4_000)
    results.each_with_index do |r, n|
      expect(r).to include("custom_ok" => true, "bytes" => 8, "compare" => [true, false, true],
                           "errors" => %w[ArgumentError ArgumentError])
      expect(r["digest"]).to eq(OpenSSL::HMAC.hexdigest("SHA256", "key#{n}", "data"))
      expect(r["sha"]).to eq(OpenSSL::Digest::SHA512.hexdigest("x#{n}"))
    end
  end

  # TokenOxide::KeyGenerator itself cannot be built in a non-main Ractor:
  # it calls OpenSSL::Digest::SHA256.new, whose #initialize OpenSSL defines
  # with a lambda (Ractor-unsafe; ActiveSupport's KeyGenerator has the same
  # limit). The native parts it uses are checked here.
  it "derives keys (GVL released), encrypts and stores tokens correctly inside Ractors" do
    skip "Ractor is not available" unless defined?(Ractor)
    skip "crypto is not in this build yet" unless defined?(TokenOxide::Native::KeyGenerator)

    script = <<~'RUBY'
      ractors = Array.new(3) do |i|
        Ractor.new(i) do |n|
          generator = TokenOxide::Native::KeyGenerator.new("secret-#{n}" * 8, 10, "SHA256")
          caching = TokenOxide::CachingKeyGenerator.new(generator)
          key = "k" * 32
          iv = "i" * 12
          ciphertext, tag = TokenOxide::Native.aes256_gcm_encrypt(key, iv, "", "plain-#{n}")
          cipher = TokenOxide::Native::TokenCipher.new(key, "n" * 32, "base-#{n}", true)
          token = TokenOxide.base58
          {
            "key" => generator.generate_key("salt", 32).unpack1("H*"),
            "cached_same" => caching.generate_key("salt", 32) == generator.generate_key("salt", 32),
            "opened" => TokenOxide::Native.aes256_gcm_decrypt(key, iv, "", ciphertext, tag),
            "forged" => TokenOxide::Native.aes256_gcm_decrypt(key, iv, "", ciphertext, tag.reverse),
            "stored" => [cipher.decrypt(cipher.encrypt(token)) == token, cipher.decrypt(cipher.encrypt_gitlab(token)) == token]
          }
        end
      end
      puts JSON.generate(ractors.map(&:take))
    RUBY
    out, err, status = run_ruby(lib, script)
    expect(status).to be_success, err
    JSON.parse(out).each_with_index do |r, n|
      expect(r["key"]).to eq(OpenSSL::PKCS5.pbkdf2_hmac("secret-#{n}" * 8, "salt", 10, 32, "sha256").unpack1("H*"))
      expect(r).to include("cached_same" => true, "opened" => "plain-#{n}", "forged" => nil, "stored" => [true, true])
    end
  end
end
