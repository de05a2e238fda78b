# frozen_string_literal: true

require_relative "support"
require "json"
require "timeout"
require "tempfile"

# Calls every public method of the gem with hostile arguments, each method's
# batch in a forked child, so a crash (signal, abort) or a hang is reported
# as a finding instead of killing the caller. Acceptable outcomes: a return
# value, or a StandardError with a non-empty message that does not mention a
# Rust panic.
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

    # [label, receiver-builder, method, good arguments, good keywords]. Every singleton
    # method of the gem's modules is listed automatically; instance methods
    # of key-holding classes are added when those classes exist.
    def targets
      list = []
      [TokenOxide, TokenOxide::Native, TokenOxide::Digest].each do |mod|
        mod.singleton_methods(false).sort.each do |name|
          list << ["#{mod}.#{name}", -> { mod }, name, good_args(mod.method(name)), good_keywords(mod.method(name))]
        end
      end
      secret = "s" * 64
      if defined?(TokenOxide::MessageVerifier)
        build = -> { TokenOxide::MessageVerifier.new(secret) }
        %i[generate verify verified valid_message?].each do |m|
          list << ["MessageVerifier##{m}", build, m, [m == :generate ? "value" : build.call.generate("value")]]
        end
        list << ["MessageVerifier.new", -> { TokenOxide::MessageVerifier }, :new, [secret]]
      end
      if defined?(TokenOxide::MessageEncryptor)
        build = -> { TokenOxide::MessageEncryptor.new(secret.byteslice(0, 32)) }
        list << ["MessageEncryptor#encrypt_and_sign", build, :encrypt_and_sign, ["value"]]
        list << ["MessageEncryptor#decrypt_and_verify", build, :decrypt_and_verify, [build.call.encrypt_and_sign("value")]]
        list << ["MessageEncryptor.new", -> { TokenOxide::MessageEncryptor }, :new, [secret.byteslice(0, 32)]]
      end
      if defined?(TokenOxide::KeyGenerator)
        list << ["KeyGenerator#generate_key", -> { TokenOxide::KeyGenerator.new(secret, iterations: 10) }, :generate_key, ["salt", 32]]
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
