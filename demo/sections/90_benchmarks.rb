# frozen_string_literal: true

# The short form of `rake bench` (BENCH_FAST=1): every registered op, token_oxide
# against the pure-Ruby path, as one table. Ops whose class has not landed are
# listed as skipped. Results are not written to tmp/ (that is `rake bench`'s job).
require_relative "../../bench/runner"

section "Benchmarks (BENCH_FAST=1 rake bench; full run: rake bench)" do
  TokenOxideBench::Runner.new(fast: true, only: ENV["BENCH_ONLY"], write: false).run
end
