# frozen_string_literal: true

require "spec_helper"

RSpec.describe TokenOxide::MessageEncryptor, "against the Rails 7.2 vectors" do
  def build(config)
    options = MessageVectors.verifier_options(config)
    options[:cipher] = config["cipher"] if config.key?("cipher")
    sign_secret = config["sign_secret_hex"] && [config["sign_secret_hex"]].pack("H*")
    encryptor = described_class.new(MessageVectors.secret(config), sign_secret, **options)
    Array(config["rotations"]).each do |rotation|
      args = rotation.key?("secret_hex") ? [[rotation["secret_hex"]].pack("H*")] : []
      encryptor.rotate(*args, **MessageVectors.verifier_options(rotation))
    end
    encryptor
  end

  vectors("message_encryptor").each do |kase|
    it "#{kase["id"]}: #{kase["note"]}" do
      encryptor = build(kase["encryptor"])
      options = MessageVectors.verify_options(kase["decrypt_options"])
      outcome = MessageVectors.at(kase["now"]) do
        MessageVectors.outcome { encryptor.decrypt_and_verify(kase["message"], **options) }
      end
      expected = kase["expected"]
      case expected["outcome"]
      when "value" then expect(outcome).to eq([:value, MessageVectors.value(expected)])
      when "nil" then expect(outcome).to eq([:value, nil])
      else
        expect(outcome[0]).to eq(:raises)
        expect(outcome[1]).to be_a(TokenOxide::MessageEncryptor::InvalidMessage)
        expect(outcome[1]).to be_a(ActiveSupport::MessageEncryptor::InvalidMessage)
        # Rails' own message, e.g. the serializer's "Unsupported serialization format".
        expect(outcome[1].message).to eq(expected.dig("error", "message"))
      end
    end

    next unless kase["expected"]["outcome"] == "value"

    it "#{kase["id"]}: round-trips the recorded value with the same options" do
      encryptor = build(kase["encryptor"])
      produced = kase["produced_with"] || {}
      generate = MessageVectors.generate_options(produced["encrypt_options"] || kase["decrypt_options"])
      value = MessageVectors.value(kase["expected"])
      message = MessageVectors.at(kase["now"]) { encryptor.encrypt_and_sign(value, **generate) }
      read = MessageVectors.at(kase["now"]) { encryptor.decrypt_and_verify(message, **MessageVectors.verify_options(kase["decrypt_options"])) }
      expect(read).to eq(value)
    end
  end
end
