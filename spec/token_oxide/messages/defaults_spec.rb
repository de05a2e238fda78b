# frozen_string_literal: true

require "spec_helper"
require "open3"
require "rbconfig"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/json"

# `TokenOxide::X.new(secret)` writes what `ActiveSupport::X.new(secret)` writes
# in the same process: the options left out follow ActiveSupport's
# process-wide settings, read when the object is built.
RSpec.describe "TokenOxide message defaults and ActiveSupport's settings (#{ActiveSupport.version})" do
  let(:secret) { "defaults signing secret " * 3 }
  let(:key) { "k" * 32 }
  let(:values) { ["x <&> \u2028", 1, 2.5, { "a" => [1, nil, "b"] }, [], true] }
  let(:at) { Time.utc(2031, 5, 6, 7, 8, 9.5r) }

  as71 = Gem::Version.new(ActiveSupport.version.to_s) >= Gem::Version.new("7.1")

  def expect_same_tokens(ours, theirs)
    values.each do |value|
      expect(ours.generate(value)).to eq(theirs.generate(value))
      expect(ours.generate(value, purpose: :login)).to eq(theirs.generate(value, purpose: :login))
      expect(ours.generate(value, purpose: "p", expires_at: at)).to eq(theirs.generate(value, purpose: "p", expires_at: at))
    end
  end

  def expect_mutually_readable(ours, theirs)
    values.each do |value|
      expected = theirs.decrypt_and_verify(theirs.encrypt_and_sign(value, purpose: :remember), purpose: :remember)
      expect(expected).not_to be_nil
      expect(ours.decrypt_and_verify(theirs.encrypt_and_sign(value, purpose: :remember), purpose: :remember)).to eq(expected)
      expect(theirs.decrypt_and_verify(ours.encrypt_and_sign(value, purpose: :remember), purpose: :remember)).to eq(expected)
      expect(ours.decrypt_and_verify(theirs.encrypt_and_sign(value))).to eq(theirs.decrypt_and_verify(theirs.encrypt_and_sign(value)))
      expect(theirs.decrypt_and_verify(ours.encrypt_and_sign(value))).to eq(theirs.decrypt_and_verify(theirs.encrypt_and_sign(value)))
    end
  end

  def payload(token)
    Base64.strict_decode64(token.split("--").first)
  end

  it "with the settings as they are, new(secret) writes ActiveSupport's bytes and the encryptor interoperates" do
    MessageSettings.with do
      expect_same_tokens(TokenOxide::MessageVerifier.new(secret), ActiveSupport::MessageVerifier.new(secret))
      expect(TokenOxide::MessageEncryptor.default_cipher).to eq(ActiveSupport::MessageEncryptor.default_cipher)
      expect_mutually_readable(TokenOxide::MessageEncryptor.new(key), ActiveSupport::MessageEncryptor.new(key))
    end
  end

  [false, true].each do |gcm|
    it "use_authenticated_message_encryption = #{gcm}: the default cipher is ActiveSupport's (#{gcm ? "GCM" : "CBC"})" do
      MessageSettings.with(as_gcm: gcm) do
        cipher = gcm ? "aes-256-gcm" : "aes-256-cbc"
        expect(TokenOxide::MessageEncryptor.default_cipher).to eq(cipher)
        ours = TokenOxide::MessageEncryptor.new(key)
        expect_mutually_readable(ours, ActiveSupport::MessageEncryptor.new(key))
        # Read by an encryptor pinned to that cipher (a CBC message is not a GCM one and vice versa).
        pinned = ActiveSupport::MessageEncryptor.new(key, cipher: cipher)
        expect(pinned.decrypt_and_verify(ours.encrypt_and_sign("v"))).to eq("v")
        other = TokenOxide::MessageEncryptor.new(key, cipher: gcm ? "aes-256-cbc" : "aes-256-gcm")
        expect { other.decrypt_and_verify(ActiveSupport::MessageEncryptor.new(key).encrypt_and_sign("v")) }
          .to raise_error(ActiveSupport::MessageEncryptor::InvalidMessage)
      end
    end
  end

  it "reads a stock ActiveSupport CBC message (what 'missing separator' came from: a GCM default reading CBC)" do
    MessageSettings.with(as_gcm: false) do
      message = ActiveSupport::MessageEncryptor.new(key).encrypt_and_sign({ "id" => 7 })
      expect(TokenOxide::MessageEncryptor.new(key).decrypt_and_verify(message)).to eq(ActiveSupport::MessageEncryptor.new(key).decrypt_and_verify(message))
      signed = ActiveSupport::MessageEncryptor.new(key, "s" * 64).encrypt_and_sign("x", purpose: :p)
      expect(TokenOxide::MessageEncryptor.new(key, "s" * 64).decrypt_and_verify(signed, purpose: :p)).to eq("x")
      # An app moving to GCM reads its old CBC messages through a rotation, as Rails documents.
      gcm = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm")
      expect { gcm.decrypt_and_verify(message) }.to raise_error(ActiveSupport::MessageEncryptor::InvalidMessage, "missing separator")
      gcm.rotate(cipher: "aes-256-cbc")
      expect(gcm.decrypt_and_verify(message)).to eq(ActiveSupport::MessageEncryptor.new(key).decrypt_and_verify(message))
    end
  end

  if as71
    serializers = [:marshal, :json, :json_allow_marshal, Marshal, JSON, ActiveSupport::JSON]
    [nil, false, true].product(serializers).each do |metadata, serializer|
      it "message_serializer = #{serializer.inspect}, use_message_serializer_for_metadata = #{metadata.inspect}: same bytes and messages" do
        MessageSettings.with(as_serializer: serializer, as_metadata: metadata) do
          expect_same_tokens(TokenOxide::MessageVerifier.new(secret), ActiveSupport::MessageVerifier.new(secret))
          [false, true].each do |gcm|
            MessageSettings.with(as_gcm: gcm) do
              expect_mutually_readable(TokenOxide::MessageEncryptor.new(key), ActiveSupport::MessageEncryptor.new(key))
            end
          end
        end
      end
    end

    it "a serializer token_oxide lacks is an ArgumentError naming it, not a different format" do
      MessageSettings.with(as_serializer: :message_pack) do
        TokenOxide::Messages::Serializers.resolve(:message_pack)
        skip "token_oxide has :message_pack now: covered by the interop spec"
      rescue ArgumentError
        expect { TokenOxide::MessageVerifier.new(secret) }.to raise_error(ArgumentError, /message_pack/)
      end
    end

    it "class-level serializer settings: MessageVerifier.default_serializer and MessageEncryptor.default_serializer apart" do
      MessageSettings.with(as_serializer: :marshal) do
        ActiveSupport::MessageVerifier.default_serializer = :json
        expect_same_tokens(TokenOxide::MessageVerifier.new(secret), ActiveSupport::MessageVerifier.new(secret))
        expect(payload(TokenOxide::MessageVerifier.new(secret).generate("x"))).to eq('"x"')
        marshal_only = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: Marshal)
        expect(marshal_only.decrypt_and_verify(TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm").encrypt_and_sign("x"))).to eq("x")
      ensure
        # The class attribute's writer defined a reader on MessageVerifier only: back to Codec's.
        ActiveSupport::MessageVerifier.singleton_class.send(:remove_method, :default_serializer)
      end
    end

    it "reads the settings when an object is built, not later (a verifier keeps its envelope)" do
      modern, legacy = nil
      MessageSettings.with(as_serializer: :json, as_metadata: true) { modern = TokenOxide::MessageVerifier.new(secret) }
      MessageSettings.with(as_serializer: :json, as_metadata: false) do
        legacy = TokenOxide::MessageVerifier.new(secret)
        expect(payload(modern.generate(1, purpose: :p))).to start_with('{"_rails":{"data":1')
        expect(payload(legacy.generate(1, purpose: :p))).to start_with('{"_rails":{"message":')
      end
      MessageSettings.with(as_serializer: :marshal, as_metadata: true) do
        expect(payload(legacy.generate(1, purpose: :p))).to start_with('{"_rails":{"message":')
        expect(payload(modern.generate(1))).to eq("1")
      end
    end

    it "force_legacy_metadata_serializer: true wins over use_message_serializer_for_metadata = true" do
      MessageSettings.with(as_serializer: :json, as_metadata: true) do
        ours = TokenOxide::MessageVerifier.new(secret, force_legacy_metadata_serializer: true)
        expect(payload(ours.generate(1, purpose: :p))).to start_with('{"_rails":{"message":')
        expect(ours.generate(1, purpose: :p)).to eq(ActiveSupport::MessageVerifier.new(secret, force_legacy_metadata_serializer: true).generate(1, purpose: :p))
      end
    end
  else
    it "6.1: Marshal and the pre-7.1 envelope, like 6.1's own verifier (nothing to configure)" do
      MessageSettings.with do
        token = TokenOxide::MessageVerifier.new(secret).generate("x", purpose: :p)
        expect(payload(token)).to start_with('{"_rails":{"message":')
        expect(Base64.strict_decode64(JSON.parse(payload(token))["_rails"]["message"])).to eq(Marshal.dump("x"))
        expect(ActiveSupport::MessageVerifier.new(secret).verified(token, purpose: :p)).to eq("x")
      end
    end
  end

  it "reads the cipher setting when an encryptor is built, not later" do
    gcm = nil
    MessageSettings.with(as_gcm: true) { gcm = TokenOxide::MessageEncryptor.new(key, serializer: :json) }
    MessageSettings.with(as_gcm: false) do
      cbc = TokenOxide::MessageEncryptor.new(key, serializer: :json)
      expect(gcm.encrypt_and_sign("v").count("-")).to be >= 4 # b64(ct)--b64(iv)--b64(tag)
      expect(ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: JSON).decrypt_and_verify(gcm.encrypt_and_sign("v"))).to eq("v")
      expect(ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-cbc", serializer: JSON).decrypt_and_verify(cbc.encrypt_and_sign("v"))).to eq("v")
    end
  end

  describe "explicit options win" do
    it "serializer:, cipher: and force_legacy_metadata_serializer: false over the process-wide settings" do
      settings = { as_gcm: false }
      settings.merge!(as_serializer: :marshal, as_metadata: false) if as71
      MessageSettings.with(**settings) do
        expect(payload(TokenOxide::MessageVerifier.new(secret, serializer: :json).generate("x"))).to eq('"x"')
        # false given explicitly asks for the 7.1+ envelope even where the switch says legacy.
        modern = TokenOxide::MessageVerifier.new(secret, serializer: :json, force_legacy_metadata_serializer: false)
        expect(payload(modern.generate(1, purpose: :p))).to eq('{"_rails":{"data":1,"pur":"p"}}')
        gcm = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: :json)
        expect(ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: JSON).decrypt_and_verify(gcm.encrypt_and_sign("v"))).to eq("v")
      end
    end

    it "TokenOxide's own switches over ActiveSupport's: the Rails 7.1+ format whatever ActiveSupport says" do
      settings = { as_gcm: false, oxide_serializer: :json_allow_marshal, oxide_metadata: true, oxide_gcm: true }
      settings.merge!(as_serializer: :marshal, as_metadata: false) if as71
      MessageSettings.with(**settings) do
        reference = TokenOxide::MessageVerifier.new(secret, serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
        expect_same_tokens(TokenOxide::MessageVerifier.new(secret), reference)
        expect(payload(TokenOxide::MessageVerifier.new(secret).generate(1, purpose: :p))).to eq('{"_rails":{"data":1,"pur":"p"}}')
        expect(TokenOxide::MessageEncryptor.default_cipher).to eq("aes-256-gcm")
        json_gcm = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: JSON)
        expect(json_gcm.decrypt_and_verify(TokenOxide::MessageEncryptor.new(key).encrypt_and_sign({ "a" => 1 }))).to eq({ "a" => 1 })
      end
      MessageSettings.with(as_gcm: true, oxide_gcm: false) do
        expect(TokenOxide::MessageEncryptor.default_cipher).to eq("aes-256-cbc")
      end
    end
  end

  describe "Rails 7.0's serializer settings (a stand-in: 7.0 is not installed)" do
    around do |example|
      next skip("ActiveSupport #{ActiveSupport.version} has Codec.default_serializer, which comes first") if as71

      MessageSettings.with { example.run }
    end

    def with_rails70_setting(klass, reader, value)
      klass.define_singleton_method(reader) { value }
      yield
    ensure
      klass.singleton_class.send(:remove_method, reader)
    end

    it "default_message_verifier_serializer / default_message_encryptor_serializer pick the serializer" do
      upcase = Module.new do
        def self.dump(value) = "U:#{value}"
        def self.load(dumped) = dumped.delete_prefix("U:").upcase
      end
      with_rails70_setting(ActiveSupport::MessageVerifier, :default_message_verifier_serializer, upcase) do
        token = TokenOxide::MessageVerifier.new(secret).generate("abc")
        expect(payload(token)).to eq("U:abc")
        expect(TokenOxide::MessageVerifier.new(secret).verified(token)).to eq("ABC")
      end
      with_rails70_setting(ActiveSupport::MessageVerifier, :default_message_verifier_serializer, :marshal) do
        expect(payload(TokenOxide::MessageVerifier.new(secret).generate("abc"))).to eq(Marshal.dump("abc"))
      end
      with_rails70_setting(ActiveSupport::MessageEncryptor, :default_message_encryptor_serializer, upcase) do
        encryptor = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm")
        expect(encryptor.decrypt_and_verify(encryptor.encrypt_and_sign("abc"))).to eq("ABC")
      end
    end
  end

  it "without ActiveSupport: a Rails 7.1+ app's defaults (:json_allow_marshal, the 7.1+ envelope, GCM)" do
    script = <<~RUBY
      module Kernel
        alias_method :__no_active_support_require, :require
        def require(name)
          raise LoadError, "cannot load such file -- \#{name}" if name.start_with?("active_support")
          __no_active_support_require(name)
        end
        private :require
      end
      require "token_oxide"
      require "json"
      abort "ActiveSupport got loaded" if defined?(::ActiveSupport)
      secret = ARGV[0]
      at = Time.utc(2031, 5, 6, 7, 8, 9.5r)
      verifier = TokenOxide::MessageVerifier.new(secret)
      key = "k" * 32
      puts JSON.generate(
        "token" => verifier.generate({ "a" => [1, nil] }, purpose: "p", expires_at: at),
        "bare" => verifier.generate("x"),
        "cipher" => TokenOxide::MessageEncryptor.default_cipher,
        "message" => TokenOxide::MessageEncryptor.new(key).encrypt_and_sign({ "a" => 1 }, purpose: :p)
      )
    RUBY
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../../../lib", __dir__), "-e", script, secret)
    expect(status).to be_success, err
    result = JSON.parse(out)
    reference = TokenOxide::MessageVerifier.new(secret, serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
    expect(result["token"]).to eq(reference.generate({ "a" => [1, nil] }, purpose: "p", expires_at: at))
    expect(payload(result["token"])).to eq('{"_rails":{"data":{"a":[1,null]},"exp":"2031-05-06T07:08:09.500Z","pur":"p"}}')
    expect(result["bare"]).to eq(reference.generate("x"))
    expect(result["cipher"]).to eq("aes-256-gcm")
    # The plaintext, through a serializer that hands it over as it is (no purpose asked: no envelope check).
    raw = Module.new do
      def self.dump(value) = value
      def self.load(value) = value
    end
    plaintext = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: raw).decrypt_and_verify(result["message"])
    expect(plaintext).to eq('{"_rails":{"data":{"a":1},"pur":"p"}}')
  end
end
