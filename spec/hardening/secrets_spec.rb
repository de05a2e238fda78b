# frozen_string_literal: true

require "openssl"

# Keys must never show up in inspect/to_s or in exception messages. Classes
# that hold a key are checked as they exist; a class not yet in the gem is
# skipped with a note. (Key buffers being wiped on drop is tested in Rust:
# digest::tests::hmac_key_is_wiped_on_drop, random::tests::generator_state_is_wiped_on_drop.)
RSpec.describe "Hardening: secrets stay secret" do
  secret = "S3CR3T-key-material-#{"x" * 44}"

  # Every form a leaked key could take in a message.
  def leaks?(text, secret)
    forms = [secret, secret.unpack1("H*"), [secret].pack("m0"), [secret].pack("m0").tr("+/", "-_").delete("="),
             secret.byteslice(0, 16), secret.byteslice(0, 32).unpack1("H*")]
    forms.any? { |form| text.to_s.b.include?(form.b) }
  end

  def messages_of_failures(calls)
    calls.filter_map do |call|
      call.call
      nil
    rescue StandardError => e
      "#{e.class}: #{e.message} #{e.full_message(highlight: false)}"
    end
  end

  it "Digest errors name the problem, never the key" do
    digest = TokenOxide::Digest
    messages = messages_of_failures([
      -> { digest.hmac_hexdigest("MD5", secret, "data") },
      -> { digest.hmac_digest(secret, secret, "data") },
      -> { digest.hmac_hexdigest(:nope, secret, 12) },
      -> { digest.hmac_sha256_hexdigest(secret, nil) },
      -> { digest.hmac_digest("SHA256", secret, :data) }
    ])
    expect(messages.size).to eq(5)
    messages.each { |m| expect(leaks?(m, secret)).to be(false), m }
  end

  it "constructors rejecting a key do not echo it" do
    messages = messages_of_failures([
      -> { TokenOxide::Native::TokenCipher.new(secret, secret, secret, true) },
      -> { TokenOxide::Native::TokenCipher.new(secret.byteslice(0, 32), "short", secret, true) },
      -> { TokenOxide::Native.aes256_gcm_encrypt(secret, "i" * 12, "", "x") },
      -> { TokenOxide::Native.aes256_cbc_decrypt(secret, "i" * 16, "x" * 16) },
      -> { TokenOxide::Native::KeyGenerator.new(secret, 0, "SHA256") },
      -> { TokenOxide::Native.pbkdf2_hmac(secret, "salt", 1, 32, secret) },
      -> { TokenOxide::KeyGenerator.new(secret, iterations: 10, hash_digest_class: secret) }
    ])
    messages.each { |m| expect(leaks?(m, secret)).to be(false), m }
    expect(messages.size).to eq(7)
  end

  it "compare errors do not echo the compared secret" do
    messages = messages_of_failures([-> { TokenOxide.fixed_length_secure_compare(secret, "short") }])
    expect(messages.size).to eq(1)
    expect(leaks?(messages.first, secret)).to be(false)
  end

  {
    "TokenOxide::MessageVerifier" => ->(s) { TokenOxide::MessageVerifier.new(s) },
    "TokenOxide::MessageEncryptor" => ->(s) { TokenOxide::MessageEncryptor.new(s.byteslice(0, 32)) },
    "TokenOxide::KeyGenerator" => ->(s) { TokenOxide::KeyGenerator.new(s, iterations: 10) },
    "TokenOxide::CachingKeyGenerator" => ->(s) { TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(s, iterations: 10)) },
    "TokenOxide::Native::KeyGenerator" => ->(s) { TokenOxide::Native::KeyGenerator.new(s, 10, "SHA256") },
    "TokenOxide::Native::TokenCipher" => ->(s) { TokenOxide::Native::TokenCipher.new(s.byteslice(0, 32), s, s, true) }
  }.each do |name, build|
    describe name do
      before { skip "#{name} is not in this build yet" unless Object.const_defined?(name) }

      it "does not show its key in inspect, to_s or pretty_inspect" do
        object = build.call(secret)
        require "pp"
        [object.inspect, object.to_s, object.pretty_inspect].each do |text|
          expect(leaks?(text, secret)).to be(false), text
        end
      end

      it "does not show its key in the messages of its errors" do
        object = build.call(secret)
        bad_calls = {
          verify: [["bogus--message"], [nil]], verified: [[12]],
          decrypt_and_verify: [["bogus--data--tag"], [12]],
          generate_key: [[nil], ["salt", -1]],
          encrypt: [[nil]], decrypt: [[12]]
        }
        attempts = bad_calls.select { |m, _| object.respond_to?(m) }
                            .flat_map { |m, arg_lists| arg_lists.map { |args| -> { object.public_send(m, *args) } } }
        messages = messages_of_failures(attempts)
        expect(messages).not_to be_empty
        messages.each { |m| expect(leaks?(m, secret)).to be(false), m }
      end
    end
  end
end
