# frozen_string_literal: true

# dudect-style timing test through Ruby: the same three input classes as the
# Rust example (equal / first byte different / last byte different), samples
# interleaved in random order, each timed with CLOCK_MONOTONIC in
# nanoseconds around a few calls, compared pairwise with Welch's t after
# cropping at the 90th percentile. Ruby's own String#== (memcmp, early exit)
# on 4 KiB strings runs as a control that should show a leak.
#
#   ruby hardening/dudect.rb [SAMPLES]   (default 300,000 per target)
require_relative "support"

module TokenOxideHardening
  module Dudect
    module_function

    CLASSES = %w[equal first-byte-different last-byte-different].freeze
    CALLS = 4

    # Fresh buffers (String#dup would share the secret's memory).
    def copy(s) = s.bytes.pack("C*").force_encoding(s.encoding)

    def class_inputs(secret)
      first = copy(secret)
      first.setbyte(0, first.getbyte(0) ^ 1)
      last = copy(secret)
      last.setbyte(last.bytesize - 1, last.getbyte(-1) ^ 0x80)
      [copy(secret), first, last]
    end

    # For signatures in text form: swap the first or last character for
    # another one of the same alphabet, so no class fails a format check.
    def text_class_inputs(signature)
      swap = ->(c) { c == "a" ? "b" : "a" }
      [copy(signature), swap.call(signature[0]) + signature[1..], signature[0..-2] + swap.call(signature[-1])]
    end

    def measure(samples, inputs, &run)
      order = TokenOxide.random_bytes(samples).bytes.map { |b| b % 3 }
      times = [[], [], []]
      30_000.times { |i| run.call(inputs[i % 3]) }
      order.each do |c|
        input = inputs[c]
        t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
        run.call(input)
        run.call(input)
        run.call(input)
        run.call(input)
        times[c] << Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - t0
      end
      times
    end

    # Welch t between classes i and j, on all samples and cropped at the
    # pooled 90th percentile; the larger in magnitude.
    def pair_t(times, i, j)
      limit = (times[i] + times[j]).sort[((times[i].size + times[j].size) * 0.9).to_i]
      [TokenOxideHardening.welch_t(times[i], times[j]),
       TokenOxideHardening.welch_t(times[i].select { |v| v <= limit }, times[j].select { |v| v <= limit })].max_by(&:abs)
    end

    # +counted+: the class pairs that must not differ. Where a valid input
    # does more work than an invalid one (the answer itself differs, which is
    # no secret), only the two invalid classes are compared with each other.
    def report(name, times, counted: [[0, 1], [0, 2], [1, 2]])
      limit = times.flatten.sort[(times.sum(&:size) * 0.9).to_i]
      medians = times.map { |t| t.sort[t.size / 2].fdiv(CALLS).round(1) }
      puts "#{name}: #{times.sum(&:size)} samples x #{CALLS} calls; median ns/call #{medians.join(" / ")} (#{CLASSES.join(" / ")})"
      worst = [[0, 1], [0, 2], [1, 2]].map do |i, j|
        t_all = TokenOxideHardening.welch_t(times[i], times[j])
        t_crop = TokenOxideHardening.welch_t(times[i].select { |v| v <= limit }, times[j].select { |v| v <= limit })
        note = counted.include?([i, j]) ? "" : "   (not counted: a valid message does more work)"
        puts format("  %20s vs %-20s t = %8.2f   cropped at p90: t = %8.2f%s", CLASSES[i], CLASSES[j], t_all, t_crop, note)
        counted.include?([i, j]) ? [t_all.abs, t_crop.abs].max : 0.0
      end.max
      puts format("  => max |t| = %.2f (%s)", worst, worst < 4.5 ? "no leak detected" : "LEAK")
      worst
    end

    def run(samples)
      results = {}
      [32, 1024].each do |len|
        secret = TokenOxide.random_bytes(len)
        inputs = class_inputs(secret)
        name = "TokenOxide.secure_compare (#{len} bytes)"
        results[name] = report(name, measure(samples, inputs) { |x| TokenOxide.secure_compare(secret, x) })
      end

      key = TokenOxide.random_bytes(64)
      data = TokenOxide.base58(100)
      signature = OpenSSL::HMAC.hexdigest("SHA256", key, data)
      inputs = text_class_inputs(signature)
      name = "HMAC-SHA256 hex signature check"
      results[name] = report(name, measure(samples / 2, inputs) do |provided|
        TokenOxide.secure_compare(TokenOxide::Digest.hmac_sha256_hexdigest(key, data), provided)
      end)

      if defined?(TokenOxide::MessageVerifier)
        verifier = TokenOxide::MessageVerifier.new(key)
        message = verifier.generate(data)
        body, digest = message.split("--", 2)
        tampered = text_class_inputs(digest).map { |d| "#{body}--#{d}" }
        name = "MessageVerifier#valid_message?"
        results[name] = report(name, measure(samples / 2, tampered) { |m| verifier.valid_message?(m) }, counted: [[1, 2]])
      end

      secret = "k" * 4096
      inputs = class_inputs(secret)
      control = report("CONTROL String#== (4096 bytes, expected to leak)", measure(samples, inputs) { |x| secret == x })

      puts "\nsummary (|t| < 4.5 passes):"
      results.each { |n, t| puts format("  %-40s max |t| = %.2f", n, t) }
      puts format("  %-40s max |t| = %.2f (control; should be large)", "String#== control", control)
      [results, control]
    end
  end
end

TokenOxideHardening::Dudect.run(Integer(ARGV.fetch(0, 300_000))) if $PROGRAM_NAME == __FILE__
