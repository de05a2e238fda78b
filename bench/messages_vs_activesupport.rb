# frozen_string_literal: true

# MessageVerifier / MessageEncryptor: token_oxide vs Debian's ActiveSupport 6.1,
# one benchmark-ips run, purpose + expiry, JSON serializer; plus Ruby objects
# allocated per generate. Run: ruby -Ilib bench/messages_vs_activesupport.rb
require "json"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/core_ext/numeric/time"
require "benchmark/ips"
require "token_oxide"

secret = "s" * 64
key = "k" * 32
value = { "user_id" => 42, "scope" => "login" }

as_verifier = ActiveSupport::MessageVerifier.new(secret, serializer: JSON)
ox_verifier = TokenOxide::MessageVerifier.new(secret, serializer: :json)
as_encryptor = ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: JSON)
ox_encryptor = TokenOxide::MessageEncryptor.new(key, cipher: "aes-256-gcm", serializer: :json)

as_token = as_verifier.generate(value, purpose: :login, expires_in: 3600)
ox_token = ox_verifier.generate(value, purpose: :login, expires_in: 3600)
as_message = as_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600)
ox_message = ox_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600)
raise "verifier round trip" unless ox_verifier.verified(ox_token, purpose: :login) == value
raise "encryptor round trip" unless ox_encryptor.decrypt_and_verify(ox_message, purpose: :login) == value

# Average objects allocated per call over 1000 calls.
def allocations(calls = 1000)
  GC.disable
  before = GC.stat(:total_allocated_objects)
  calls.times { yield }
  (GC.stat(:total_allocated_objects) - before) / calls.to_f
ensure
  GC.enable
end

hour = 1.hour

ox_verifier.generate(value, purpose: :login, expires_in: 3600) # warm up
puts format("allocations per generate (purpose + expires_in: 3600): token_oxide %.1f, ActiveSupport 6.1 %.1f",
            allocations { ox_verifier.generate(value, purpose: :login, expires_in: 3600) },
            allocations { as_verifier.generate(value, purpose: :login, expires_in: 3600) })
puts format("allocations per generate (purpose + expires_in: a 1.hour Duration): token_oxide %.1f",
            allocations { ox_verifier.generate(value, purpose: :login, expires_in: hour) })
puts format("allocations per generate (purpose only): token_oxide %.1f", allocations { ox_verifier.generate(value, purpose: :login) })
puts format("allocations per generate (no metadata): token_oxide %.1f", allocations { ox_verifier.generate(value) })
puts format("allocations per verified (purpose + expiry; the value itself is a Hash and a String): token_oxide %.1f, ActiveSupport 6.1 %.1f",
            allocations { ox_verifier.verified(ox_token, purpose: :login) },
            allocations { as_verifier.verified(as_token, purpose: :login) })

time = Float(ENV.fetch("BENCH_TIME", "2"))
pairs = {
  "verifier generate" => [-> { as_verifier.generate(value, purpose: :login, expires_in: 3600) },
                          -> { ox_verifier.generate(value, purpose: :login, expires_in: 3600) }],
  "verifier verified" => [-> { as_verifier.verified(as_token, purpose: :login) },
                          -> { ox_verifier.verified(ox_token, purpose: :login) }],
  "GCM encrypt_and_sign" => [-> { as_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600) },
                             -> { ox_encryptor.encrypt_and_sign(value, purpose: :login, expires_in: 3600) }],
  "GCM decrypt_and_verify" => [-> { as_encryptor.decrypt_and_verify(as_message, purpose: :login) },
                               -> { ox_encryptor.decrypt_and_verify(ox_message, purpose: :login) }],
}
report = Benchmark.ips(quiet: true) do |x|
  x.config(time: time, warmup: 0.5)
  pairs.each do |label, (ruby, oxide)|
    x.report("AS 6.1 #{label}", &ruby)
    x.report("token_oxide #{label}", &oxide)
  end
end
report.entries.each_slice(2) do |as_entry, ox_entry|
  label = ox_entry.label.sub("token_oxide ", "")
  puts format("%-24s AS 6.1 %10.0f i/s   token_oxide %10.0f i/s   %6.1fx", label, as_entry.stats.central_tendency,
              ox_entry.stats.central_tendency, ox_entry.stats.central_tendency / as_entry.stats.central_tendency)
end
