# frozen_string_literal: true

require "openssl"
require "active_support"
require "active_support/key_generator"

RSpec.describe TokenOxide::KeyGenerator do
  digest_class = ->(name) { OpenSSL::Digest.const_get(name) }

  describe "Rails 7.2 golden vectors" do
    vectors("key_generator").each do |c|
      it "#{c["id"]}: #{c["note"]}" do
        secret = [c["secret_hex"]].pack("H*")
        generator = described_class.new(secret, iterations: c["iterations"],
                                                hash_digest_class: digest_class.(c["digest"]))
        key = c["key_size"] == 64 ? generator.generate_key(c["salt"]) : generator.generate_key(c["salt"], c["key_size"])
        expect(key.unpack1("H*")).to eq(c["expected_key_hex"])
        expect(key.encoding).to eq(Encoding::BINARY)

        caching = TokenOxide::CachingKeyGenerator.new(generator)
        expect(caching.generate_key(c["salt"], c["key_size"]).unpack1("H*")).to eq(c["expected_key_hex"])
      end
    end
  end

  describe "live comparison" do
    rng = Random.new(42)
    cases = Array.new(150) do
      [rng.bytes(rng.rand(0..200)), rng.bytes(rng.rand(0..80)), rng.rand(1..300), rng.rand(0..130)]
    end

    it "equals Debian's ActiveSupport 6.1 KeyGenerator (PBKDF2-HMAC-SHA1) on many inputs" do
      cases.each do |secret, salt, iterations, key_size|
        ours = described_class.new(secret, iterations: iterations, hash_digest_class: OpenSSL::Digest::SHA1)
        theirs = ActiveSupport::KeyGenerator.new(secret, iterations: iterations)
        expect(ours.generate_key(salt, key_size)).to eq(theirs.generate_key(salt, key_size))
      end
      expect(described_class.new("s").generate_key("salt")).to eq(ActiveSupport::KeyGenerator.new("s").generate_key("salt"))
    end

    %w[SHA256 SHA384 SHA512].each do |name|
      it "equals OpenSSL::PKCS5.pbkdf2_hmac with #{name} on many inputs" do
        cases.first(60).each do |secret, salt, iterations, key_size|
          ours = described_class.new(secret, iterations: iterations, hash_digest_class: digest_class.(name))
          expect(ours.generate_key(salt, key_size))
            .to eq(OpenSSL::PKCS5.pbkdf2_hmac(secret, salt, iterations, key_size, OpenSSL::Digest.new(name)))
        end
      end
    end

    it "delegates digests it does not implement (MD5) to OpenSSL" do
      ours = described_class.new("secret", iterations: 5, hash_digest_class: OpenSSL::Digest::MD5)
      expect(ours.generate_key("salt", 40)).to eq(OpenSSL::PKCS5.pbkdf2_hmac("secret", "salt", 5, 40, "MD5"))
    end
  end

  describe "Devise digests end to end (devise.json)" do
    before(:all) do
      require "active_support/core_ext/object/blank"
      begin
        require "devise/token_generator"
      rescue LoadError
        nil # Debian 13 packages no Devise: only the examples that need it skip
      end
    end

    vectors("devise").select { |c| c["kind"].start_with?("token_") }.each do |c|
      secret = c["secret_key"] || c["secret_key_base"]

      it "#{c["id"]}: the column key, and Devise's digest over it (HMAC-SHA256 by OpenSSL): #{c["note"]}" do
        key = described_class.new(secret).generate_key(c["salt"], c["key_size"])
        expect(key.unpack1("H*")).to eq(c["derived_key_hex"])
        # Devise's TokenGenerator#digest: false for a blank value, else this HMAC.
        digest = c["value"].present? && OpenSSL::HMAC.hexdigest("SHA256", key, c["value"])
        expect(digest).to eq(c["expected_digest_hex"])
      end

      it "#{c["id"]}: Devise::TokenGenerator over our key generators gives the same digest" do
        skip "Devise is not installed on this leg (Debian 13 packages no Devise)" unless defined?(Devise::TokenGenerator)
        # What Devise's railtie builds, with our classes in place of ActiveSupport's.
        generator = Devise::TokenGenerator.new(
          TokenOxide::CachingKeyGenerator.new(described_class.new(secret, hash_digest_class: OpenSSL::Digest::SHA1))
        )
        expect(generator.digest(nil, c["column"], c["value"])).to eq(c["expected_digest_hex"])
      end
    end
  end

  describe "class-level hash_digest_class" do
    around do |example|
      saved = described_class.instance_variable_get(:@hash_digest_class)
      example.run
    ensure
      described_class.instance_variable_set(:@hash_digest_class, saved)
    end

    it "defaults to SHA1 and is used by generators created afterwards" do
      expect(described_class.hash_digest_class).to eq(OpenSSL::Digest::SHA1)
      sha1 = described_class.new("secret", iterations: 10)
      described_class.hash_digest_class = OpenSSL::Digest::SHA256
      sha256 = described_class.new("secret", iterations: 10)
      expect(sha1.generate_key("salt")).to eq(OpenSSL::PKCS5.pbkdf2_hmac("secret", "salt", 10, 64, "SHA1"))
      expect(sha256.generate_key("salt")).to eq(OpenSSL::PKCS5.pbkdf2_hmac("secret", "salt", 10, 64, "SHA256"))
    end

    it "rejects anything but an OpenSSL::Digest subclass, like ActiveSupport" do
      expect { described_class.hash_digest_class = "SHA256" }.to raise_error(ArgumentError, /OpenSSL::Digest subclass/)
      expect { described_class.hash_digest_class = String }.to raise_error(ArgumentError)
    end
  end

  describe "errors and secrecy" do
    it "raises ArgumentError for 0 iterations, negative or absurd key sizes" do
      expect { described_class.new("s", iterations: 0) }.to raise_error(ArgumentError, /iterations must be at least 1/)
      expect { described_class.new("s", iterations: -5) }.to raise_error(ArgumentError)
      generator = described_class.new("s", iterations: 1)
      expect { generator.generate_key("salt", -1) }.to raise_error(ArgumentError, /must not be negative/)
      expect { generator.generate_key("salt", 10**9) }.to raise_error(ArgumentError, /at most/)
      expect(generator.generate_key("salt", 0)).to eq("".b)
    end

    it "raises TypeError for a nil secret or salt" do
      expect { described_class.new(nil) }.to raise_error(TypeError)
      expect { described_class.new("s", iterations: 1).generate_key(nil) }.to raise_error(TypeError)
    end

    it "never shows the secret" do
      secret = "super-secret-key-base-value"
      generator = described_class.new(secret, iterations: 1)
      caching = TokenOxide::CachingKeyGenerator.new(generator)
      [generator.inspect, generator.to_s, caching.inspect, generator.instance_variables.map { |iv| generator.instance_variable_get(iv).inspect }.join]
        .each { |text| expect(text).not_to include(secret) }
      expect(generator.inspect).to match(/\A#<TokenOxide::KeyGenerator:0x\h+>\z/)
    end
  end

  it "gives the same keys under GC.stress (inputs are copied before the GVL is released)" do
    expected = OpenSSL::PKCS5.pbkdf2_hmac("secret", "salt-1", 50, 48, "SHA256")
    generator = described_class.new(+"secret", iterations: 50, hash_digest_class: OpenSSL::Digest::SHA256)
    keys = []
    begin
      GC.stress = true
      5.times { keys << generator.generate_key(+"salt-1", 48) }
      keys << TokenOxide::Native.aes256_gcm_encrypt("k" * 32, "i" * 12, "", "token").first
    ensure
      GC.stress = false
    end
    expect(keys.first(5).uniq).to eq([expected])
  end

  it "releases the GVL while deriving, so other Ruby threads keep running" do
    generator = described_class.new("secret", iterations: 1_000_000)
    worker = Thread.new { generator.generate_key("salt", 20) }
    statuses = Hash.new(0)
    statuses[worker.status] += 1 while worker.alive?
    expect(worker.value.bytesize).to eq(20)
    # A thread inside rb_thread_call_without_gvl reports "sleep"; one holding
    # the GVL in C code (OpenSSL's pbkdf2_hmac) is only ever seen as "run",
    # because this loop cannot run until it returns.
    expect(statuses["sleep"]).to be > 0
  end
end

RSpec.describe TokenOxide::CachingKeyGenerator do
  let(:inner) { TokenOxide::KeyGenerator.new("secret", iterations: 10) }

  it "derives each [salt, key_size] once and returns the same key" do
    caching = described_class.new(inner)
    allow(inner).to receive(:generate_key).and_call_original
    first = caching.generate_key("salt")
    expect(caching.generate_key("salt")).to equal(first)
    expect(caching.generate_key("salt", 32)).to eq(first[0, 32])
    expect(caching.generate_key("other")).not_to eq(first)
    expect(inner).to have_received(:generate_key).exactly(3).times
  end

  it "keys the cache by value, not by the (mutable) salt object" do
    caching = described_class.new(inner)
    salt = +"salt"
    key = caching.generate_key(salt)
    salt << "-changed"
    expect(caching.generate_key("salt")).to equal(key)
    expect(caching.generate_key("salt-changed")).to eq(inner.generate_key("salt-changed"))
  end

  it "gives every thread the same key for the same salt" do
    caching = described_class.new(TokenOxide::KeyGenerator.new("secret", iterations: 2000))
    keys = Array.new(8) { Thread.new { caching.generate_key("shared", 32) } }.map(&:value)
    expect(keys.map(&:object_id).uniq.size).to eq(1)
    expect(keys.first).to eq(OpenSSL::PKCS5.pbkdf2_hmac("secret", "shared", 2000, 32, "SHA1"))
  end
end
