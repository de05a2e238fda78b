# frozen_string_literal: true

require "spec_helper"

# Malformed input returns nil / raises exactly where ActiveSupport 7.2 does,
# and never crashes the process.
RSpec.describe "TokenOxide messages with malformed input" do
  let(:verifier) { TokenOxide::MessageVerifier.new("secret", serializer: :json) }
  let(:token) { verifier.generate({ "id" => 1 }, purpose: :login) }
  let(:invalid) { TokenOxide::MessageVerifier::InvalidSignature }

  def signed(data)
    "#{data}--#{OpenSSL::HMAC.hexdigest("SHA1", "secret", data)}"
  end

  before { require "openssl" }

  {
    "empty" => "", "just the separator" => "--", "no separator" => "abc", "short" => "a--b--c",
    "empty data" => "--#{"0" * 40}", "empty signature" => "eyJh--", "truncated digest" => nil,
    "trailing newline" => nil, "invalid UTF-8" => "\xff\xfe--#{"0" * 40}", "UTF-16" => nil,
  }.each do |label, message|
    it "#{label}: verified nil, verify raises InvalidSignature, valid_message? false" do
      message ||= case label
                  when "truncated digest" then token.chop
                  when "trailing newline" then "#{token}\n"
                  when "UTF-16" then token.encode("UTF-16LE")
                  end
      expect(verifier.verified(message)).to be_nil
      expect { verifier.verify(message) }.to raise_error(invalid)
      expect(verifier.valid_message?(message)).to be(false)
    end
  end

  it "nil: verified nil, verify raises, valid_message? false" do
    expect(verifier.verified(nil)).to be_nil
    expect { verifier.verify(nil) }.to raise_error(invalid, "invalid message string")
    expect(verifier.valid_message?(nil)).to be(false)
  end

  it "non-Strings raise NoMethodError like ActiveSupport (valid_encoding? is called on them)" do
    [42, :sym, [token]].each do |message|
      expect { verifier.verified(message) }.to raise_error(NoMethodError)
      expect { verifier.valid_message?(message) }.to raise_error(NoMethodError)
    end
  end

  # Ruby's own NoMethodError message inspects the receiver: for a 10k-deep
  # Array a recursion that can meet a GC at the stack's end and abort the
  # process. Ours names the class.
  it "the NoMethodError for a non-String names its class without inspecting it" do
    deep = 10_000.times.inject([]) { |inner, _| [inner] }
    expect { verifier.verified(deep) }.to raise_error(NoMethodError) { |error|
      expect(error.message).to start_with("undefined method `valid_encoding?' for an instance of Array (a message must be a String)")
      expect(error.message.size).to be < 300 # error_highlight may add the line
    }
  end

  # The same hazard at construction: a secret that is not a String (a CBC
  # encryptor's signer is a verifier built from it).
  it "a secret that is not a String raises TypeError naming its class without inspecting it" do
    deep = 10_000.times.inject([]) { |inner, _| [inner] }
    expect { TokenOxide::MessageVerifier.new(deep) }
      .to raise_error(TypeError, "secret must be a String, not Array")
    expect { TokenOxide::MessageEncryptor.new(deep, cipher: "aes-256-cbc") }
      .to raise_error(TypeError, "secret must be a String, not Array")
    to_str = Object.new.tap { |o| o.define_singleton_method(:to_str) { "s" * 32 } }
    expect(TokenOxide::MessageVerifier.new(to_str).generate(1)).to eq(TokenOxide::MessageVerifier.new("s" * 32).generate(1))
  end

  it "correctly signed but not base64 / wrong padding: valid_message? true, verified nil" do
    ["f", " eyJh", "Zg=", "Zh==", "eyJhIjox fQ=="].each do |data|
      message = signed(data)
      expect(verifier.valid_message?(message)).to be(true)
      expect(verifier.verified(message)).to be_nil
      expect { verifier.verify(message) }.to raise_error(invalid, "invalid base64")
    end
  end

  it "correctly signed blank data is rejected (ActiveSupport requires data.present?)" do
    expect(verifier.valid_message?(signed("   "))).to be(false)
  end

  it "correctly signed payloads the serializer cannot read re-raise its error" do
    expect { verifier.verified(signed(["{not json"].pack("m0"))) }.to raise_error(JSON::ParserError)
    expect { verifier.verified(signed([Marshal.dump(1)].pack("m0"))) }.to raise_error(RuntimeError, "Unsupported serialization format")
    deep = "[" * 5000 + "]" * 5000
    expect { verifier.verified(signed([deep].pack("m0"))) }.to raise_error(JSON::NestingError)
  end

  it "huge strings are rejected without trouble" do
    huge = "A" * 10_000_000
    expect(verifier.verified(huge)).to be_nil
    expect(verifier.verified("#{huge}--#{"0" * 40}")).to be_nil
  end

  it "random mutations of a valid token never crash and never verify" do
    rng = Random.new(7)
    2000.times do
      mutated = token.dup
      rng.rand(1..4).times { mutated[rng.rand(mutated.length)] = rng.rand(256).chr.force_encoding("UTF-8") }
      next if mutated == token

      result = begin
        verifier.verified(mutated, purpose: :login)
      rescue JSON::ParserError, RuntimeError, ArgumentError => e
        e
      end
      expect(result).not_to eq({ "id" => 1 }) unless mutated.b == token.b
    end
  end

  it "an envelope whose exp is not a time raises ArgumentError from Time.iso8601 (as Rails)" do
    message = signed([{ "_rails" => { "data" => 1, "exp" => "tomorrow" } }.to_json].pack("m0"))
    expect { verifier.verified(message) }.to raise_error(ArgumentError)
  end

  context "MessageEncryptor" do
    let(:gcm) { TokenOxide::MessageEncryptor.new("k" * 32, cipher: "aes-256-gcm") }
    let(:cbc) { TokenOxide::MessageEncryptor.new("k" * 32, cipher: "aes-256-cbc") }

    ["", "--", "a--b--c", "not base64!--#{"A" * 16}--#{"A" * 24}", "\xff\xfe"].each do |message|
      it "#{message.inspect} raises InvalidMessage" do
        expect { gcm.decrypt_and_verify(message) }.to raise_error(TokenOxide::MessageEncryptor::InvalidMessage)
        expect { cbc.decrypt_and_verify(message) }.to raise_error(TokenOxide::MessageEncryptor::InvalidMessage)
      end
    end

    it "nil: GCM raises NoMethodError (Rails calls length on it), CBC raises InvalidMessage" do
      expect { gcm.decrypt_and_verify(nil) }.to raise_error(NoMethodError)
      expect { cbc.decrypt_and_verify(nil) }.to raise_error(TokenOxide::MessageEncryptor::InvalidMessage)
    end

    it "wrong key size raises ArgumentError like OpenSSL" do
      expect { TokenOxide::MessageEncryptor.new("short").encrypt_and_sign("x") }.to raise_error(ArgumentError, /32 bytes/)
    end

    it "uses a fresh random 12-byte IV per GCM message" do
      ivs = Array.new(50) { gcm.encrypt_and_sign("same").split("--")[1] }
      expect(ivs.uniq.size).to eq(50)
      expect(ivs.map { |iv| Base64.strict_decode64(iv).bytesize }.uniq).to eq([12])
    end
  end
end
