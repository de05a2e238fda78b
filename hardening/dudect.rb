# frozen_string_literal: true

# dudect-style timing test through Ruby (method: hardening/timing.rb): for
# each secret comparison, inputs equal / first byte different / last byte
# different, each class drawn from its own pool of buffers made by the same
# code, an A/A control (a second "equal" class), several rounds, and a
# verdict from the median |t|. Ruby's own String#== (memcmp, early exit) on
# 4 KiB strings runs as a control that must be caught.
#
#   ruby hardening/dudect.rb [SAMPLES] [ROUNDS]   (default 300,000 samples per comparison, 5 rounds)
require_relative "support"
require_relative "timing"

module TokenOxideHardening
  module Dudect
    module_function

    EQUAL = "equal"
    EQUAL_AGAIN = "equal (A/A copy)"
    FIRST = "first byte different"
    LAST = "last byte different"
    PAIRS = [[EQUAL, FIRST], [EQUAL, LAST], [FIRST, LAST]].freeze
    CONTROL = [EQUAL, EQUAL_AGAIN].freeze
    CALLS = 4

    # Fresh buffers (String#dup would share the secret's memory).
    def copy(s) = s.bytes.pack("C*").force_encoding(s.encoding)

    # One builder for every class, so the classes differ only in the byte:
    # a fresh copy of +secret+ whose byte at +pos+ is XORed with +mask+.
    def variant(secret, pos, mask)
      lambda do |_|
        buffer = copy(secret)
        buffer.setbyte(pos, buffer.getbyte(pos) ^ mask)
        buffer
      end
    end

    # The same for text (hex signatures): swap the character at +pos+ for
    # another of the alphabet, or write it back unchanged.
    def text_variant(text, pos, swap)
      lambda do |_|
        buffer = copy(text)
        c = buffer.getbyte(pos)
        buffer.setbyte(pos, swap ? (c == 97 ? 98 : 97) : c)
        buffer
      end
    end

    def byte_classes(secret)
      { EQUAL => variant(secret, 0, 0), EQUAL_AGAIN => variant(secret, 0, 0),
        FIRST => variant(secret, 0, 1), LAST => variant(secret, -1, 0x80) }
    end

    def text_classes(text)
      { EQUAL => text_variant(text, 0, false), EQUAL_AGAIN => text_variant(text, 0, false),
        FIRST => text_variant(text, 0, true), LAST => text_variant(text, -1, true) }
    end

    def secure_compare(len, samples:, rounds:)
      secret = TokenOxide.random_bytes(len)
      Timing.compare("TokenOxide.secure_compare (#{len} bytes)", byte_classes(secret), pairs: PAIRS, control: CONTROL,
                     samples: samples, rounds: rounds, calls: CALLS, gc: false) { |x| TokenOxide.secure_compare(secret, x) }
    end

    def hmac_check(samples:, rounds:)
      key = TokenOxide.random_bytes(64)
      data = TokenOxide.base58(100)
      signature = OpenSSL::HMAC.hexdigest("SHA256", key, data)
      Timing.compare("HMAC-SHA256 hex signature check", text_classes(signature), pairs: PAIRS, control: CONTROL,
                     samples: samples, rounds: rounds, calls: CALLS) do |provided|
        TokenOxide.secure_compare(TokenOxide::Digest.hmac_sha256_hexdigest(key, data), provided)
      end
    end

    # A valid message does more work than a tampered one (it is decoded),
    # which is no secret: only tampered classes are compared, and the A/A
    # control is two copies of one tampered class.
    def valid_message(samples:, rounds:)
      verifier = TokenOxide::MessageVerifier.new(TokenOxide.random_bytes(64))
      body, signature = verifier.generate(TokenOxide.base58(100)).split("--", 2)
      tampered = text_classes(signature).transform_values { |builder| ->(i) { "#{body}--#{builder.call(i)}" } }
      classes = { FIRST => tampered[FIRST], "#{FIRST} (A/A copy)" => tampered[FIRST], LAST => tampered[LAST] }
      Timing.compare("MessageVerifier#valid_message? (tampered signatures)", classes, pairs: [[FIRST, LAST]],
                     control: [FIRST, "#{FIRST} (A/A copy)"], samples: samples, rounds: rounds, calls: CALLS) do |m|
        verifier.valid_message?(m)
      end
    end

    # String#== stops at the first difference: must be caught.
    def leaky_control(samples:, rounds:)
      secret = "k" * 4096
      Timing.compare("CONTROL String#== (4096 bytes, early exit: must be caught)", byte_classes(secret), pairs: PAIRS,
                     control: CONTROL, samples: samples, rounds: rounds, calls: CALLS, gc: false) { |x| secret == x }
    end

    def run(samples, rounds = 5)
      per_round = [samples / rounds, 1_000].max
      reports = [secure_compare(32, samples: per_round, rounds: rounds),
                 secure_compare(1024, samples: per_round, rounds: rounds),
                 hmac_check(samples: per_round / 2, rounds: rounds)]
      reports << valid_message(samples: per_round / 2, rounds: rounds) if defined?(TokenOxide::MessageVerifier)
      control = leaky_control(samples: per_round, rounds: rounds)
      (reports + [control]).each { |r| puts r.lines, "" }

      puts "summary (median |t| over #{rounds} rounds; bar #{Timing::BAR}):"
      reports.each { |r| puts format("  %-55s |t| = %6.2f   A/A %5.2f   %s", r.name, r.worst, r.noise, r.verdict) }
      puts format("  %-55s |t| = %6.2f   A/A %5.2f   %s", control.name, control.worst, control.noise,
                  control.leak? ? "caught" : "NOT CAUGHT (the measurement cannot see a real leak)")
      [reports, control]
    end
  end
end

if $PROGRAM_NAME == __FILE__
  reports, control = TokenOxideHardening::Dudect.run(Integer(ARGV.fetch(0, 300_000)), Integer(ARGV.fetch(1, 5)))
  exit(reports.none?(&:leak?) && control.leak? ? 0 : 1)
end
