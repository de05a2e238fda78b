# frozen_string_literal: true

require_relative "../../hardening/support"

# Short versions of `rake hardening`'s fork and thread runs (same code,
# smaller thread counts; the fork run is already the full 1,000 children).
RSpec.describe "Hardening: fork and thread safety" do
  H = TokenOxideHardening unless defined?(H)

  it "1,000 forked children never repeat a token of the parent or of each other" do
    skip "fork is not available" unless Process.respond_to?(:fork)

    result = H.fork_tokens(children: 1_000, per_child: 5)
    expect(result[:failed_children]).to eq(0)
    expect(result[:tokens]).to eq(1_000 * 10 + 1_000 * 5)
    expect(result[:duplicates]).to eq(0)
  end

  it "8 threads x 20k mixed operations all give correct results" do
    result = H.thread_mix(threads: 8, iterations: 20_000)
    expect(result[:errors]).to eq([])
    expect(result[:wrong]).to eq({})
    expect(result[:operations]).to eq(160_000)
  end

  context "under GC.stress" do
    it "threads still give correct results" do
      result = H.under_gc_stress { H.thread_mix(threads: 4, iterations: 60) }
      expect(result[:errors]).to eq([])
      expect(result[:wrong]).to eq({})
    end

    it "forked children still never repeat tokens" do
      skip "fork is not available" unless Process.respond_to?(:fork)

      result = H.under_gc_stress { H.fork_tokens(children: 4, per_child: 5, parallel: 4) }
      expect(result[:failed_children]).to eq(0)
      expect(result[:duplicates]).to eq(0)
      expect(result[:distinct]).to eq(4 * 10 + 4 * 5)
    end

    it "objects survive compaction between uses" do
      skip "GC.compact is not available" unless GC.respond_to?(:compact)

      ops = H.mixed_operations
      3.times do
        GC.verify_compaction_references(double_heap: true, toward: :empty)
        ops.each { |name, op| expect(op.call).to be(true), name.to_s }
      end
    end
  end
end
