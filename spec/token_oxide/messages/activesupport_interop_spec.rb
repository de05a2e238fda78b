# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/json"
require "active_support/core_ext/time"

# Live two-way compatibility with the ActiveSupport that is loaded: 6.1 on the
# Debian 12 leg (Marshal/JSON objects, the pre-7.1 envelope, no url_safe), 7.2
# on the Debian 13 leg (the serializer symbols, both envelopes, url_safe).
# Each context sets ActiveSupport's process-wide switches, then builds both
# sides with the same explicit options: TokenOxide follows the switches.
module InteropMatrix
  module_function

  def as71? = Gem::Version.new(ActiveSupport.version.to_s) >= Gem::Version.new("7.1")

  # [label, ActiveSupport's serializer, ours, ActiveSupport reads ours?, same bytes?]
  def serializers
    pairs = [
      ["Marshal", Marshal, Marshal, true, true],
      ["JSON", JSON, JSON, true, true],
      ["Marshal / :json_allow_marshal (migration: ours reads AS's Marshal)", Marshal, :json_allow_marshal, false, false],
    ]
    if as71?
      pairs += [
        [":marshal", :marshal, :marshal, true, true],
        [":json", :json, :json, true, true],
        [":json_allow_marshal", :json_allow_marshal, :json_allow_marshal, true, true],
        ["ActiveSupport::JSON", ActiveSupport::JSON, ActiveSupport::JSON, true, true],
        [":message_pack", :message_pack, :message_pack, true, true],
        [":message_pack_allow_marshal", :message_pack_allow_marshal, :message_pack_allow_marshal, true, true],
      ]
    else
      # 6.1 has no symbols: ours against its objects.
      pairs += [
        ["Marshal / :marshal", Marshal, :marshal, true, true],
        ["JSON / :json", JSON, :json, true, false],
        ["JSON / :json_allow_marshal", JSON, :json_allow_marshal, true, false],
      ]
    end
    pairs
  end

  # [label, ActiveSupport settings, extra options for both sides]
  def envelopes
    return [["pre-7.1 envelope (6.1 has no other)", {}, {}]] unless as71?

    [
      ["use_message_serializer_for_metadata = true", { as_metadata: true }, {}],
      ["use_message_serializer_for_metadata = false", { as_metadata: false }, {}],
      ["force_legacy_metadata_serializer: true", { as_metadata: true }, { force_legacy_metadata_serializer: true }],
    ]
  end

  def url_safe_options = as71? ? [false, true] : [false]

  # Why a pair cannot run here, or nil.
  def skip_reason(oxide_serializer)
    return unless oxide_serializer.to_s.start_with?("message_pack")

    begin
      require "msgpack"
    rescue LoadError
      return "msgpack is not installed"
    end
    TokenOxide::Messages::Serializers.resolve(oxide_serializer)
    nil
  rescue ArgumentError
    "token_oxide has no #{oxide_serializer.inspect} serializer yet (the railstests branch adds it)"
  end

  # What ActiveSupport's own verifier returns for its token of +value+: 6.1's
  # rotation wrapper (`super || rotations`) turns a false payload into nil.
  def as_verified(value, serializer)
    return nil if value == false && !as71?

    round_tripped(value, serializer)
  end

  # The value as the serializer gives it back (JSON: string keys, symbols as strings).
  def round_tripped(value, serializer)
    return value if [Marshal, :marshal].include?(serializer) || serializer.to_s.start_with?("message_pack")

    JSON.parse(ActiveSupport::JSON.encode([value]))[0]
  end
end

