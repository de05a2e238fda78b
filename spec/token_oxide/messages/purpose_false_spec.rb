# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"

# `purpose: false` as Rails 7.2 (active_support/messages/metadata.rb): on
# generation it is "no metadata" (only truthy values make an envelope, and
# the 7.1+ envelope writes `pur` only when the purpose is truthy; the legacy
# envelope writes it as given, JSON false); on reading an envelope, the
# stored purpose is compared with `purpose.to_s`, so false expects "false";
# a bare value (no envelope) is accepted, as for nil.
RSpec.describe "purpose: false" do
  secret = "purpose-false-secret-" * 3
  key = "k" * 32
  rails72 = Gem::Version.new(ActiveSupport.version.to_s) >= Gem::Version.new("7.2")

  builds = {
    "MessageVerifier" => {
      ours: ->(**o) { TokenOxide::MessageVerifier.new(secret, serializer: :json, **o) },
      theirs: -> { ActiveSupport::MessageVerifier.new(secret, serializer: JSON) },
      write: :generate, read: :verified
    },
    "MessageEncryptor" => {
      ours: ->(**o) { TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: :json, **o) },
      theirs: -> { ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: JSON) },
      write: :encrypt_and_sign, read: :decrypt_and_verify
    }
  }

  builds.each do |name, b|
    describe name do
      let(:ours) { b[:ours].call }
      let(:legacy) { b[:ours].call(force_legacy_metadata_serializer: true) }
      def write(obj, b, **o) = obj.public_send(b[:write], { "v" => 1 }, **o)
      def read(obj, b, message, purpose) = obj.public_send(b[:read], message, purpose: purpose)

      it "writes no envelope for purpose: false alone (like nil)" do
        message = write(ours, b, purpose: false)
        expect(read(ours, b, message, nil)).to eq("v" => 1)
        if name == "MessageVerifier"
          expect(message).to eq(write(ours, b))
          expect(Base64.strict_decode64(message.split("--").first)).to eq('{"v":1}')
        end
      end

      it "accepts a bare value with purpose: false" do
        expect(read(ours, b, write(ours, b), false)).to eq("v" => 1)
      end

      it "matches an envelope whose purpose is \"false\", and only that one" do
        expect(read(ours, b, write(ours, b, purpose: "false"), false)).to eq("v" => 1)
        expect(read(ours, b, write(ours, b, purpose: :false), false)).to eq("v" => 1)
        expect(read(ours, b, write(ours, b, purpose: "false"), nil)).to be_nil
        expect(read(ours, b, write(ours, b, purpose: :login), false)).to be_nil
      end

      it "rejects an envelope without a purpose (\"\" is not \"false\")" do
        message = write(ours, b, expires_in: 60)
        expect(read(ours, b, message, false)).to be_nil
        expect(read(ours, b, message, nil)).to eq("v" => 1)
      end

      it "writes the legacy envelope's purpose as given (JSON false), which purpose: false then matches" do
        message = write(legacy, b, purpose: false, expires_in: 60)
        expect(read(legacy, b, message, false)).to eq("v" => 1)
        expect(read(legacy, b, message, nil)).to be_nil
        if name == "MessageVerifier"
          expect(Base64.strict_decode64(message.split("--").first)).to end_with(',"pur":false}}')
        end
      end

      it "gives ActiveSupport 7.2's answer for every message and purpose" do
        skip "needs ActiveSupport 7.2 (this leg has #{ActiveSupport.version}); the debian13 leg runs it" unless rails72

        theirs = b[:theirs].call
        messages = [write(ours, b), write(ours, b, purpose: "false"), write(ours, b, purpose: :login),
                    write(ours, b, expires_in: 60), write(legacy, b, purpose: false, expires_in: 60),
                    write(legacy, b, purpose: "false", expires_in: 60)]
        messages.product([false, nil, "false", :login]).each do |message, purpose|
          expect(read(ours, b, message, purpose)).to eq(read(theirs, b, message, purpose)), "purpose #{purpose.inspect}"
        end
      end
    end
  end
end
