# frozen_string_literal: true

# Thread and fork runs under GC.stress, plus use after GC compaction, in a
# fresh process (a small heap keeps GC.stress affordable). Prints one JSON
# object. Usage: ruby hardening/gc_stress.rb THREADS ITERATIONS CHILDREN
require_relative "support"
require "json"

threads, iterations, children = ARGV.map { |a| Integer(a) }
h = TokenOxideHardening
result = {}
started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
result[:threads] = h.under_gc_stress { h.thread_mix(threads: threads, iterations: iterations) }
if Process.respond_to?(:fork)
  result[:fork] = h.under_gc_stress { h.fork_tokens(children: children, per_child: 5, parallel: 4) }
end
if GC.respond_to?(:verify_compaction_references)
  ops = h.mixed_operations
  wrong = []
  3.times do
    GC.verify_compaction_references(double_heap: true, toward: :empty)
    ops.each { |name, op| wrong << name unless op.call }
  end
  result[:compaction] = { rounds: 3, operations: ops.keys, wrong: wrong }
end
result[:seconds] = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).round(1)
puts JSON.generate(result)
