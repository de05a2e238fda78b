# frozen_string_literal: true

require "openssl"

RSpec.describe "TokenOxide::Native AES primitives" do
  native = TokenOxide::Native
  rng = Random.new(11)
  samples = Array.new(60) { [rng.bytes(32), rng.bytes(rng.rand(0..40)), rng.bytes(rng.rand(0..200))] }

  def openssl_gcm(key, iv, aad, plaintext)
    cipher = OpenSSL::Cipher.new("aes-256-gcm").encrypt
    cipher.key = key
    cipher.iv = iv
    cipher.auth_data = aad
    ciphertext = plaintext.empty? ? "".b : cipher.update(plaintext)
    ciphertext << cipher.final
    [ciphertext, cipher.auth_tag]
  end

  def openssl_cbc(mode, key, iv, data)
    cipher = OpenSSL::Cipher.new("aes-256-cbc").public_send(mode)
    cipher.key = key
    cipher.iv = iv
    cipher.update(data) + cipher.final
  end

  describe "aes256_gcm" do
    it "encrypts exactly like OpenSSL and decrypts OpenSSL's output" do
      samples.each do |key, aad, plaintext|
        iv = rng.bytes(12)
        ours = native.aes256_gcm_encrypt(key, iv, aad, plaintext)
        expect(ours).to eq(openssl_gcm(key, iv, aad, plaintext))
        expect(ours.map(&:encoding).uniq).to eq([Encoding::BINARY])
        expect(native.aes256_gcm_decrypt(key, iv, aad, *openssl_gcm(key, iv, aad, plaintext))).to eq(plaintext.b)
      end
    end

    it "answers nil when ciphertext, tag, AAD or key do not authenticate" do
      key = rng.bytes(32)
      iv = rng.bytes(12)
      ciphertext, tag = native.aes256_gcm_encrypt(key, iv, "aad", "a secret token")
      flipped = ->(s) { s.dup.tap { |d| d.setbyte(0, d.getbyte(0) ^ 1) } }
      expect(native.aes256_gcm_decrypt(key, iv, "aad", flipped.(ciphertext), tag)).to be_nil
      expect(native.aes256_gcm_decrypt(key, iv, "aad", ciphertext, flipped.(tag))).to be_nil
      expect(native.aes256_gcm_decrypt(key, iv, "AAD", ciphertext, tag)).to be_nil
      expect(native.aes256_gcm_decrypt(rng.bytes(32), iv, "aad", ciphertext, tag)).to be_nil
      expect(native.aes256_gcm_decrypt(key, iv, "aad", ciphertext, tag[0, 12])).to be_nil
      expect(native.aes256_gcm_decrypt(key, iv, "aad", ciphertext, tag)).to eq("a secret token".b)
    end

    it "raises ArgumentError naming the expected size, never the key" do
      key = "k" * 31
      expect { native.aes256_gcm_encrypt(key, "i" * 12, "", "x") }
        .to raise_error(ArgumentError, "aes-256-gcm key must be 32 bytes (got 31)")
      expect { native.aes256_gcm_decrypt("k" * 32, "i" * 16, "", "x", "t" * 16) }
        .to raise_error(ArgumentError, "aes-256-gcm iv must be 12 bytes (got 16)")
      expect { native.aes256_gcm_encrypt(nil, "i" * 12, "", "x") }.to raise_error(TypeError)
    end
  end

  describe "aes256_cbc" do
    it "encrypts exactly like OpenSSL (PKCS#7) and decrypts OpenSSL's output" do
      samples.each do |key, _aad, plaintext|
        iv = rng.bytes(16)
        ours = native.aes256_cbc_encrypt(key, iv, plaintext)
        expect(ours).to eq(openssl_cbc(:encrypt, key, iv, plaintext))
        expect(native.aes256_cbc_decrypt(key, iv, openssl_cbc(:encrypt, key, iv, plaintext))).to eq(plaintext.b)
      end
    end

    it "answers nil for ragged or badly padded ciphertext" do
      key = rng.bytes(32)
      iv = rng.bytes(16)
      expect(native.aes256_cbc_decrypt(key, iv, "")).to be_nil
      expect(native.aes256_cbc_decrypt(key, iv, "x" * 17)).to be_nil
      # A block whose decryption ends in 0x00 is invalid PKCS#7 for OpenSSL too.
      bad = native.aes256_cbc_encrypt(key, iv, "0123456789abcde\x00".b)[0, 16]
      expect(native.aes256_cbc_decrypt(key, iv, bad)).to be_nil
      expect { openssl_cbc(:decrypt, key, iv, bad) }.to raise_error(OpenSSL::Cipher::CipherError)
    end

    it "raises ArgumentError for wrong key and IV sizes" do
      expect { native.aes256_cbc_encrypt("k" * 16, "i" * 16, "x") }
        .to raise_error(ArgumentError, "aes-256-cbc key must be 32 bytes (got 16)")
      expect { native.aes256_cbc_decrypt("k" * 32, "i" * 12, "x" * 16) }
        .to raise_error(ArgumentError, "aes-256-cbc iv must be 16 bytes (got 12)")
    end
  end
end
