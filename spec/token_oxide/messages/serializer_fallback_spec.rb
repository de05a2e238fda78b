# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/notifications"

# ActiveSupport 7.1+ instruments every read that falls back to another
# format, so an app can find messages still in an old format (Marshal).
RSpec.describe TokenOxide::Messages::Serializers, "fallback notification" do
  def fallback_events
    events = []
    callback = ->(*args) { events << args.last }
    ActiveSupport::Notifications.subscribed(callback, "message_serializer_fallback.active_support") { yield }
    events
  end

  let(:value) { { "id" => 1, "name" => "x" } }

  it "is sent when :json_allow_marshal reads a Marshal payload through a verifier" do
    marshal_token = TokenOxide::MessageVerifier.new("s", serializer: :marshal).generate(value)
    verifier = TokenOxide::MessageVerifier.new("s", serializer: :json_allow_marshal)
    result = nil
    events = fallback_events { result = verifier.verified(marshal_token) }
    expect(result).to eq(value)
    expect(events.length).to eq(1)
    expect(events.first).to include(serializer: :json_allow_marshal, fallback: :marshal,
                                    serialized: Marshal.dump(value), deserialized: value)
  end

  it "is sent when a GCM encryptor's native path hands a Marshal payload to the serializer" do
    key = "k" * 32
    message = TokenOxide::MessageEncryptor.new(key, serializer: :marshal).encrypt_and_sign(value, purpose: :p)
    encryptor = TokenOxide::MessageEncryptor.new(key, serializer: :json_allow_marshal)
    events = fallback_events { expect(encryptor.decrypt_and_verify(message, purpose: :p)).to eq(value) }
    expect(events.map { |e| e.values_at(:serializer, :fallback) }).to eq([%i[json_allow_marshal marshal]])
  end

  it "is sent when :marshal reads JSON, and not when the format is the serializer's own" do
    json = described_class::BY_NAME[:json].dump(value)
    events = fallback_events { expect(described_class::BY_NAME[:marshal].load(json)).to eq(value) }
    expect(events.map { |e| e.values_at(:serializer, :fallback, :serialized) }).to eq([[:marshal, :json, json]])
    expect(fallback_events { described_class::BY_NAME[:json].load(json) }).to be_empty
  end

  it "is not sent when the fallback is refused (:json never loads Marshal)" do
    events = fallback_events do
      expect { described_class::BY_NAME[:json].load(Marshal.dump(value)) }.to raise_error(RuntimeError, /Unsupported serialization format/)
    end
    expect(events).to be_empty
  end

  it "dumped? tells a serializer's own format, as ActiveSupport's serializers do" do
    expect(described_class::BY_NAME[:json].dumped?('{"a":1}')).to be(true)
    expect(described_class::BY_NAME[:json].dumped?(Marshal.dump(1))).to be(false)
    expect(described_class::BY_NAME[:marshal].dumped?(Marshal.dump(1))).to be(true)
  end
end
