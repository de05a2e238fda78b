# frozen_string_literal: true

# A taste of `rake hardening` (which runs the full counts): fork safety,
# uniform symbols, and a timing-leak test with an A/A and a leaky control.
require_relative "../../hardening/support"
require_relative "../../hardening/dudect"

section "Hardening (short run; `rake hardening` has the full counts)" do
  h = TokenOxideHardening
  if Process.respond_to?(:fork)
    r = h.fork_tokens(children: 200, per_child: 5)
    show "200 forked children", "#{r[:tokens]} tokens, #{r[:duplicates]} repeats"
  end
  r = h.thread_mix(threads: 8, iterations: 2_000)
  show "8 threads x 2,000 mixed operations", "#{r[:wrong].values.sum} wrong, #{r[:errors].size} errors"
  h.randomness(1_000_000).each do |c|
    show "chi-square #{c[:name]} (1M chars)", format("%.1f on %d d.o.f. (p = %.2f)", c[:chi_square], c[:dof], c[:p])
  end
  control = h.biased_control(1_000_000)
  show "chi-square of byte % 58 (control)", format("%.0f (p = %.1g: %s)", control[:chi_square], control[:p],
                                                   control[:p] < 1e-6 ? "the bias is caught" : "not caught")

  # Sound timing method (hardening/timing.rb): a pool of buffers per class
  # built by the same code, an A/A control, several rounds, median |t|.
  d = h::Dudect
  samples = ENV["DEMO_FAST"] ? 40_000 : 150_000
  report = d.secure_compare(1024, samples: samples / 3, rounds: 3)
  show "secure_compare (1 KiB): equal/first/last byte", format("median |t| = %.2f, A/A control %.2f: %s",
                                                             report.worst, report.noise, report.verdict)
  leaky = d.leaky_control(samples: samples / 3, rounds: 3)
  show "String#== (early exit, control)", format("median |t| = %.1f, A/A control %.2f: %s", leaky.worst, leaky.noise,
                                                 leaky.leak? ? "the leak is caught" : "NOT caught")
end
