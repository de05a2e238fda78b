# frozen_string_literal: true

require_relative "support"

RSpec.describe "TokenOxide::TokenAuthenticatable key base" do
  before(:all) do
    TokenOxideSpec.database
    TaSpecSupport.table(:ta_kb_encrypted, plaintext: false, encrypted: true)
    TaSpecSupport.table(:ta_kb_digested, plaintext: false, digest: true)
  end

  after { TaSpecSupport.configure! }
  after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

  let(:config) { TokenOxide::TokenAuthenticatable.configuration }
  let(:secret_key_base) { "app-secret-key-base-#{"4" * 60}" }

  def with_rails(env:, secret: secret_key_base)
    stub_const("Rails", double("Rails", application: double("app", secret_key_base: secret), env: env))
    TokenOxide::TokenAuthenticatable.reset_configuration!
  end

  describe "db_key_base unset" do
    it "raises at first use in production, naming both settings, never the secret" do
      with_rails(env: "production")
      expect { config.cipher }.to raise_error(TokenOxide::Error) { |error|
        expect(error.message).to include("db_key_base is not set", "\"production\"", "db_key_base_from_secret_key_base = true")
        expect(error.message).not_to include(secret_key_base)
      }
      expect { config.token_digest_salt }.to raise_error(TokenOxide::Error, /db_key_base is not set/)
    end

    it "raises in any environment other than development and test (e.g. staging)" do
      with_rails(env: "staging")
      expect { config.key_base }.to raise_error(TokenOxide::Error, /"staging"/)
    end

    it "uses secret_key_base in production only when the app opts in" do
      with_rails(env: "production")
      config.db_key_base_from_secret_key_base = true
      expect(config.key_base).to eq(secret_key_base)
      expect { config.db_key_base_from_secret_key_base = "yes" }.to raise_error(ArgumentError)
    end

    %w[development test].each do |env|
      it "falls back to secret_key_base in #{env} with one warning per configuration" do
        with_rails(env: env)
        expect(Kernel).to receive(:warn).once.with(/db_key_base is not set, using secret_key_base in #{env}/)
        expect(config.key_base).to eq(secret_key_base)
        expect(config.key_base).to eq(secret_key_base)
      end
    end

    it "prefers an explicit db_key_base without warning" do
      with_rails(env: "production")
      config.db_key_base = TaSpecSupport::DB_KEY_BASE
      expect(Kernel).not_to receive(:warn)
      expect(config.key_base).to eq(TaSpecSupport::DB_KEY_BASE)
    end
  end

  # Same bytes, four tags: what YAML gives (UTF-8), ENV.fetch under LANG=C
  # (US-ASCII), File.read/IO in binary mode (ASCII-8BIT), and a legacy tag.
  describe "one normalisation of the key base" do
    utf8_base = "ключ-базы-данных-é€-#{"z" * 30}" # 32 characters are more than 32 bytes
    tags = [Encoding::UTF_8, Encoding::US_ASCII, Encoding::BINARY, Encoding::ISO_8859_1]

    let(:encrypted) do
      TaSpecSupport.model(:TaSpecKeyBase, :ta_kb_encrypted) { add_authentication_token_field :token, encrypted: :required }
    end
    let(:digested) do
      TaSpecSupport.model(:TaSpecKeyBaseDigest, :ta_kb_digested) { add_authentication_token_field :token, digest: true }
    end

    it "is UTF-8 for valid UTF-8 bytes whatever the tag, binary otherwise" do
      tags.each do |tag|
        normalized = TokenOxide::TokenAuthenticatable.normalize_key_base(utf8_base.dup.force_encoding(tag))
        expect([normalized.encoding, normalized.bytes]).to eq([Encoding::UTF_8, utf8_base.bytes])
      end
      invalid = "\xff\xfe-not-utf8".b
      expect(TokenOxide::TokenAuthenticatable.normalize_key_base(invalid.dup.force_encoding(Encoding::UTF_8)).encoding)
        .to eq(Encoding::BINARY)
    end

    tags.each do |tag|
      it "gives GitLab's digest salt, key and IV for the secret tagged #{tag}" do
        TaSpecSupport.configure!(db_key_base: utf8_base.dup.force_encoding(tag))
        # GitLab reads db_key_base from secrets.yml, i.e. a UTF-8 String.
        expect(config.token_digest_salt.bytes).to eq(utf8_base[0..31].bytes)
        expect(digested.new.tap { |r| r.set_token("tok") }.token_digest).to eq(GitlabReference.digest("tok", utf8_base))
        row = encrypted.create!
        row.update_columns(token_encrypted: GitlabReference.encrypt_dynamic("glrt-tok", utf8_base))
        expect(encrypted.find(row.id).token).to eq("glrt-tok")
        expect(encrypted.find_by_token("glrt-tok")).to eq(row)
        TaSpecSupport.configure!(db_key_base: utf8_base.dup.force_encoding(tag), read_legacy_static_iv: true)
        row.update_columns(token_encrypted: GitlabReference.encrypt_static("glrt-old", utf8_base))
        expect(encrypted.find(row.id).token).to eq("glrt-old")
        TaSpecSupport.configure!(db_key_base: utf8_base.dup.force_encoding(tag), write_format: :gitlab)
        expect(config.cipher.encrypt_gitlab("glrt-tok")).to eq(GitlabReference.encrypt_dynamic("glrt-tok", utf8_base))
      end
    end

    it "gives the same tox1 values and lookups for every tag, also as a previous key base" do
      TaSpecSupport.configure!(db_key_base: utf8_base)
      expected = config.cipher.encrypt("tok")
      tags.each do |tag|
        TaSpecSupport.configure!(db_key_base: utf8_base.dup.force_encoding(tag))
        expect(config.cipher.encrypt("tok")).to eq(expected)
        TaSpecSupport.configure!(previous_db_key_bases: [utf8_base.dup.force_encoding(tag)])
        expect(config.ciphers.last.decrypt(expected)).to eq("tok")
        expect(config.token_digest_salts.last.bytes).to eq(utf8_base[0..31].bytes)
      end
    end

    it "fits bytes that are not UTF-8 byte by byte, whatever the tag" do
      raw = "\xff\xfe\xfd-binary-key-base-#{"q" * 40}".b
      fitted = GitlabReference.ensure_utf8_size(raw, 32) # a binary String: GitLab's each_char is per byte
      [Encoding::BINARY, Encoding::UTF_8, Encoding::US_ASCII].each do |tag|
        TaSpecSupport.configure!(db_key_base: raw.dup.force_encoding(tag))
        expect(config.token_digest_salt.bytes).to eq(raw.bytes.first(32))
        expect(config.cipher.encrypt_gitlab("tok")).to eq(GitlabReference.encrypt_dynamic("tok", raw))
        expect(TokenOxide::Native.gitlab_fit_key(raw, 32, false)).to eq(fitted.b)
      end
    end
  end
end
