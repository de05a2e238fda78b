# frozen_string_literal: true

require "spec_helper"

# A correctly signed or encrypted payload that the serializer refuses (a
# Marshal payload read with `:json`): the refusal is decided natively, and
# must reach the app as the same error Rails raises, with its message,
# whichever path reads it (with or without rotations, GCM or CBC).
RSpec.describe "Serializer refusals raised from native code" do
  let(:key) { "k" * 32 }
  let(:value) { { "a" => 1 } }
  let(:refusal) { "Unsupported serialization format" }

  def encryptor(cipher, serializer, rotate: false)
    TokenOxide::MessageEncryptor.new(key, cipher: cipher, serializer: serializer).tap do |e|
      e.rotate("o" * 32, cipher: cipher) if rotate
    end
  end

  %w[aes-256-gcm aes-256-cbc].each do |cipher|
    [false, true].each do |rotate|
      it "MessageEncryptor (#{cipher}#{', with a rotation' if rotate}) raises InvalidMessage with the serializer's message" do
        message = encryptor(cipher, Marshal).encrypt_and_sign(value)
        reader = encryptor(cipher, :json, rotate: rotate)
        expect { reader.decrypt_and_verify(message) }
          .to raise_error(ActiveSupport::MessageEncryptor::InvalidMessage, refusal)
        tag, error = reader.read_message_tagged(message, nil)
        expect(tag).to eq(:serialization)
        expect(error).to be_a(RuntimeError).and(have_attributes(message: refusal))
      end
    end
  end

  it "MessageVerifier raises the serializer's RuntimeError, and hands an exception (not its class) to rotations" do
    token = TokenOxide::MessageVerifier.new("s", serializer: Marshal).generate(value)
    reader = TokenOxide::MessageVerifier.new("s", serializer: :json)
    expect { reader.verified(token) }.to raise_error(RuntimeError, refusal)
    tag, error = reader.read_message_tagged(token, nil)
    expect(tag).to eq(:serialization)
    expect(error).to be_a(RuntimeError).and(have_attributes(message: refusal))
  end

  it "says what Active Support says (7.1+, which has the :json serializer)" do
    skip "Active Support #{ActiveSupport.version} has no :json serializer refusal" if ActiveSupport.version < Gem::Version.new("7.1")
    message = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: Marshal).encrypt_and_sign(value)
    rails = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: :json)
    ours = encryptor("aes-256-gcm", :json)
    outcomes = [rails, ours].map do |reader|
      reader.decrypt_and_verify(message)
    rescue ActiveSupport::MessageEncryptor::InvalidMessage => e
      e.message
    end
    expect(outcomes).to eq([refusal, refusal])
  end
end
