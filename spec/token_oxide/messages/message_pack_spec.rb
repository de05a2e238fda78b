# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/message_verifier"
require "bigdecimal"

# :message_pack and :message_pack_allow_marshal write ActiveSupport::MessagePack's
# format with ActiveSupport's own encoder (ActiveSupport 7.1+ and msgpack >= 1.7,
# i.e. the Debian 13 leg); the signing and envelope are token_oxide's.
RSpec.describe TokenOxide::Messages::Serializers, ":message_pack" do
  available = described_class::MessagePackFormat.available?

  context "without ActiveSupport::MessagePack", skip: (available && "ActiveSupport::MessagePack is available on this leg") do
    it "raises a LoadError naming what is missing when the verifier is built" do
      expect { TokenOxide::MessageVerifier.new("s", serializer: :message_pack) }
        .to raise_error(LoadError, /ActiveSupport 7\.1\+ and the msgpack gem/)
    end

    it "a payload with MessagePack's signature goes to the JSON serializer, whose parse error is raised" do
      raw = Class.new do
        def self.dump(_value) = "\xCC\x80\x01".b
        def self.load(dumped) = dumped
      end
      token = TokenOxide::MessageVerifier.new("s", serializer: raw).generate("ignored")
      expect { TokenOxide::MessageVerifier.new("s", serializer: :json).verified(token) }.to raise_error(JSON::ParserError)
      expect(described_class::BY_NAME[:json].dumped?("\xCC\x80\x01".b)).to be(false)
    end
  end

  context "with ActiveSupport::MessagePack", skip: (!available && "needs ActiveSupport 7.1+ and msgpack >= 1.7 (Debian 13 leg)") do
    around do |example|
      metadata = ActiveSupport::Messages::Metadata
      original = metadata.use_message_serializer_for_metadata
      metadata.use_message_serializer_for_metadata = true # what a 7.1+ app uses; ours always does
      example.run
    ensure
      metadata.use_message_serializer_for_metadata = original
    end

    let(:value) { { "a" => [1, :sym, Time.utc(2020, 1, 2, 3, 4, 5.5r)], "b" => BigDecimal("1.5") } }

    %i[message_pack message_pack_allow_marshal].each do |name|
      it "#{name}: tokens are byte-identical to ActiveSupport 7.2's, with and without metadata" do
        ours = TokenOxide::MessageVerifier.new("secret", serializer: name)
        rails = ActiveSupport::MessageVerifier.new("secret", serializer: name)
        expect(ours.generate(value)).to eq(rails.generate(value))
        expires_at = Time.utc(3000)
        expect(ours.generate(value, purpose: "p", expires_at: expires_at)).to eq(rails.generate(value, purpose: "p", expires_at: expires_at))
        expect(ours.verified(rails.generate(value, purpose: "p", expires_in: 60), purpose: "p")).to eq(value)
        expect(rails.verified(ours.generate(value, purpose: "p", expires_in: 60), purpose: "p")).to eq(value)
        expect(ours.verified(rails.generate(value, purpose: "p", expires_at: Time.now - 1), purpose: "p")).to be_nil
      end
    end

    it "the JSON serializers fall back to MessagePack (also on the native path), as ActiveSupport's do" do
      token = TokenOxide::MessageVerifier.new("secret", serializer: :message_pack).generate(value, purpose: "p")
      expect(TokenOxide::MessageVerifier.new("secret", serializer: :json).verified(token, purpose: "p")).to eq(value)
      expect(TokenOxide::MessageVerifier.new("secret", serializer: :json_allow_marshal).verified(token, purpose: "p")).to eq(value)
    end

    it "only :message_pack_allow_marshal reads Marshal" do
      marshal_token = TokenOxide::MessageVerifier.new("secret", serializer: :marshal).generate("x")
      expect(TokenOxide::MessageVerifier.new("secret", serializer: :message_pack_allow_marshal).verified(marshal_token)).to eq("x")
      expect { TokenOxide::MessageVerifier.new("secret", serializer: :message_pack).verified(marshal_token) }
        .to raise_error(RuntimeError, /Unsupported serialization format/)
    end
  end
end
