# frozen_string_literal: true

require "spec_helper"

RSpec.describe TokenOxide::MessageVerifier, "against the Rails 7.2 vectors" do
  include MessageVectors

  describe "generate (message_verifier.json)" do
    vectors("message_verifier").each do |kase|
      it "#{kase["id"]}: #{kase["note"]}" do
        config = kase["verifier"]
        # The recorded process-wide envelope switch, pinned whatever ActiveSupport's is.
        verifier = MessageVectors.with_modern_envelope(kase["use_message_serializer_for_metadata"]) do
          described_class.new(MessageVectors.secret(config), **MessageVectors.verifier_options(config))
        end
        token = MessageVectors.at(kase["now"]) do
          verifier.generate(MessageVectors.value(kase), **MessageVectors.generate_options(kase["generate_options"]))
        end
        expect(token).to eq(kase["expected_token"])
        expect(token.encoding).to eq(Encoding::US_ASCII)
      end

      next unless kase.key?("expected_token_rails_8_1_load_defaults_8_1")

      it "#{kase["id"]}: Rails 8.1 (escape_js_separators_in_json = false)" do
        config = kase["verifier"]
        verifier = MessageVectors.with_modern_envelope(kase["use_message_serializer_for_metadata"]) do
          described_class.new(MessageVectors.secret(config), **MessageVectors.verifier_options(config))
        end
        TokenOxide::Messages.escape_js_separators_in_json = false
        token = MessageVectors.at(kase["now"]) do
          verifier.generate(MessageVectors.value(kase), **MessageVectors.generate_options(kase["generate_options"]))
        end
        expect(token).to eq(kase["expected_token_rails_8_1_load_defaults_8_1"])
      ensure
        TokenOxide::Messages.escape_js_separators_in_json = true
      end
    end
  end

  describe "verify (message_verifier_verify.json)" do
    def build(config)
      verifier = described_class.new(MessageVectors.secret(config), **MessageVectors.verifier_options(config))
      Array(config["rotations"]).each do |rotation|
        args = rotation.key?("secret_hex") ? [[rotation["secret_hex"]].pack("H*")] : []
        verifier.rotate(*args, **MessageVectors.verifier_options(rotation))
      end
      verifier
    end

    def check(outcome, kind, value, error)
      case kind
      when "value"
        expect(outcome).to eq([:value, value])
      when "nil"
        expect(outcome).to eq([:value, nil])
      when "raises"
        expect(outcome[0]).to eq(:raises), "expected #{error["class"]}, got #{outcome.inspect}"
        expected_class = error["class"].sub("ActiveSupport::MessageVerifier::InvalidSignature", "TokenOxide::MessageVerifier::InvalidSignature")
        expect(outcome[1].class.name).to eq(expected_class)
        # Rails' messages; a serializer's own error (JSON::ParserError) words
        # its message as the installed json gem does.
        expect(outcome[1].message).to eq(error["message"]) if error.key?("message") && error["class"].start_with?("ActiveSupport::")
      end
    end

    vectors("message_verifier_verify").each do |kase|
      it "#{kase["id"]}: #{kase["note"]}" do
        verifier = build(kase["verifier"])
        token = kase["token_hex"] ? [kase["token_hex"]].pack("H*").force_encoding(Encoding::UTF_8) : kase["token"]
        options = MessageVectors.verify_options(kase["verify_options"])
        expected = kase["expected"]
        MessageVectors.at(kase["now"]) do
          expect(verifier.valid_message?(token)).to eq(expected["valid_message"])
          check(MessageVectors.outcome { verifier.verified(token, **options) }, expected["verified_outcome"],
                expected["verified_value"], expected["verified_error"])
          check(MessageVectors.outcome { verifier.verify(token, **options) }, expected["verify_outcome"],
                expected["verify_value"], expected["verify_error"])
        end
      end
    end
  end
end
