# frozen_string_literal: true

require_relative "../../hardening/bad_input"

# Every public method with nil, numbers, Symbols, odd Strings, 10 MB Strings
# and 10k-deep nesting, each method in a forked child (see hardening/bad_input.rb).
RSpec.describe "Hardening: hostile arguments" do
  before { skip "fork is not available" unless Process.respond_to?(:fork) }

  let(:bad) { TokenOxideHardening::BadInput }

  it "every public method answers with a value or a clear Ruby error, never a crash or hang" do
    calls, findings = bad.run(timeout: 60)
    expect(calls).to be >= 400
    expect(findings).to eq([])
  end

  it "covers every singleton method of the gem's modules and every class (a new class needs a builder)" do
    labels = bad.targets.map(&:first)
    expect(labels).to include("TokenOxide.base58", "TokenOxide.secure_compare", "TokenOxide::Digest.hmac_digest")
    expect(labels.size).to be >= TokenOxide.singleton_methods(false).size
    expect(bad.unprobed_classes).to eq([])
  end

  # The probe harness itself must notice crashes and hangs, or the test above proves nothing.
  it "reports a method that kills its process as a crash" do
    crasher = Object.new
    def crasher.call(_arg) = Process.kill(:SEGV, Process.pid)
    findings = bad.check("crasher", -> { crasher }, :call, ["x"])
    expect(findings.join).to include("CRASH")
  end

  it "reports a method that does not return as a hang" do
    sleeper = Object.new
    def sleeper.call(_arg) = sleep
    findings = bad.check("sleeper", -> { sleeper }, :call, ["x"], timeout: 1)
    expect(findings.join).to include("HANG")
  end
end
