# frozen_string_literal: true

require_relative "../../hardening/dudect"

# Short version of `rake hardening:constant_time` (method: hardening/timing.rb).
# The bar is generous (median |t| over rounds below 10, where dudect's own is
# 4.5) so a loaded CI machine does not fail it; the A/A control shows the
# measurement is sound, and the early-exit control shows it can fail.
RSpec.describe "Hardening: timing of secret comparisons" do
  d = TokenOxideHardening::Dudect
  bar = 10

  # Retaken while the A/A control says the machine was busy, or while the
  # verdict is not yet the expected one (Timing.quiet: a real leak fails all
  # three takes, a burst of load on a shared machine fails one).
  define_method(:quiet) { |passes = nil, &measure| TokenOxideHardening::Timing.quiet(bar, passes: passes, &measure) }
  no_leak = ->(report) { report.worst < bar }

  define_method(:expect_no_leak) do |report|
    detail = report.lines.join("\n")
    expect(report.noise).to be < bar, "A/A control too noisy to judge:\n#{detail}"
    expect(report.worst).to be < bar, detail
  end

  it "TokenOxide.secure_compare takes the same time wherever the inputs differ (1 KiB)" do
    expect_no_leak(quiet(no_leak) { d.secure_compare(1024, samples: 40_000, rounds: 3) })
  end

  it "the HMAC signature check does too" do
    expect_no_leak(quiet(no_leak) { d.hmac_check(samples: 20_000, rounds: 3) })
  end

  it "catches String#== (early exit), so the measurement can see a leak" do
    report = quiet(->(r) { r.worst > 2 * bar }) { d.leaky_control(samples: 40_000, rounds: 3) }
    expect(report.noise).to be < bar, report.lines.join("\n")
    expect(report.worst).to be > 2 * bar, report.lines.join("\n")
  end

  it "reports every round of every pair and of the A/A control" do
    report = d.secure_compare(32, samples: 20_000, rounds: 3)
    expect(report.control).to eq([d::EQUAL, d::EQUAL_AGAIN])
    expect(report.rounds.size).to eq(3)
    expect(report.rounds).to all(include(*report.pairs, report.control))
  end
end
