# frozen_string_literal: true

require_relative "support"

# GitLab's current add_authentication_token_field options and class/instance
# surface (issue 11 item 3): routable_token:, expiration_enforced?:,
# token_authenticatable_sensitive_fields, encrypted_token_authenticatable_fields,
# <field>_with_expiration, Model.encode, with_encrypted_tokens, Devise.friendly_token.
RSpec.describe "add_authentication_token_field: GitLab's current options" do
  include ActiveSupport::Testing::TimeHelpers

  # Routable tokens built step by step from the format GitLab's
  # Authn::TokenField::Generator::RoutableToken writes, with pack/CRC done
  # separately from the gem's code, for the cross-checks below.
  module RoutableReference
    module_function

    def token(prefix, random, lines)
      payload = lines.join("\n")
      raw = random.b + payload.b + [payload.length].pack("C")
      b64 = [raw].pack("m0").tr("+/", "-_").delete("=")
      body = "#{prefix}#{b64}.01.#{format("%02s", b64.length.to_s(36)).tr(" ", "0")}"
      body + format("%07s", Zlib.crc32(body).to_s(36)).tr(" ", "0")
    end
  end

  RANDOM = (0..15).map(&:chr).join.b

  before(:all) do
    TokenOxideSpec.database
    TaSpecSupport.configure!
    TaSpecSupport.table(:ta_gitlab_options, digest: true, encrypted: true)
  end

  after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

  before { TaSpecSupport.clear(:ta_gitlab_options) }

  def model(&body)
    TaSpecSupport.model(:TaSpecGitlabOptions, :ta_gitlab_options, &body)
  end

  describe "routable_token:" do
    let(:generator) { TokenOxide::TokenAuthenticatable::RoutableToken }

    it "writes GitLab's layout: random + sorted payload (Integers in base36) + length byte, .01., base36 length, crc32" do
      record = Struct.new(:org_id, :user_id).new(1234, 42)
      routable = generator.new({ u: ->(r) { r.user_id }, o: ->(r) { r.org_id } }, prefix: "glrt-")
      token = routable.generate(record, random: RANDOM)

      expect(token).to eq(RoutableReference.token("glrt-", RANDOM, ["o:ya", "u:16"]))
      expect(token).to start_with("glrt-AAECAwQFBgcICQoLDA0OD") # 00..0f in base64
      expect(token).to match(/\Aglrt-[A-Za-z0-9_-]+\.01\.[0-9a-z]{2}[0-9a-z]{7}\z/)
      expect(generator.checksum_valid?(token)).to be(true)
      expect(generator.checksum_valid?(token.sub("glrt-", "glpat-"))).to be(false)
    end

    # Derivation: payload "c:z\no:1\ng:abc" sorted => "c:z\ng:abc\no:1" (c is
    # cell id 35 in base36, overriding the declaration's c), 13 characters, so
    # raw = 16 bytes 00..0f + payload + "\x0d" = 30 bytes => 40 base64 chars
    # ("14" in base36), then Zlib.crc32 of the whole prefix..length in base36.
    it "puts the configured cell id under c (overriding a declared c) and drops blank values" do
      routable = generator.new({ o: ->(_) { 1 }, g: ->(_) { "abc" }, c: ->(_) { "ignored" }, p: ->(_) { "" }, u: ->(_) { nil } },
                               cell_id: 35)
      token = routable.generate(nil, random: RANDOM)
      expect(token).to eq(RoutableReference.token("", RANDOM, ["c:z", "g:abc", "o:1"]))
      expect(token[40, 6]).to eq(".01.14")
      payload = Base64.urlsafe_decode64(token[0, 40])
      expect(payload.byteslice(16..)).to eq("c:z\ng:abc\no:1\x0d".b)
    end

    it "makes a different token each time (16 random bytes)" do
      routable = generator.new({ o: ->(_) { 1 } })
      expect(Array.new(20) { routable.generate(nil) }.uniq.size).to eq(20)
    end

    it "does GitLab's checks: o required, keys among c g o p u t, payload at most 159 characters" do
      expect { generator.new({ u: ->(_) { 1 } }) }.to raise_error(generator::MissingRequiredRoutingKeys, /:o/)
      expect { generator.new({ o: ->(_) { 1 }, x: ->(_) { 1 } }) }.to raise_error(generator::InvalidRoutingKeys, /:x/)
      expect(generator.new({ o: ->(_) { "a" * 157 } }).generate(nil)).to be_a(String) # "o:" + 157 = 159
      expect { generator.new({ o: ->(_) { "a" * 158 } }).generate(nil) }.to raise_error(generator::PayloadTooLarge, /160/)
    end

    it "generates routable tokens in a model when if: holds, Devise-style tokens otherwise, with the prefix" do
      klass = model do
        attr_accessor :routable

        add_authentication_token_field :token, encrypted: :required, format_with_prefix: :token_prefix,
                                               routable_token: { if: ->(record) { record.routable },
                                                                 payload: { o: ->(_) { 7 }, u: ->(record) { record.name } } }

        def token_prefix = "glrt-"
      end
      routable = klass.new(name: "ann", routable: true)
      token = routable.ensure_token
      routable.save!
      expect(token).to match(/\Aglrt-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}\z/)
      expect(TokenOxide::TokenAuthenticatable::RoutableToken.checksum_valid?(token)).to be(true)
      expect(Base64.urlsafe_decode64(token[5...token.index(".")]).byteslice(16..)).to eq("o:7\nu:ann\x09".b)
      expect(klass.find_by_token(token)).to eq(routable)

      plain = klass.new(name: "bob", routable: false)
      expect(plain.ensure_token).to match(/\Aglrt-[A-Za-z0-9_-]{20}\z/)
    end

    it "rejects a malformed declaration at class load" do
      expect { model { add_authentication_token_field :token, routable_token: { payload: { u: ->(_) { 1 } } } } }
        .to raise_error(ArgumentError, /:o/)
      expect { model { add_authentication_token_field :token, routable_token: { payload: { o: ->(_) { 1 } }, unless: -> {} } } }
        .to raise_error(ArgumentError, /unless/)
      expect { model { add_authentication_token_field :token, routable_token: true } }.to raise_error(ArgumentError, /Hash/)
    end
  end

  describe "expiration_enforced?:" do
    it "asks with the class; when false, lookups find expired tokens too (expired? still tells the truth)" do
      enforced = false
      klass = model do
        add_authentication_token_field :token, digest: true, expires_at: -> { 1.hour.from_now },
                                               expiration_enforced?: ->(model_class) { model_class.name == "TaSpecGitlabOptions" && enforced }
      end
      travel_to(Time.utc(2026, 1, 1, 12)) do
        record = klass.new
        token = record.ensure_token
        record.save!
        travel_to(Time.utc(2026, 1, 1, 14))
        expect(record.token_expired?).to be(true)
        expect(klass.find_by_token(token)).to eq(record)
        enforced = true
        expect(klass.find_by_token(token)).to be_nil
      end
    end
  end

  describe "sensitive and encrypted field lists, serialization" do
    let(:klass) do
      model do
        add_authentication_token_field :token, encrypted: :optional
      end
    end

    it "lists the fields as GitLab does" do
      digest_klass = TaSpecSupport.model(:TaSpecGitlabDigest, :ta_gitlab_options) { add_authentication_token_field :token, digest: true }
      expect(klass.encrypted_token_authenticatable_fields).to eq([:token])
      expect(klass.token_authenticatable_sensitive_fields).to eq(%i[token token_encrypted])
      expect(digest_klass.encrypted_token_authenticatable_fields).to eq([])
      expect(digest_klass.token_authenticatable_sensitive_fields).to eq(%i[token token_digest])
    end

    it "keeps every token column out of as_json / to_json unless unsafe_serialization_hash: true" do
      record = klass.new(name: "ann")
      token = record.ensure_token
      record.save!
      json = record.as_json
      expect(json.keys).to include("name", "token_expires_at")
      expect(json.keys).not_to include("token", "token_encrypted")
      expect(json.keys).to include("token_digest") # a column no declaration uses stays, as in GitLab
      expect(record.to_json).not_to include(record.token_encrypted)
      expect(record.as_json(except: [:name]).keys).not_to include("name", "token_encrypted")
      expect(record.as_json(unsafe_serialization_hash: true)["token_encrypted"]).to eq(record.token_encrypted)
      expect(token).not_to be_empty
    end
  end

  describe "<field>_with_expiration, Model.encode, with_encrypted_tokens" do
    it "gives the token with its expiry (GitLab's TokenWithExpiration), never the token in inspect" do
      klass = model { add_authentication_token_field :token, expires_at: -> { Time.utc(2030, 1, 1) } }
      record = klass.new
      token = record.ensure_token
      pair = record.token_with_expiration
      expect(pair.token).to eq(token)
      expect(pair.token_expires_at).to eq(Time.utc(2030, 1, 1))
      expect(pair.expirable?).to be(true)
      expect(pair.inspect).not_to include(token)
    end

    it "encodes as each strategy stores, and finds encrypted tokens through the scope" do
      klass = model { add_authentication_token_field :token, encrypted: :required }
      record = klass.create!
      token = record.ensure_token
      record.save!
      expect(klass.encode(token)).to eq(record.token_encrypted)
      expect(klass.with_encrypted_tokens(klass.encode(token))).to eq([record])
      expect(klass.with_encrypted_tokens([klass.encode("other"), klass.encode(token)])).to eq([record])
      expect(klass.encode("  ")).to be_nil

      digest_klass = TaSpecSupport.model(:TaSpecGitlabDigest, :ta_gitlab_options) { add_authentication_token_field :token, digest: true }
      digest_record = digest_klass.new
      digest_token = digest_record.ensure_token
      expect(digest_klass.encode(digest_token)).to eq(digest_record.token_digest)
      expect(digest_klass).not_to respond_to(:with_encrypted_tokens)
    end
  end

  describe "generation through Devise.friendly_token" do
    it "calls Devise.friendly_token when Devise is loaded" do
      stub_const("Devise", Module.new { def self.friendly_token = "from-devise-#{rand(1 << 64)}" })
      klass = model { add_authentication_token_field :token }
      expect(klass.new.ensure_token).to start_with("from-devise-")
    end
  end

  it "still raises on options GitLab does not have" do
    expect { model { add_authentication_token_field :token, routable: true } }.to raise_error(ArgumentError, /:routable/)
  end
end
