# frozen_string_literal: true

require_relative "../../hardening/support"
require "open3"
require "rbconfig"

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

  # In a fresh process: GC.stress in rspec's big heap would take minutes.
  it "under GC.stress, threads, forked children and compacted objects still give correct results" do
    script = File.expand_path("../../hardening/gc_stress.rb", __dir__)
    out, err, status = Open3.capture3(RbConfig.ruby, script, "4", "40", "4")
    expect(status).to be_success, err
    result = JSON.parse(out)
    expect(result["threads"]).to include("operations" => 160, "wrong" => {}, "errors" => [])
    expect(result["fork"]).to include("failed_children" => 0, "duplicates" => 0, "distinct" => 60) if result["fork"]
    expect(result["compaction"]["wrong"]).to eq([]) if result["compaction"]
  end
end
