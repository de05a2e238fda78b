# frozen_string_literal: true

# Every public operation, with and without purpose, expiry and rotation, run
# after GC compaction has moved every movable object (verify_compaction_references
# with double_heap: true, toward: :empty) and again under GC.auto_compact. A
# raw Ruby reference the extension kept across calls without marking or
# pinning it shows up here as a wrong result or a segfault (so this runs in
# its own process). Prints one JSON object.
#
# Usage: ruby hardening/compaction.rb [ROUNDS] [AUTO_COMPACT_ITERATIONS]
require_relative "support"
require_relative "compaction_operations"
require "json"

rounds = Integer(ARGV.fetch(0, "3"))
auto_iterations = Integer(ARGV.fetch(1, "20"))
ops = TokenOxideHardening::CompactionOperations.build
result = { operations: ops.keys }

# Each operation once before any compaction, so caches and lazily built
# objects (interned keys, method-entry probes, key caches) exist and are the
# things that get moved.
baseline = TokenOxideHardening::CompactionOperations.run(ops)

unless GC.respond_to?(:verify_compaction_references)
  puts JSON.generate(result.merge(skipped: "GC.verify_compaction_references is not available"))
  exit
end

wrong = []
rounds.times do
  GC.verify_compaction_references(double_heap: true, toward: :empty)
  wrong.concat(TokenOxideHardening::CompactionOperations.run(ops))
end
result[:verify_compaction_references] = { rounds: rounds, wrong: (baseline + wrong).uniq }

if GC.respond_to?(:auto_compact=)
  auto_wrong = []
  compactions_before = GC.stat(:compact_count) if GC.stat.key?(:compact_count)
  begin
    GC.auto_compact = true
    auto_iterations.times do
      # Churn so each major GC has objects to move past.
      Array.new(2_000) { |i| "churn #{i}" * 2 }
      auto_wrong.concat(TokenOxideHardening::CompactionOperations.run(ops))
      GC.start(full_mark: true, immediate_sweep: true)
    end
  ensure
    GC.auto_compact = false
  end
  compactions = GC.stat(:compact_count) - compactions_before if compactions_before
  result[:auto_compact] = { iterations: auto_iterations, compactions: compactions, wrong: auto_wrong.uniq }
end
puts JSON.generate(result)
