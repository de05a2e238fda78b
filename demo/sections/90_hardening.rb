# frozen_string_literal: true

# A taste of `rake hardening` (which runs the full counts): fork safety,
# uniform symbols, and a timing-leak test with a leaky control.
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

  d = h::Dudect
  secret = TokenOxide.random_bytes(1024)
  inputs = d.class_inputs(secret)
  times = d.measure(ENV["DEMO_FAST"] ? 40_000 : 150_000, inputs) { |x| TokenOxide.secure_compare(secret, x) }
  verdict = ->(t) { t.abs < 4.5 ? "no leak seen" : "leak detected" }
  t = d.pair_t(times, 1, 2)
  show "secure_compare: first vs last byte", format("Welch t = %.2f (%s)", t, verdict.call(t))
  copy = d.copy("k" * 4096)
  leaky = d.measure(ENV["DEMO_FAST"] ? 40_000 : 150_000, d.class_inputs(copy)) { |x| copy == x }
  t = d.pair_t(leaky, 1, 2)
  show "String#== (early exit, control)", format("Welch t = %.1f (%s)", t, verdict.call(t))
end
