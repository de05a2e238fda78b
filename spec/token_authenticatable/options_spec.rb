# frozen_string_literal: true

require_relative "support"

RSpec.describe "add_authentication_token_field options" do
  include ActiveSupport::Testing::TimeHelpers

  before(:all) do
    TokenOxideSpec.database
    TaSpecSupport.configure!
    TaSpecSupport.table(:ta_options, digest: true, encrypted: true)
  end

  after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

  before { TaSpecSupport.clear(:ta_options) }

  def model(&body)
    TaSpecSupport.model(:TaSpecOptions, :ta_options, &body)
  end

  describe "expires_at:" do
    %i[insecure digest encrypted].each do |storage|
      context "with #{storage} storage" do
        let(:storage_option) { storage == :encrypted ? { encrypted: :required } : { storage => true } }
        let(:klass) do
          opts = storage_option
          model { add_authentication_token_field :token, **opts, expires_at: -> { 2.hours.from_now } }
        end

        it "writes <field>_expires_at and stops finding the token once it has passed" do
          travel_to(Time.utc(2026, 1, 1, 12)) do
            record = klass.new
            token = record.ensure_token
            record.save!
            expect(record.token_expires_at).to eq(Time.utc(2026, 1, 1, 14))
            expect(record.token_expired?).to be(false)
            expect(klass.find_by_token(token)).to eq(record)

            travel_to(Time.utc(2026, 1, 1, 13, 59, 59))
            expect(klass.find_by_token(token)).to eq(record)
            travel_to(Time.utc(2026, 1, 1, 14, 0, 1))
            expect(record.token_expired?).to be(true)
            expect(klass.find_by_token(token)).to be_nil
          end
        end
      end
    end

    it "accepts a Symbol naming a method of the record and treats NULL as never expiring" do
      klass = model do
        add_authentication_token_field :token, expires_at: :token_lifetime_end
        def token_lifetime_end
          Time.utc(2030, 1, 1)
        end
      end
      record = klass.new
      record.ensure_token
      expect(record.token_expires_at).to eq(Time.utc(2030, 1, 1))
      record.token_expires_at = nil
      record.save!
      expect(record.token_expired?).to be(false)
      expect(klass.find_by_token(record.token)).to eq(record)
    end

    it "is never expired without the option" do
      klass = model { add_authentication_token_field :token }
      record = klass.create!(token: "t", token_expires_at: Time.utc(2000, 1, 1))
      expect(record.token_expired?).to be(false)
      expect(klass.find_by_token("t")).to eq(record)
    end
  end

  describe "unique:" do
    it "retries generation while the token collides with a stored one (expired ones included)" do
      travel_to(Time.utc(2026, 1, 1)) do
        values = %w[taken-expired taken-live fresh-token]
        klass = model do
          add_authentication_token_field :token, token_generator: -> { values.shift }, expires_at: -> { 1.hour.from_now }
        end
        klass.create!(token: "taken-expired", token_expires_at: Time.utc(2025, 1, 1))
        klass.create!(token: "taken-live", token_expires_at: Time.utc(2027, 1, 1))
        expect(klass.find_by_token("taken-expired")).to be_nil # expired: invisible to lookups ...
        expect(klass.new.ensure_token).to eq("fresh-token")    # ... but still a collision
        expect(values).to be_empty
      end
    end

    it "checks collisions in the digest column for digest storage" do
      digest_of = ->(t) { Digest::SHA256.base64digest(t + TaSpecSupport::DB_KEY_BASE[0, 32]) }
      values = %w[dup dup other]
      klass = model { add_authentication_token_field :token, digest: true, token_generator: -> { values.shift } }
      klass.create!(token_digest: digest_of.("dup"))
      record = klass.new
      expect(record.ensure_token).to eq("other")
      expect(record.token_digest).to eq(digest_of.("other"))
    end

    it "gives up with TokenOxide::Error when the generator keeps colliding" do
      klass = model { add_authentication_token_field :token, token_generator: -> { "constant" } }
      klass.create!(token: "constant")
      expect { klass.new.ensure_token }.to raise_error(TokenOxide::Error, /no unique token after 10 attempts/)
    end

    it "unique: false neither defines find_by_<field> nor checks collisions" do
      klass = model { add_authentication_token_field :token, unique: false, token_generator: -> { "same" } }
      klass.create!(token: "same")
      expect(klass.singleton_methods(false)).not_to include(:find_by_token)
      expect(klass.new.ensure_token).to eq("same")
    end
  end

  describe "format_with_prefix: and require_prefix_for_validation:" do
    it "prefixes generated tokens with the named (even private) method's value" do
      klass = model do
        add_authentication_token_field :token, format_with_prefix: :token_prefix

        private

        def token_prefix
          "glrt-"
        end
      end
      token = klass.new.ensure_token
      expect(token).to start_with("glrt-")
      expect(token.delete_prefix("glrt-")).to match(/\A[A-HJ-NP-Za-km-z1-9_-]{20}\z/)
    end

    it "rejects stored tokens lacking the prefix when validation requires it" do
      klass = model do
        add_authentication_token_field :token, encrypted: :optional, format_with_prefix: :token_prefix,
                                               require_prefix_for_validation: true
        def token_prefix = "glrt-"
      end
      good = klass.new
      token = good.ensure_token
      good.save!
      expect(klass.find_by_token(token)).to eq(good)

      old = klass.create!(token: "unprefixed-legacy")
      expect(klass.find_by_token("unprefixed-legacy")).to be_nil
      # ensure_token replaces a token that does not carry the prefix
      expect(old.ensure_token).to start_with("glrt-")
    end
  end

  describe "token_generator:" do
    it "uses the callable (after the prefix)" do
      klass = model do
        add_authentication_token_field :token, format_with_prefix: :p, token_generator: -> { "fixed-body" }
        def p = "pre_"
      end
      expect(klass.new.ensure_token).to eq("pre_fixed-body")
    end
  end

  describe "option errors" do
    it "rejects contradictory storage options" do
      expect { model { add_authentication_token_field :token, digest: true, encrypted: :required } }
        .to raise_error(ArgumentError, /Incompatible options set!/)
      expect { model { add_authentication_token_field :token, insecure: true, digest: true } }
        .to raise_error(ArgumentError, /Incompatible options set!/)
      expect { model { add_authentication_token_field :token, insecure: true, encrypted: :optional } }
        .to raise_error(ArgumentError, /Incompatible options set!/)
    end

    it "rejects a field configured twice" do
      expect do
        model do
          add_authentication_token_field :token
          add_authentication_token_field "token", digest: true
        end
      end.to raise_error(ArgumentError, /:token is already configured/)
    end

    it "rejects bad option values and unknown options" do
      {
        { encrypted: :sometimes } => /encrypted: must be/,
        { format_with_prefix: "glrt-" } => /format_with_prefix: must be a Symbol/,
        { require_prefix_for_validation: true } => /needs format_with_prefix/,
        { token_generator: "abc" } => /token_generator: must respond to #call/,
        { expires_at: 5 } => /expires_at: must be a Proc or a Symbol/,
        { routable_token: { payload: {} } } => /missing required routing keys: :o/,
        { routable: true } => /unknown add_authentication_token_field option\(s\): :routable/
      }.each do |options, message|
        expect { model { add_authentication_token_field :token, **options } }.to raise_error(ArgumentError, message)
      end
    end

    it "is a private class macro, as in GitLab" do
      klass = model
      expect { klass.add_authentication_token_field(:token) }.to raise_error(NoMethodError)
    end
  end

  describe "introspection and secrecy" do
    it "lists fields (inherited ones too) and hides secret columns from #inspect" do
      klass = model do
        add_authentication_token_field :token, encrypted: :required
      end
      record = klass.new
      token = record.ensure_token
      expect(klass.token_authenticatable_fields).to eq([:token])
      expect(Class.new(klass).token_authenticatable_fields).to eq([:token])
      expect(record.inspect).not_to include(token)
      expect(record.inspect).not_to include(record.token_encrypted)
      expect(record.inspect).to include("token_expires_at: nil")
      expect(TokenOxide::TokenAuthenticatable.configuration.inspect).not_to include(TaSpecSupport::DB_KEY_BASE)
      expect(TokenOxide::TokenAuthenticatable.configuration.cipher.inspect).to eq("#<TokenOxide::Native::TokenCipher [FILTERED]>")
    end

    it "lets the model override a generated method and call super" do
      klass = model do
        add_authentication_token_field :token
        def ensure_token
          "wrapped:#{super}"
        end
      end
      expect(klass.new.ensure_token).to match(/\Awrapped:.{20}\z/)
    end

    it "needs a key for digest/encrypted storage" do
      TokenOxide::TokenAuthenticatable.reset_configuration!
      klass = model { add_authentication_token_field :token, digest: true }
      allow(Rails).to receive(:application).and_return(nil) if defined?(Rails)
      expect { klass.new.ensure_token }.to raise_error(TokenOxide::Error, /needs a key/)
    ensure
      TaSpecSupport.configure!
    end
  end
end
