# frozen_string_literal: true

# Does a failed token sign-in take longer when the identifier exists? The
# request handler's models (spec/token_authentication/timing_app.rb) on the
# spec suite's Rails app and SQLite database, measured in process (the
# Authenticator) and through rack-test (a whole GET answered 401), with the
# method of hardening/timing.rb, plus the leaky control (the old behaviour:
# no token check on a miss), which must be caught. Exits non-zero when a
# whole request shows a difference or a control is missed.
#
#   ruby hardening/handler_timing.rb [SAMPLES] [ROUNDS] [RACK_SAMPLES]   (defaults 30,000, 5, 15,000)
require_relative "support"
require_relative "../spec/support/rails_app"
require_relative "../spec/token_authentication/timing_app"

samples = Integer(ARGV.fetch(0, 30_000))
rounds = Integer(ARGV.fetch(1, 5))
rack_samples = Integer(ARGV.fetch(2, 15_000))

TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = "handler-timing-secret" }
TokenTimingApp.setup!

reports = []
%i[member client].each do |target|
  reports << TokenTimingApp.in_process(target, samples: samples / rounds, rounds: rounds)
  reports << TokenTimingApp.through_rack(target, samples: rack_samples / rounds, rounds: rounds)
end
controls = [TokenTimingApp.leaky_control(:client, samples: samples / rounds, rounds: rounds),
            TokenTimingApp.through_rack(:client, samples: 3 * rack_samples / rounds, rounds: rounds,
                                                 controller: "TtLeakyClientsController")]
(reports + controls).each { |r| puts r.lines, "" }

puts "summary (known vs unknown identifier, wrong token; median |t| over #{rounds} rounds; bar #{TokenOxideHardening::Timing::BAR}):"
reports.each { |r| puts format("  %-66s |t| = %6.2f   A/A %5.2f   %s", r.name, r.worst, r.noise, r.verdict) }
controls.each do |control|
  puts format("  %-66s |t| = %6.2f   A/A %5.2f   %s", control.name, control.worst, control.noise,
              control.leak? ? "caught" : "NOT CAUGHT")
end
# The exit status follows what a client can see: whole requests (rack-test)
# and the controls. In process, the lookup itself (a row or none) remains and
# may show (README, "Timing"): reported above, not counted.
requests = reports.select { |r| r.name.include?("through rack-test") }
exit(requests.none?(&:leak?) && controls.all?(&:leak?) ? 0 : 1)
