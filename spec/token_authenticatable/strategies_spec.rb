# frozen_string_literal: true

require_relative "support"

RSpec.describe TokenOxide::TokenAuthenticatable do
  include ActiveSupport::Testing::TimeHelpers

  before(:all) do
    TokenOxideSpec.database
    TaSpecSupport.configure!
    TaSpecSupport.table(:ta_plain)
    TaSpecSupport.table(:ta_digested, plaintext: false, digest: true)
    TaSpecSupport.table(:ta_encrypted, encrypted: true)
    TaSpecSupport.table(:ta_encrypted_only, plaintext: false, encrypted: true)
  end

  after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

  before { TaSpecSupport.clear(:ta_plain, :ta_digested, :ta_encrypted, :ta_encrypted_only) }

  let(:db_key_base) { TaSpecSupport::DB_KEY_BASE }
  let(:friendly) { /\A[A-HJ-NP-Za-km-z1-9_-]{20}\z/ }

  describe "insecure (the default, as in GitLab)" do
    let(:klass) { TaSpecSupport.model(:TaSpecPlain, :ta_plain) { add_authentication_token_field :token } }

    it "generates a Devise-style friendly token once and stores it as is" do
      record = klass.new
      token = record.ensure_token
      expect(token).to match(friendly)
      expect(record.ensure_token).to eq(token)
      record.save!
      expect(klass.find(record.id).read_attribute(:token)).to eq(token)
      expect(klass.find(record.id).token).to eq(token)
    end

    it "finds by token and compares in constant time" do
      record = klass.create!
      token = record.ensure_token!
      expect(record).to be_persisted
      expect(klass.find_by_token(token)).to eq(record)
      expect(klass.find_by_token("#{token}x")).to be_nil
      expect(record.token_matches?(token)).to be(true)
      expect(record.token_matches?(token.succ)).to be(false)
      expect(record.token_matches?(nil)).to be(false)
      expect(record.token_matches?("")).to be(false)
    end

    it "never turns a non-String token into a query" do
      record = klass.create!(token: "known-token")
      expect(klass.find_by_token(["known-token", "other"])).to be_nil
      expect(klass.find_by_token({ "token" => "known-token" })).to be_nil
      expect(klass.find_by_token(nil)).to be_nil
      expect(klass.find_by_token("")).to be_nil
      expect(klass.find_by_token("known-token")).to eq(record)
    end

    it "reset_<field>! writes and saves a new token; set_/rewrite_ write without saving" do
      record = klass.create!
      first = record.ensure_token!
      second = record.reset_token!
      expect(second).not_to eq(first)
      expect(klass.find(record.id).token).to eq(second)
      record.set_token("chosen-token")
      expect(record.token).to eq("chosen-token")
      third = record.rewrite_token
      expect(klass.find(record.id).token).to eq(second)
      expect(record.token).to eq(third)
    end
  end

  describe "digest: true" do
    let(:klass) { TaSpecSupport.model(:TaSpecDigested, :ta_digested) { add_authentication_token_field :token, digest: true } }

    it "stores base64(sha256(token + db_key_base[0, 32])), equal to Ruby's Digest and GitLab's CryptoHelper" do
      record = klass.new
      token = record.ensure_token
      record.save!
      stored = klass.find(record.id).token_digest
      expect(stored).to eq(Digest::SHA256.base64digest(token + db_key_base[0, 32]))
      expect(stored).to eq(GitlabReference.digest(token, db_key_base))
      expect(stored.bytesize).to eq(44)
    end

    it "keeps the plaintext in memory only and finds/compares through the digest" do
      record = klass.new
      token = record.ensure_token
      record.save!
      expect(record.token).to eq(token)
      expect(record.cleartext_tokens).to eq(token: token)
      reloaded = klass.find(record.id)
      expect(reloaded.token).to be_nil
      expect(reloaded.attributes.values).not_to include(token)
      expect(klass.find_by_token(token)).to eq(record)
      expect(reloaded.token_matches?(token)).to be(true)
      expect(reloaded.token_matches?(token.reverse)).to be(false)
    end

    it "finds rows written by GitLab (digest made here with Ruby's Digest)" do
      row = klass.create!
      row.update_columns(token_digest: GitlabReference.digest("gitlab-made-token", db_key_base))
      expect(klass.find_by_token("gitlab-made-token")).to eq(row)
    end

    it "uses a configured digest_salt" do
      TaSpecSupport.configure!(digest_salt: "pepper")
      record = klass.new
      token = record.ensure_token
      expect(record.token_digest).to eq(Digest::SHA256.base64digest("#{token}pepper"))
    ensure
      TaSpecSupport.configure!
    end
  end

  describe "encrypted:" do
    def encrypted_model(mode, table = :ta_encrypted)
      TaSpecSupport.model(:TaSpecEncrypted, table) { add_authentication_token_field :token, encrypted: mode }
    end

    it ":required stores only the ciphertext and reads it back" do
      klass = encrypted_model(:required, :ta_encrypted_only)
      record = klass.new
      token = record.ensure_token
      record.save!
      reloaded = klass.find(record.id)
      expect(reloaded.token_encrypted).to start_with("tox1:")
      expect(reloaded.token_encrypted).not_to include(token)
      expect(reloaded.token).to eq(token)
      expect(klass.find_by_token(token)).to eq(record)
      expect(reloaded.token_matches?(token)).to be(true)
    end

    it ":optional writes the ciphertext, clears the plaintext, and still reads/finds old plaintext rows" do
      klass = encrypted_model(:optional)
      record = klass.create!(token: "old-plain")
      token = record.reset_token!
      reloaded = klass.find(record.id)
      expect(reloaded.read_attribute(:token)).to be_nil
      expect(reloaded.token).to eq(token)
      expect(klass.find_by_token(token)).to eq(record)

      legacy = klass.create!(token: "legacy-plaintext-token")
      expect(legacy.token).to eq("legacy-plaintext-token")
      expect(klass.find_by_token("legacy-plaintext-token")).to eq(legacy)
      expect(legacy.ensure_token).to eq("legacy-plaintext-token")
    end

    it ":migrating writes both columns and reads/finds the plaintext" do
      klass = encrypted_model(:migrating)
      record = klass.create!
      token = record.ensure_token!
      reloaded = klass.find(record.id)
      expect(reloaded.read_attribute(:token)).to eq(token)
      expect(TokenOxide::TokenAuthenticatable.configuration.cipher.decrypt(reloaded.token_encrypted)).to eq(token)
      expect(klass.find_by_token(token)).to eq(record)
      reloaded.update_columns(token_encrypted: nil)
      expect(klass.find_by_token(token)).to eq(record)
    end

    it "accepts a Proc returning the mode, evaluated at each use" do
      mode = :migrating
      klass = encrypted_model(-> { mode })
      record = klass.create!
      token = record.ensure_token!
      expect(klass.find(record.id).read_attribute(:token)).to eq(token)
      mode = :required
      expect(klass.find_by_token(token)).to eq(record)
      mode = :bogus
      expect { klass.find_by_token(token) }.to raise_error(ArgumentError, /required, :optional or :migrating/)
    end

    it "raises for :required on a table without the encrypted column" do
      klass = encrypted_model(:required, :ta_plain)
      expect { klass.new.ensure_token }.to raise_error(ArgumentError, /token_encrypted column/)
    end

    it "rejects an empty token on set" do
      klass = encrypted_model(:required, :ta_encrypted_only)
      expect { klass.new.set_token("") }.to raise_error(ArgumentError)
    end

    it "raises on reading an undecryptable column instead of reading it as no token" do
      klass = encrypted_model(:required, :ta_encrypted_only)
      record = klass.create!
      record.update_columns(token_encrypted: "tox1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
      expect { klass.find(record.id).token }.to raise_error(TokenOxide::TokenAuthenticatable::UndecryptableToken, /id: #{record.id}.*token_encrypted/)
      expect { klass.find(record.id).token_matches?("anything") }.to raise_error(TokenOxide::TokenAuthenticatable::UndecryptableToken)
    end
  end

  describe "GitLab-format ciphertexts (made here with Ruby's OpenSSL)" do
    let(:klass) do
      TaSpecSupport.model(:TaSpecEncrypted, :ta_encrypted_only) { add_authentication_token_field :token, encrypted: :required }
    end
    after { TokenOxide::TokenAuthenticatable.configuration.read_legacy_static_iv = false }

    tokens = ["glrt-t1_AbCdEfGhIjKlMnOp", "x", "a token with spaces and ünïcödé"]

    tokens.each do |token|
      it "reads and finds the dynamic-nonce format for #{token.inspect}" do
        record = klass.create!
        record.update_columns(token_encrypted: GitlabReference.encrypt_dynamic(token, db_key_base))
        expect(klass.find(record.id).token).to eq(token)
        expect(klass.find_by_token(token)).to eq(record)
      end

      it "reads and finds the legacy static-IV format for #{token.inspect} when the app opts in" do
        TokenOxide::TokenAuthenticatable.configuration.read_legacy_static_iv = true
        record = klass.create!
        record.update_columns(token_encrypted: GitlabReference.encrypt_static(token, db_key_base))
        expect(klass.find(record.id).token).to eq(token)
        expect(klass.find_by_token(token)).to eq(record)
      end

      it "by default neither looks up nor reads the static-IV format for #{token.inspect}, and says why" do
        record = klass.create!
        record.update_columns(token_encrypted: GitlabReference.encrypt_static(token, db_key_base))
        expect(klass.find_by_token(token)).to be_nil
        expect { klass.find(record.id).token }
          .to raise_error(TokenOxide::TokenAuthenticatable::LegacyStaticIvToken, /static-IV.*read_legacy_static_iv = true/)
      end
    end

    it "leaves the static-IV form out of the lookup's IN list unless read_legacy_static_iv is set" do
      token = "glrt-in-list-token"
      static = GitlabReference.encrypt_static(token, db_key_base)
      expect(klass.token_authenticatable_strategies[:token].lookup_values(token)).not_to include(static)
      TokenOxide::TokenAuthenticatable.configuration.read_legacy_static_iv = true
      expect(klass.token_authenticatable_strategies[:token].lookup_values(token)).to include(static)
      expect { TokenOxide::TokenAuthenticatable.configuration.read_legacy_static_iv = "yes" }.to raise_error(ArgumentError)
    end

    it "raises on an undecryptable static-IV-shaped value (plain undecryptable, not the legacy-format error)" do
      record = klass.create!
      record.update_columns(token_encrypted: "bm90IGEgdG9rZW4gYXQgYWxsLCBqdXN0IGJ5dGVz")
      expect { klass.find(record.id).token }.to raise_error(TokenOxide::TokenAuthenticatable::UndecryptableToken) { |error|
        expect(error).not_to be_a(TokenOxide::TokenAuthenticatable::LegacyStaticIvToken)
      }
    end

    it "reads static-IV values written with Base64.encode64 line breaks" do
      TokenOxide::TokenAuthenticatable.configuration.read_legacy_static_iv = true
      token = "a-long-legacy-token-#{"z" * 60}"
      stored = GitlabReference.encrypt_static(token, db_key_base, line_breaks: true)
      expect(stored).to include("\n")
      record = klass.create!
      record.update_columns(token_encrypted: stored)
      expect(klass.find(record.id).token).to eq(token)
    end

    it "fits a multibyte db_key_base by GitLab's ensure_utf8_size rule" do
      base = "ключ-#{"é" * 20}"
      TaSpecSupport.configure!(db_key_base: base)
      expect(TokenOxide::Native.gitlab_fit_key(base, 32, true)).to eq(GitlabReference.ensure_utf8_size(base, 32).b)
      record = klass.create!
      record.update_columns(token_encrypted: GitlabReference.encrypt_dynamic("tok", base))
      expect(klass.find(record.id).token).to eq("tok")
    ensure
      TaSpecSupport.configure!
    end

    it "does not read GitLab values made under another key" do
      record = klass.create!
      record.update_columns(token_encrypted: GitlabReference.encrypt_dynamic("tok", "another-db-key-base-#{"9" * 40}"))
      expect { klass.find(record.id).token }.to raise_error(TokenOxide::TokenAuthenticatable::UndecryptableToken)
      expect(klass.find_by_token("tok")).to be_nil
    end

    it "writes GitLab's dynamic-nonce format with write_format = :gitlab, readable by GitLab's algorithm" do
      TaSpecSupport.configure!(write_format: :gitlab)
      record = klass.new
      token = record.ensure_token
      expect(record.token_encrypted).to eq(GitlabReference.encrypt_dynamic(token, db_key_base))
      expect(GitlabReference.decrypt(record.token_encrypted, db_key_base)).to eq(token)
    ensure
      TaSpecSupport.configure!
    end

    it "writes tox1 by default: keyed nonce, no unkeyed hash of the token, deterministic for lookups" do
      record = klass.new
      token = record.ensure_token
      stored = record.token_encrypted
      expect(stored).to start_with("tox1:")
      expect(stored).not_to include(Digest::SHA256.hexdigest(token)[0, 12])
      body = Base64.strict_decode64(stored.delete_prefix("tox1:"))
      expect(body.bytesize).to eq(12 + token.bytesize + 16)
      expect(TokenOxide::TokenAuthenticatable.configuration.cipher.encrypt(token)).to eq(stored)
      expect(TokenOxide::Native::TokenCipher.format_of(stored)).to eq(:tox1)
      expect(TokenOxide::Native::TokenCipher.format_of(GitlabReference.encrypt_dynamic(token, db_key_base)))
        .to eq(:gitlab_dynamic_nonce)
      expect { GitlabReference.decrypt(stored, db_key_base) }.to raise_error(OpenSSL::Cipher::CipherError)
    end

    it "derives the tox1 keys from db_key_base with the KeyGenerator and distinct salts" do
      config = TokenOxide::TokenAuthenticatable.configuration
      generator = TokenOxide::KeyGenerator.new(db_key_base, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA256)
      enc_key = generator.generate_key(config.encryption_salt, 32)
      nonce = OpenSSL::HMAC.digest("SHA256", generator.generate_key(config.nonce_salt, 32), "tok")[0, 12]
      cipher = OpenSSL::Cipher.new("aes-256-gcm").encrypt
      cipher.key = enc_key
      cipher.iv = nonce
      cipher.auth_data = "token_oxide:tox1"
      ciphertext = cipher.update("tok") + cipher.final
      expected = "tox1:#{Base64.strict_encode64(nonce + ciphertext + cipher.auth_tag)}"
      expect(config.cipher.encrypt("tok")).to eq(expected)
    end
  end

  describe "key rotation (previous_db_key_bases)" do
    let(:old_base) { "retired-db-key-base-#{"7" * 44}" }

    after { TaSpecSupport.configure! }

    it "reads and finds values encrypted under a retired key base, writes under the current one" do
      klass = TaSpecSupport.model(:TaSpecEncrypted, :ta_encrypted_only) { add_authentication_token_field :token, encrypted: :required }
      TaSpecSupport.configure!(db_key_base: old_base)
      old_tox1 = klass.new.tap(&:ensure_token).tap(&:save!)
      gitlab_row = klass.create!
      gitlab_row.update_columns(token_encrypted: GitlabReference.encrypt_dynamic("old-gitlab", old_base))

      TaSpecSupport.configure!(previous_db_key_bases: [old_base])
      expect(klass.find(old_tox1.id).token).to eq(old_tox1.token)
      expect(klass.find_by_token(old_tox1.token)).to eq(old_tox1)
      expect(klass.find_by_token("old-gitlab")).to eq(gitlab_row)
      fresh = klass.new
      fresh.ensure_token
      expect(TokenOxide::TokenAuthenticatable.configuration.cipher.decrypt(fresh.token_encrypted)).to eq(fresh.token)

      TaSpecSupport.configure! # old key forgotten
      expect { klass.find(old_tox1.id).token }.to raise_error(TokenOxide::TokenAuthenticatable::UndecryptableToken)
      expect(klass.find_by_token("old-gitlab")).to be_nil
    end

    it "finds and matches digests made with a retired key base's salt" do
      klass = TaSpecSupport.model(:TaSpecDigested, :ta_digested) { add_authentication_token_field :token, digest: true }
      row = klass.create!(token_digest: GitlabReference.digest("old-digest-token", old_base))
      expect(klass.find_by_token("old-digest-token")).to be_nil
      TaSpecSupport.configure!(previous_db_key_bases: [old_base])
      expect(klass.find_by_token("old-digest-token")).to eq(row)
      expect(row.token_matches?("old-digest-token")).to be(true)
      expect(row.token_matches?("other")).to be(false)
    end
  end
end
