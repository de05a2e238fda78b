# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/json"
require "active_support/core_ext/time"

# Live two-way compatibility with Debian's ActiveSupport 6.1, which writes the
# pre-7.1 metadata envelope, defaults to Marshal, and has GCM and CBC encryptors.
RSpec.describe "TokenOxide messages and ActiveSupport 6.1" do
  let(:secret) { "6.1 signing secret " * 4 }
  let(:key) { "k" * 32 }
  let(:sign_key) { "s" * 64 }
  let(:values) do
    [
      "hello <&> \u2028 näme", 42, -7, 2**70, 1.5, nil, true, false, [],
      { "user_id" => 1, "roles" => %w[admin editor], "nested" => { "deep" => [1, 2, { "x" => nil }] } },
    ]
  end

  before { expect(ActiveSupport::VERSION::MAJOR).to eq(6) }

  {
    "Marshal / :marshal" => [Marshal, :marshal],
    "JSON / :json" => [JSON, :json],
    "JSON / :json_allow_marshal" => [JSON, :json_allow_marshal],
    "Marshal / :json_allow_marshal" => [Marshal, :json_allow_marshal],
  }.each do |label, (as_serializer, oxide_serializer)|
    %w[SHA1 SHA256 SHA512].each do |digest|
      context "MessageVerifier #{digest}, #{label}" do
        let(:rails) { ActiveSupport::MessageVerifier.new(secret, digest: digest, serializer: as_serializer) }
        let(:oxide) do
          TokenOxide::MessageVerifier.new(secret, digest: digest, serializer: oxide_serializer,
                                                  force_legacy_metadata_serializer: true)
        end

        it "reads 6.1 tokens (bare and with purpose/expiry) like 6.1 does" do
          values.each do |value|
            expect(oxide.verified(rails.generate(value))).to eq(value)
            token = rails.generate(value, purpose: :login, expires_in: 600)
            expect(oxide.verified(token, purpose: "login")).to eq(value)
            expect(oxide.verified(token, purpose: "other")).to be_nil
            expect(oxide.verified(token)).to be_nil
            expect(oxide.verified(rails.generate(value, expires_at: Time.now - 1))).to be_nil
            expect { oxide.verify(token, purpose: :other) }.to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
          end
        end

        # 6.1 reads what its own serializer wrote (Marshal cannot read JSON).
        next if (as_serializer == Marshal) != (oxide_serializer == :marshal)

        it "writes tokens 6.1 reads (legacy envelope), with 6.1's own results" do
          values.each do |value|
            expect(rails.verified(oxide.generate(value))).to eq(rails.verified(rails.generate(value)))
            token = oxide.generate(value, purpose: :login, expires_in: 600)
            expect(rails.verified(token, purpose: :login)).to eq(rails.verified(rails.generate(value, purpose: :login, expires_in: 600), purpose: :login))
            expect(rails.verified(token, purpose: :other)).to be_nil
            expect(rails.verified(oxide.generate(value, expires_at: Time.now - 1))).to be_nil
          end
        end
      end
    end
  end

  it "writes the same legacy-envelope bytes as 6.1 for JSON-safe values (6.1 with its JSON serializer)" do
    rails = ActiveSupport::MessageVerifier.new(secret, serializer: JSON)
    oxide = TokenOxide::MessageVerifier.new(secret, serializer: JSON, force_legacy_metadata_serializer: true)
    at = Time.utc(2030, 1, 2, 3, 4, 5.678r)
    values.each do |value|
      expect(oxide.generate(value, purpose: "p", expires_at: at)).to eq(rails.generate(value, purpose: "p", expires_at: at))
      expect(oxide.generate(value)).to eq(rails.generate(value))
    end
  end

  context "MessageEncryptor" do
    {
      "aes-256-gcm" => [[], {}],
      "aes-256-cbc SHA1" => [[], { digest: "SHA1" }],
      "aes-256-cbc SHA256, sign secret" => [[:sign], { digest: "SHA256" }],
    }.each do |label, (extra, options)|
      cipher = label.split.first
      [[Marshal, :marshal], [JSON, :json], [JSON, :json_allow_marshal], [Marshal, :json_allow_marshal]].each do |as_serializer, oxide_serializer|
        it "#{label}, #{as_serializer} / #{oxide_serializer}: both directions" do
          args = extra.empty? ? [key] : [key, sign_key]
          rails = ActiveSupport::MessageEncryptor.new(*args, cipher: cipher, serializer: as_serializer, **options)
          oxide = TokenOxide::MessageEncryptor.new(*args, cipher: cipher, serializer: oxide_serializer,
                                                           force_legacy_metadata_serializer: true, **options)
          values.each do |value|
            expect(oxide.decrypt_and_verify(rails.encrypt_and_sign(value))).to eq(value)
            message = rails.encrypt_and_sign(value, purpose: :remember, expires_in: 60)
            expect(oxide.decrypt_and_verify(message, purpose: :remember)).to eq(value)
            expect(oxide.decrypt_and_verify(message, purpose: :other)).to be_nil

            next if (as_serializer == Marshal) != (oxide_serializer == :marshal) # 6.1 Marshal cannot read JSON

            own = rails.decrypt_and_verify(rails.encrypt_and_sign(value, purpose: :remember, expires_in: 60), purpose: :remember)
            expect(rails.decrypt_and_verify(oxide.encrypt_and_sign(value, purpose: :remember, expires_in: 60), purpose: :remember)).to eq(own)
            expect(rails.decrypt_and_verify(oxide.encrypt_and_sign(value, purpose: :remember), purpose: :other)).to be_nil
            expect(rails.decrypt_and_verify(oxide.encrypt_and_sign(value))).to eq(rails.decrypt_and_verify(rails.encrypt_and_sign(value)))
          end
          expect { oxide.decrypt_and_verify(rails.encrypt_and_sign("x").reverse) }.to raise_error(ActiveSupport::MessageEncryptor::InvalidMessage)
        end
      end
    end
  end
end
