# frozen_string_literal: true

require_relative "support"

# A stored value that no configured key decrypts is never read as "no token",
# so nothing generates or saves a new token over it.
RSpec.describe "TokenOxide::TokenAuthenticatable never loses a stored token" do
  undecryptable = TokenOxide::TokenAuthenticatable::UndecryptableToken

  before(:all) do
    TokenOxideSpec.database
    TaSpecSupport.table(:ta_nl_encrypted, encrypted: true)
    TaSpecSupport.table(:ta_nl_digested, plaintext: false, digest: true)
  end

  before do
    TaSpecSupport.configure!
    TaSpecSupport.clear(:ta_nl_encrypted, :ta_nl_digested)
  end

  after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

  let(:old_base) { "retired-db-key-base-#{"7" * 44}" }
  let(:other_base) { "some-other-db-key-base-#{"5" * 40}" }

  def model(mode, callback: false)
    TaSpecSupport.model(:TaSpecNeverLose, :ta_nl_encrypted) do
      add_authentication_token_field :token, encrypted: mode
      before_save :ensure_token if callback
    end
  end

  # A row whose token was written under +base+; returns [id, token, stored value].
  def row_written_under(klass, base)
    TaSpecSupport.configure!(db_key_base: base)
    record = klass.new
    token = record.ensure_token
    record.save!
    [record.id, token, record.read_attribute(:token_encrypted)]
  ensure
    TaSpecSupport.configure!
  end

  def stored(klass, id)
    klass.find(id).read_attribute(:token_encrypted)
  end

  %i[required optional migrating].each do |mode|
    describe "encrypted: #{mode.inspect}" do
      it "raises from ensure_token, ensure_token!, reset_token! and rewrite_token under a wrong key, keeping the value" do
        klass = model(mode)
        id, _token, value = row_written_under(klass, other_base)
        record = klass.find(id)
        expect { record.ensure_token }.to raise_error(undecryptable)
        expect { record.ensure_token! }.to raise_error(undecryptable)
        expect { record.reset_token! }.to raise_error(undecryptable)
        expect { record.rewrite_token }.to raise_error(undecryptable)
        expect(stored(klass, id)).to eq(value)
      end

      it "does not overwrite on an unrelated save with an ensure_token callback" do
        klass = model(mode, callback: true)
        id, _token, value = row_written_under(klass, other_base)
        record = klass.find(id)
        record.name = "renamed"
        expect { record.save }.to raise_error(undecryptable)
        expect(stored(klass, id)).to eq(value)
        expect(klass.find(id).name).to be_nil
      end

      it "replaces the value only with reset_token!(force: true)" do
        klass = model(mode)
        id, old_token, value = row_written_under(klass, other_base)
        new_token = klass.find(id).reset_token!(force: true)
        expect(new_token).not_to eq(old_token)
        expect(stored(klass, id)).not_to eq(value)
        expect(klass.find(id).token).to eq(new_token)
      end

      it "reads a value made under a key listed in previous_db_key_bases; raises once the key is not listed" do
        klass = model(mode)
        id, token, value = row_written_under(klass, old_base)
        TaSpecSupport.configure!(previous_db_key_bases: [old_base])
        expect(klass.find(id).ensure_token).to eq(token)
        expect(klass.find_by_token(token)).to eq(klass.find(id))
        TaSpecSupport.configure!
        expect { klass.find(id).ensure_token }.to raise_error(undecryptable)
        expect(stored(klass, id)).to eq(value)
      end
    end
  end

  it "names the model, record id and column, never the stored value, token or key" do
    klass = model(:required)
    id, token, value = row_written_under(klass, other_base)
    expect { klass.find(id).token }.to raise_error(undecryptable) { |error|
      expect(error.message).to include("TaSpecNeverLose", "id: #{id}", "token_encrypted", "db_key_base")
      [value, token, other_base, TaSpecSupport::DB_KEY_BASE, TaSpecSupport::DB_KEY_BASE[0, 32]].each do |secret|
        expect(error.message).not_to include(secret)
      end
      expect([error.model_name, error.record_id, error.column]).to eq(["TaSpecNeverLose", id, "token_encrypted"])
      expect(error).to be_a(TokenOxide::Error)
    }
  end

  it "raises for a corrupt value in each encrypted format shape" do
    klass = model(:required)
    record = klass.create!
    good = TokenOxide::TokenAuthenticatable.configuration.cipher.encrypt("tok")
    ["tox1:#{good.delete_prefix("tox1:").reverse}", good.chop + (good[-1] == "A" ? "B" : "A"),
     "|#{"A" * 40}0123456789ab", "not base64 at all!"].each do |corrupt|
      record.update_columns(token_encrypted: corrupt)
      expect { klass.find(record.id).token }.to raise_error(undecryptable)
      expect { klass.find(record.id).ensure_token }.to raise_error(undecryptable)
      expect(stored(klass, record.id)).to eq(corrupt)
    end
  end

  it "does not find a row by a token whose stored value does not decrypt (lookups compare stored values)" do
    klass = model(:required)
    _id, token, _value = row_written_under(klass, other_base)
    expect(klass.find_by_token(token)).to be_nil
  end

  describe ":optional and the plaintext column" do
    it "falls back to the plaintext column only when the encrypted one is blank" do
      klass = model(:optional)
      record = klass.create!
      record.update_columns(token: "plain-legacy-token", token_encrypted: nil)
      expect(klass.find(record.id).token).to eq("plain-legacy-token")
      expect(klass.find_by_token("plain-legacy-token")).to eq(record)
      record.update_columns(token_encrypted: "")
      expect(klass.find(record.id).ensure_token).to eq("plain-legacy-token")
    end

    it "raises instead of falling back when the encrypted column holds an undecryptable value" do
      klass = model(:optional)
      id, _token, value = row_written_under(klass, other_base)
      klass.where(id: id).update_all(token: "stale-plaintext")
      expect { klass.find(id).token }.to raise_error(undecryptable)
      expect(klass.find_by_token("stale-plaintext")).to be_nil
      expect(stored(klass, id)).to eq(value)
    end
  end

  describe ":migrating" do
    it "reads the plaintext column (the source of truth while migrating) even when the copy does not decrypt" do
      klass = model(:migrating)
      id, token, _value = row_written_under(klass, other_base)
      expect(klass.find(id).token).to eq(token)
      expect(klass.find_by_token(token)).to eq(klass.find(id))
    end
  end

  describe "digest: true" do
    let(:klass) do
      TaSpecSupport.model(:TaSpecNeverLoseDigest, :ta_nl_digested) do
        add_authentication_token_field :token, digest: true
        before_save :ensure_token
      end
    end

    it "keeps a digest made under another salt: it is set (a digest cannot be checked for a key), only not found" do
      row = klass.create!
      row.update_columns(token_digest: GitlabReference.digest("old-token", other_base))
      reloaded = klass.find(row.id)
      reloaded.name = "renamed"
      reloaded.save!
      expect(klass.find(row.id).token_digest).to eq(GitlabReference.digest("old-token", other_base))
      expect(klass.find_by_token("old-token")).to be_nil
    end
  end
end
