# frozen_string_literal: true

require_relative "support"
require "json"
require "timeout"
require "tempfile"
require "openssl"

# Calls every public method of the gem with hostile arguments, each method's
# batch in a forked child, so a crash (signal, abort) or a hang is reported
# as a finding instead of killing the caller. Acceptable outcomes: a return
# value, or a StandardError with a non-empty message that does not mention a
# Rust panic (for the 10k-deep values also SystemStackError, which
# ActiveSupport's recursive JSON encoder raises for them).
module TokenOxideHardening
  module BadInput
    module_function

    TEN_MB = 10 * 1024 * 1024
    DEPTH = 10_000

    def nested_array(depth) = (1..depth).inject([]) { |inner, _| [inner] }
    def nested_hash(depth) = (1..depth).inject({}) { |inner, _| { "a" => inner } }

    # Named hostile values; Procs so each child builds its own.
    def probes
      {
        "nil" => -> {},
        "Integer" => -> { 7 },
        "negative Integer" => -> { -1 },
        "Bignum" => -> { 2**80 },
        "Float" => -> { 1.5 },
        "Symbol" => -> { :sha256 },
        "empty String" => -> { +"" },
        "frozen String" => -> { "frozen-token-value" },
        "binary String" => -> { "\x00\xff\xfe token".b },
        "invalid UTF-8 String" => -> { (+"\xff\xfe\xc3(").force_encoding(Encoding::UTF_8) },
        "UTF-16 String" => -> { "token".encode(Encoding::UTF_16LE) },
        "10 MB String" => -> { "a" * TEN_MB },
        "10 MB binary String" => -> { "\xff".b * TEN_MB },
        "Array" => -> { ["a"] },
        "Hash" => -> { { "a" => 1 } },
        "Object" => -> { Object.new },
        "10k-deep Array" => -> { nested_array(DEPTH) },
        "10k-deep Hash" => -> { nested_hash(DEPTH) },
        "10k-deep JSON text" => -> { ("[" * DEPTH) + ("]" * DEPTH) },
        "10k-deep JSON, base64" => -> { [("[" * DEPTH) + ("]" * DEPTH)].pack("m0") }
      }
    end

    SECRET = ("s" * 64).freeze
    KEY32 = ("k" * 32).freeze

    # How to build a working instance of each class of the gem, so its
    # instance methods can be probed. A class missing here is reported by
    # unprobed_classes (and the spec fails), so new classes get covered.
    def builders
      {
        "TokenOxide::KeyGenerator" => -> { TokenOxide::KeyGenerator.new(SECRET, iterations: 10, hash_digest_class: OpenSSL::Digest::SHA256) },
        "TokenOxide::CachingKeyGenerator" => -> { TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(SECRET, iterations: 10)) },
        "TokenOxide::Native::KeyGenerator" => -> { TokenOxide::Native::KeyGenerator.new(SECRET, 10, "SHA256") },
        "TokenOxide::Native::TokenCipher" => -> { TokenOxide::Native::TokenCipher.new(KEY32, SECRET, SECRET, true) },
        "TokenOxide::MessageVerifier" => -> { TokenOxide::MessageVerifier.new(SECRET) },
        "TokenOxide::MessageEncryptor" => -> { TokenOxide::MessageEncryptor.new(KEY32) },
        "TokenOxide::DeviseTokenGenerator" => lambda {
          TokenOxide::DeviseTokenGenerator.new(TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(SECRET, iterations: 10)))
        },
        "TokenOxide::LazyVerifier" => -> { TokenOxide::LazyVerifier.new { TokenOxide::MessageVerifier.new(SECRET) } },
        "TokenOxide::Configuration" => -> { TokenOxide::Configuration.new }
      }
    end

    # Working arguments where "abc" would fail the first check (key sizes),
    # so probing a later argument reaches the code behind that check.
    def good_native_args
      iv = "i" * 12
      ciphertext, tag = TokenOxide::Native.aes256_gcm_encrypt(KEY32, iv, "", "plain")
      {
        "TokenOxide::Native.aes256_gcm_encrypt" => [KEY32, iv, "", "plain"],
        "TokenOxide::Native.aes256_gcm_decrypt" => [KEY32, iv, "", ciphertext, tag],
        "TokenOxide::Native.aes256_cbc_encrypt" => [KEY32, "i" * 16, "plain"],
        "TokenOxide::Native.aes256_cbc_decrypt" => [KEY32, "i" * 16, TokenOxide::Native.aes256_cbc_encrypt(KEY32, "i" * 16, "plain")],
        "TokenOxide::Native.pbkdf2_hmac" => [SECRET, "salt", 10, 32, "SHA256"],
        "TokenOxide::Native.gitlab_fit_key" => [SECRET, 32, true],
        "TokenOxide::Native::TokenCipher.new" => [KEY32, SECRET, SECRET, true],
        "TokenOxide::Native::KeyGenerator.new" => [SECRET, 10, "SHA256"],
        "TokenOxide::KeyGenerator.new" => [SECRET, { iterations: 10 }],
        "TokenOxide::KeyGenerator.hash_digest_class=" => [OpenSSL::Digest::SHA1],
        "TokenOxide::CachingKeyGenerator.new" => [TokenOxide::KeyGenerator.new(SECRET, iterations: 10)],
        "TokenOxide::MessageVerifier.new" => [SECRET],
        "TokenOxide::MessageEncryptor.new" => [KEY32],
        "TokenOxide::DeviseTokenGenerator.new" => [TokenOxide::KeyGenerator.new(SECRET, iterations: 10)]
      }
    end

    # Good arguments for instance methods whose first argument must be a
    # valid message for anything past the first check to run.
    def good_instance_args(object, name)
      case name
      when :verify, :verified, :valid_message? then [object.generate("value")] if object.respond_to?(:generate)
      when :decrypt_and_verify then [object.encrypt_and_sign("value")]
      when :decrypt then [object.encrypt("token")] if object.respond_to?(:encrypt)
      when :generate_key then ["salt", 32]
      end
    end

    # Every class (not exception) defined under TokenOxide and TokenOxide::Native.
    def gem_classes
      [TokenOxide, TokenOxide::Native].flat_map do |mod|
        mod.constants.map { |c| mod.const_get(c) }.grep(Class).reject { |k| k <= Exception || railtie?(k) }
      end.uniq
    end

    # The Railtie is boot-time wiring with no API to call (loaded only with Rails).
    def railtie?(klass)
      defined?(::Rails::Railtie) && klass <= ::Rails::Railtie
    end

    def unprobed_classes = gem_classes.map(&:name) - builders.keys

    # [label, receiver-builder, method, good arguments, good keywords]: every
    # singleton method of the gem's modules and classes, and every public
    # instance method of its classes.
    def targets
      list = []
      ([TokenOxide, TokenOxide::Native, TokenOxide::Digest] + gem_classes).each do |mod|
        mod.singleton_methods(false).sort.each do |name|
          method = mod.method(name)
          label = "#{mod}.#{name}"
          list << [label, -> { mod }, name, good_native_args[label] || good_args(method), good_keywords(method)]
        end
      end
      gem_classes.each do |klass|
        build = builders[klass.name] or next
        unless klass.singleton_methods(false).include?(:new)
          list << ["#{klass}.new", -> { klass }, :new, good_native_args["#{klass}.new"] || good_args(klass.instance_method(:initialize)), {}]
        end
        klass.public_instance_methods(false).sort.each do |name|
          next if %i[inspect to_s].include?(name)

          method = klass.instance_method(name)
          args = good_instance_args(build.call, name) || good_args(method)
          list << ["#{klass}##{name}", build, name, args, good_keywords(method)]
        end
      end
      list
    end

    # Plausible arguments for a method: lengths where a length is expected,
    # "abc" elsewhere (an algorithm name where the name says so).
    def good_args(method)
      count = method.parameters.count { |kind, _| kind == :req }
      name = method.name.to_s
      Array.new(count) do |i|
        if i.zero? && (name.include?("hexdigest") || name.include?("base64digest") || name.include?("hmac_digest")) && !name.start_with?("sha256", "hmac_sha256")
          "SHA256"
        elsif i.zero? && %w[random_token random_bytes].include?(name)
          8
        else
          "abc"
        end
      end
    end

    # Required keywords get a working value ("abc" is a usable alphabet).
    def good_keywords(method)
      method.parameters.select { |kind, _| kind == :keyreq }.to_h { |_, key| [key, "abc"] }
    end

    # Runs one target's probes in a forked child; returns findings (Strings).
    def check(label, receiver, name, args, keywords = {}, timeout: 60)
      reader, writer = IO.pipe
      crash_log = Tempfile.new("token_oxide_probe")
      pid = fork do
        reader.close
        writer.sync = true
        $stderr.reopen(crash_log.path, "w") # a crash report belongs in the finding, not the terminal
        object = receiver.call
        # An argument index, a keyword, or nil (append one argument).
        positions = (args.empty? ? [nil] : args.each_index.to_a) + keywords.keys
        positions.each do |pos|
          probes.each do |probe, value|
            call_args = args.dup
            call_keywords = keywords.dup
            case pos
            when Integer then call_args[pos] = value.call
            when Symbol then call_keywords[pos] = value.call
            else call_args << value.call
            end
            writer.puts(JSON.generate(["start", pos, probe]))
            outcome = begin
              object.public_send(name, *call_args, **call_keywords)
              "returned"
            rescue StandardError => e
              e.message.to_s.empty? || e.message.include?("panick") ? "bad error #{e.class}: #{e.message[0, 200]}" : "raised"
            rescue SystemStackError => e
              probe.start_with?("10k-deep") ? "raised" : "non-StandardError #{e.class}: #{e.message[0, 200]}"
            rescue Exception => e # rubocop:disable Lint/RescueException
              "non-StandardError #{e.class}: #{e.message[0, 200]}"
            end
            writer.puts(JSON.generate(["done", pos, probe, outcome]))
          end
        end
        exit!(0)
      end
      writer.close
      events = []
      status = nil
      begin
        Timeout.timeout(timeout) do
          reader.each_line { |line| events << JSON.parse(line) }
          _, status = Process.wait2(pid)
        end
      rescue Timeout::Error
        Process.kill(:KILL, pid)
        Process.wait(pid)
        last = events.last
        return ["#{label}: HANG (over #{timeout}s) at argument #{last&.dig(1)} = #{last&.dig(2)}"]
      ensure
        reader.close
      end
      findings = events.select { |e| e[0] == "done" && !%w[returned raised].include?(e[3]) }
                       .map { |e| "#{label}(arg #{e[1]} = #{e[2]}): #{e[3]}" }
      unless status.success?
        last = events.last
        report = File.read(crash_log.path)[/^.*(\[BUG\]|panicked|error).*$/i]
        findings << "#{label}: CRASH (#{status}) during argument #{last&.dig(1)} = #{last&.dig(2)}#{": #{report.strip}" if report}"
      end
      crash_log.close!
      findings
    end

    # All targets; returns [calls made, findings].
    def run(timeout: 60)
      findings = []
      calls = 0
      targets.each do |label, receiver, name, args, keywords|
        keywords ||= {}
        calls += ([args.size, 1].max + keywords.size) * probes.size
        findings.concat(check(label, receiver, name, args, keywords, timeout: timeout))
      end
      [calls, findings]
    end
  end
end
