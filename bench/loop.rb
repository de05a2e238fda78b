# frozen_string_literal: true

# A bare loop of one message codec call, for profiling (`perf record -g
# ruby bench/loop.rb gen`) and for before/after timings that benchmark-ips
# cannot resolve on a loaded machine:
#
#   ruby bench/loop.rb gen|ver|enc|dec [CALLS]   # prints µs and objects per call
#
# gen/ver: a `:json` SHA256 MessageVerifier, the bench's small payload,
# purpose + expires_in (the 7.1+ envelope on Active Support 7.1+ with the 7.1
# switch, else 6.1's). enc/dec: an AES-256-GCM `:json` MessageEncryptor and
# the same payload without metadata.
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "token_oxide"
require_relative "fixtures"

mode = ARGV.fetch(0, "gen")
abort "usage: ruby bench/loop.rb gen|ver|enc|dec [CALLS]" unless %w[gen ver enc dec].include?(mode)
calls = Integer(ARGV.fetch(1, 1_000_000))
verifier = TokenOxide::MessageVerifier.new(TokenOxideBench::Fixtures::SECRET, digest: "SHA256", serializer: :json)
value = TokenOxideBench::Fixtures.small_payload
token = verifier.generate(value, purpose: "password_reset", expires_in: 900)
abort "the token does not verify" unless verifier.verified(token, purpose: "password_reset") == value
encryptor = TokenOxide::MessageEncryptor.new(TokenOxideBench::Fixtures::KEY32, cipher: "aes-256-gcm", serializer: :json)
message = encryptor.encrypt_and_sign(value)
abort "the message does not decrypt" unless encryptor.decrypt_and_verify(message) == value

GC.start
allocated = GC.stat(:total_allocated_objects)
started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
i = 0
case mode
when "gen"
  while i < calls
    verifier.generate(value, purpose: "password_reset", expires_in: 900)
    i += 1
  end
when "ver"
  while i < calls
    verifier.verified(token, purpose: "password_reset")
    i += 1
  end
when "enc"
  while i < calls
    encryptor.encrypt_and_sign(value)
    i += 1
  end
else
  while i < calls
    encryptor.decrypt_and_verify(message)
    i += 1
  end
end
elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
printf("%s: %.3f µs/call, %.2f objects/call (%d calls)\n", mode, elapsed / calls * 1e6,
       (GC.stat(:total_allocated_objects) - allocated).to_f / calls, calls)
