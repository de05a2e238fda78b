# frozen_string_literal: true

require "spec_helper"
require "base64"
require "json"
require "openssl"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"

# The native reader of the pre-7.1 envelope
# (`{"_rails":{"message":"B64","exp":...,"pur":...}}`, what Rails 6.1/7.0
# and apps without the 7.1 envelope switch write) scans the exact shape
# without a parse tree. Every combination of its fields below, including
# the shapes it must hand back to the general path, must end as the Ruby
# reference path (Messages::Metadata#__read_payload, a mirror of Active
# Support's reading) ends it, and on Rails 7.x as ActiveSupport's own verifier.
# Likewise for the passthrough serializer (the cookie jars' NullSerializer),
# whose values are the payload Strings themselves.
RSpec.describe "TokenOxide messages: the legacy envelope's fast reader" do
  secret = "legacy envelope fast path secret"
  key = "e" * 32
  future = Time.now.utc + (3600 * 24 * 365)
  past = Time.utc(2001, 2, 3, 4, 5, 6)
  iso = ->(time) { time.utc.strftime("%Y-%m-%dT%H:%M:%S.%LZ") }

  value_json = JSON.generate({ "id" => 7, "name" => "ada" })
  messages = {
    "strict base64 of JSON" => Base64.strict_encode64(value_json),
    "url-safe base64 of JSON" => Base64.urlsafe_encode64("\xfb\xff" + value_json).tr("=", "").then { |s| s + ("=" * (-s.size % 4)) },
    "invalid base64" => "not*base64",
    "base64 of Marshal" => Base64.strict_encode64(Marshal.dump({ "id" => 7 })),
    "base64 of bad JSON" => Base64.strict_encode64("{oops"),
    "empty" => ""
  }.transform_values { |m| JSON.generate(m) }
  messages["a number"] = "5"
  exps = {
    "absent" => nil, "null" => "null", "future" => JSON.generate(iso.call(future)),
    "past" => JSON.generate(iso.call(past)), "malformed" => '"soon"', "a number" => "5"
  }
  purs = {
    "absent" => nil, "null" => "null", "login" => '"login"', "other" => '"other"', "empty" => '""',
    "a number" => "5", "non-ASCII" => JSON.generate("l\u00f6gin"), "escaped" => '"lo\\u0067in"'
  }
  purposes = [nil, "login", :login, "other", false]
  # Exactly as written, and two shapes the scanner does not take.
  layouts = {
    "as written" => ->(m, e, p) { %({"_rails":{"message":#{m}#{",\"exp\":#{e}" if e}#{",\"pur\":#{p}" if p}}}) },
    "spaced" => ->(m, e, p) { %({"_rails": {"message": #{m}#{", \"exp\": #{e}" if e}#{", \"pur\": #{p}" if p}}}) },
    "pur before exp" => ->(m, e, p) { %({"_rails":{"message":#{m}#{",\"pur\":#{p}" if p}#{",\"exp\":#{e}" if e}}}) }
  }

  payloads = layouts.flat_map do |_, layout|
    messages.values.product(exps.values, purs.values).map { |m, e, p| layout.call(m, e, p).b }
  end

  # The passthrough serializer also reads payloads without an envelope as
  # they are (a String that is JSON, even one that mentions "_rails", stays
  # a String; with a purpose it lacks metadata).
  passthrough_payloads = payloads + ["plain", "", '{"_rails":{"data":"x","pur":"login"}}', Marshal.dump("x"),
                                     "h\u00e9", '{"_rails":{"message":', '{"_rails":{"message":"YQ==","exp":null,"pur":"login"}}x'].map(&:b)
  null_serializer = ActiveSupport::MessageEncryptor::NullSerializer
  cases = { json: [:json, payloads], json_allow_marshal: [:json_allow_marshal, payloads],
            passthrough: [null_serializer, passthrough_payloads] }

  # The Ruby path's answer; an error it raises (Time.iso8601 of a bad
  # "exp", as in ActiveSupport) as [:raise, class].
  reference_read = lambda do |reader, bytes, purpose|
    reader.__read_payload(bytes.dup, purpose)
  rescue StandardError => e
    [:raise, e.class.name]
  end

  # [:value, inspect] / [:format] / [:content, reason] / [:serialization, class]
  normalize = lambda do |(tag, payload)|
    case tag
    when :value then [:value, payload.inspect]
    when :content then [:content, payload.to_s]
    # (Native::Messages.deserialize_json gives the class, not an instance,
    # for errors made natively, e.g. "Unsupported serialization format".)
    when :serialization then [:serialization, payload.is_a?(Class) ? payload.name : payload.class.name]
    when :raise then [:raise, payload]
    else [tag]
    end
  end

  cases.each do |kind, (serializer, payloads)|
    it "MessageEncryptor #{kind}: #{payloads.size * purposes.size} envelope and purpose combinations end as the Ruby path ends them" do
      encryptor = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: serializer)
      native = 0
      payloads.product(purposes).each do |bytes, purpose|
        reference = normalize.call(reference_read.call(encryptor, bytes, purpose))
        fast = TokenOxide::Native::Messages.deserialize(bytes, purpose, kind)
        next unless fast # the native reader handed it to the Ruby path

        native += 1
        expect(normalize.call(fast)).to eq(reference), "#{bytes.inspect} purpose #{purpose.inspect}"
      end
      # Most of the grid is decided natively (the scanner or the tree path);
      # for passthrough only the written layout is (the others go to Ruby).
      expect(native).to be > payloads.size * purposes.size / (kind == :passthrough ? 3 : 2)
    end

    it "MessageVerifier #{kind}: every combination signed and read ends as the Ruby path ends it" do
      verifier = TokenOxide::MessageVerifier.new(secret, digest: "SHA256", serializer: serializer)
      payloads.product(purposes).each do |bytes, purpose|
        next if bytes.empty? # signs to a blank token, which is refused before it is read

        token = verifier.send(:__sign_serialized, bytes)
        tag, payload = reference_read.call(verifier, bytes, purpose)
        expected = case tag
                   when :value then [:value, payload.inspect]
                   when :serialization then [:raise, payload.class.name]
                   when :raise then [:raise, payload]
                   else [:raise, "InvalidSignature"]
                   end
        got = begin
          [:value, verifier.verify(token, purpose: purpose).inspect]
        rescue TokenOxide::MessageVerifier::InvalidSignature
          [:raise, "InvalidSignature"]
        rescue StandardError => e
          [:raise, e.class.name]
        end
        expect(got).to eq(expected), "#{bytes.inspect} purpose #{purpose.inspect}"
        expect(verifier.verified(token, purpose: purpose)).to be_nil if expected == [:raise, "InvalidSignature"]
      end
    end
  end

  [[:json, payloads], [null_serializer, passthrough_payloads]].each do |serializer, payloads|
  it "reads as ActiveSupport #{ActiveSupport::VERSION::STRING}'s own MessageVerifier reads, serializer #{serializer} (Rails 7.x)" do
    skip "Active Support 6.1 reads its legacy envelope in another order (see differential_fuzz_spec.rb)" if ActiveSupport::VERSION::MAJOR < 7

    ours = TokenOxide::MessageVerifier.new(secret, digest: "SHA256", serializer: serializer)
    rails = ActiveSupport::MessageVerifier.new(secret, digest: "SHA256", serializer: serializer)
    outcome = lambda do |&read|
      [:value, read.call.inspect]
    rescue ActiveSupport::MessageVerifier::InvalidSignature
      [:raise, "InvalidSignature"]
    rescue StandardError => e
      [:raise, e.class.name]
    end
    # Before 7.2.3 the inner base64 is not retried with the other alphabet
    # (this library follows 7.2.3+, as differential_fuzz_spec.rb notes).
    retries = ActiveSupport.gem_version >= Gem::Version.new("7.2.3")
    url_safe = messages.fetch("url-safe base64 of JSON")
    payloads.product(purposes).each do |bytes, purpose|
      next if !retries && bytes.include?(url_safe)

      token = ours.send(:__sign_serialized, bytes)
      expect(outcome.call { ours.verify(token, purpose: purpose) })
        .to eq(outcome.call { rails.verify(token, purpose: purpose) }), "#{bytes.inspect} purpose #{purpose.inspect}"
    end
  end
  end

  it "reads what it writes, with the buffer reused across calls of different sizes" do
    verifier = TokenOxide::MessageVerifier.new(secret, digest: "SHA256", serializer: :json,
                                                       force_legacy_metadata_serializer: true)
    [{ "a" => 1 }, { "big" => "x" * 70_000 }, "small", { "b" => [1, 2] }].each do |value|
      token = verifier.generate(value, purpose: "login", expires_in: 60)
      expect(Base64.strict_decode64(token.split("--").first)).to start_with('{"_rails":{"message":"')
      expect(verifier.verified(token, purpose: "login")).to eq(value)
      expect(verifier.verified(token, purpose: "other")).to be_nil
    end
  end
end