RSpec.describe "TokenOxide messages and the loaded ActiveSupport (#{ActiveSupport.version})" do
  let(:secret) { "interop signing secret " * 3 }
  let(:key) { "k" * 32 }
  let(:sign_key) { "s" * 64 }
  let(:values) do
    [
      "hello <&> \u2028 näme", 42, -7, 2**40, 1.5, nil, true, false, [],
      { "user_id" => 1, "roles" => %w[admin editor], "nested" => { "deep" => [1, 2, { "x" => nil }] } },
    ]
  end
  let(:fixed_expiry) { Time.utc(2030, 1, 2, 3, 4, 5.678r) }

  InteropMatrix.envelopes.each do |envelope_label, settings, envelope_options|
    InteropMatrix.serializers.each do |label, as_serializer, oxide_serializer, as_reads_ours, same_bytes|
      context "#{envelope_label}, #{label}" do
        around do |example|
          reason = InteropMatrix.skip_reason(oxide_serializer)
          next skip(reason) if reason

          MessageSettings.with(**settings) { example.run }
        end

        InteropMatrix.url_safe_options.each do |url_safe|
          url_options = InteropMatrix.as71? ? { url_safe: url_safe } : {}

          %w[SHA1 SHA256 SHA384 SHA512].each do |digest|
            describe "MessageVerifier #{digest}#{", url_safe" if url_safe}" do
              let(:rails) { ActiveSupport::MessageVerifier.new(secret, digest: digest, serializer: as_serializer, **url_options, **envelope_options) }
              let(:oxide) { TokenOxide::MessageVerifier.new(secret, digest: digest, serializer: oxide_serializer, **url_options, **envelope_options) }

              it "reads ActiveSupport's tokens (bare, purpose, expiry) as ActiveSupport does" do
                values.each do |value|
                  expected = InteropMatrix.round_tripped(value, as_serializer)
                  expect(rails.verified(rails.generate(value))).to eq(InteropMatrix.as_verified(value, as_serializer)) # the reference itself
                  expect(oxide.verified(rails.generate(value))).to eq(expected)
                  token = rails.generate(value, purpose: :login, expires_in: 600)
                  expect(oxide.verified(token, purpose: "login")).to eq(expected)
                  expect(oxide.verified(token, purpose: "other")).to be_nil
                  expect(oxide.verified(token)).to be_nil
                  expect(oxide.verified(rails.generate(value, expires_at: Time.now - 1))).to be_nil
                  expect { oxide.verify(token, purpose: :other) }.to raise_error(ActiveSupport::MessageVerifier::InvalidSignature)
                end
              end

              if as_reads_ours
                it "writes tokens ActiveSupport reads, with its results" do
                  values.each do |value|
                    expected = InteropMatrix.as_verified(value, as_serializer)
                    expect(rails.verified(oxide.generate(value))).to eq(expected)
                    token = oxide.generate(value, purpose: :login, expires_in: 600)
                    expect(rails.verified(token, purpose: :login)).to eq(expected)
                    expect(rails.verified(token, purpose: :other)).to be_nil
                    expect(rails.verified(oxide.generate(value, expires_at: Time.now - 1))).to be_nil
                  end
                end
              end

              if same_bytes
                it "writes the same bytes (no expiry, or a fixed expires_at)" do
                  values.each do |value|
                    expect(oxide.generate(value)).to eq(rails.generate(value))
                    expect(oxide.generate(value, purpose: :login)).to eq(rails.generate(value, purpose: :login))
                    expect(oxide.generate(value, purpose: "p", expires_at: fixed_expiry))
                      .to eq(rails.generate(value, purpose: "p", expires_at: fixed_expiry))
                  end
                end
              end
            end
          end

          ciphers = [["aes-256-gcm", [], {}], ["aes-256-cbc", [], {}]]
          ciphers += %w[SHA1 SHA256 SHA384 SHA512].map { |digest| ["aes-256-cbc", [:sign], { digest: digest }] }
          ciphers.each do |cipher, extra, cipher_options|
            title = "MessageEncryptor #{cipher}#{" sign secret #{cipher_options[:digest]}" if extra.any?}#{", url_safe" if url_safe}"
            it "#{title}: both directions, purpose and expiry" do
              args = extra.empty? ? [key] : [key, sign_key]
              options = { cipher: cipher, serializer: as_serializer, **cipher_options, **url_options, **envelope_options }
              rails = ActiveSupport::MessageEncryptor.new(*args, **options)
              oxide = TokenOxide::MessageEncryptor.new(*args, **options, serializer: oxide_serializer)
              values.each do |value|
                expected = InteropMatrix.round_tripped(value, as_serializer)
                expect(rails.decrypt_and_verify(rails.encrypt_and_sign(value))).to eq(expected)
                expect(oxide.decrypt_and_verify(rails.encrypt_and_sign(value))).to eq(expected)
                message = rails.encrypt_and_sign(value, purpose: :remember, expires_in: 60)
                expect(oxide.decrypt_and_verify(message, purpose: :remember)).to eq(expected)
                expect(oxide.decrypt_and_verify(message, purpose: :other)).to be_nil
                expect(oxide.decrypt_and_verify(rails.encrypt_and_sign(value, expires_at: Time.now - 1))).to be_nil
                next unless as_reads_ours

                expect(rails.decrypt_and_verify(oxide.encrypt_and_sign(value))).to eq(expected)
                mine = oxide.encrypt_and_sign(value, purpose: :remember, expires_in: 60)
                expect(rails.decrypt_and_verify(mine, purpose: :remember)).to eq(expected)
                expect(rails.decrypt_and_verify(mine, purpose: :other)).to be_nil
                expect(rails.decrypt_and_verify(oxide.encrypt_and_sign(value, expires_at: Time.now - 1))).to be_nil
              end
              tampered = rails.encrypt_and_sign("x").reverse
              expect { oxide.decrypt_and_verify(tampered) }.to raise_error(ActiveSupport::MessageEncryptor::InvalidMessage)
            end
          end
        end
      end
    end
  end
end
