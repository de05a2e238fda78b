# frozen_string_literal: true

require "benchmark/ips"

module TokenOxideBench
  # Timing (benchmark-ips) and allocation counting for one op.
  module Measure
    module_function

    # Iterations per second of each side, measured in one benchmark-ips job
    # so both run in the same process, interleaved with the same inputs.
    def ips(sides, time:, warmup:)
      report = Benchmark.ips(quiet: true) do |x|
        x.config(time: time, warmup: warmup)
        sides.each { |label, fn| x.report(label.to_s, &fn) }
      end
      sides.keys.zip(report.entries).to_h do |label, entry|
        [label, { ips: entry.stats.central_tendency, error: entry.error_percentage }]
      end
    end

    # Ruby objects allocated per call: the GC.stat(:total_allocated_objects)
    # delta over `calls` calls, after a short warm-up (so lazily built caches
    # and inline caches do not count). A `while` loop over a lambda allocates
    # nothing itself (checked by `baseline`).
    def allocations(fn, calls:)
      5.times { fn.call }
      before = GC.stat(:total_allocated_objects)
      i = 0
      while i < calls
        fn.call
        i += 1
      end
      (GC.stat(:total_allocated_objects) - before).fdiv(calls)
    end

    # Allocations of the measuring loop around an empty lambda (expected 0).
    def baseline
      allocations(-> {}, calls: 1000)
    end
  end
end
