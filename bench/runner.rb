# frozen_string_literal: true

# `rake bench`: token_oxide against the pure-Ruby path (ActiveSupport 6.1,
# Devise, OpenSSL), op by op, in one process with the same inputs.
#
#   BENCH_FAST=1      short run (bin/demo)
#   BENCH_ONLY=regex  only the ops whose name matches
#   BENCH_TIME / BENCH_WARMUP  benchmark-ips seconds per side
#
# Writes tmp/bench.json, tmp/bench.md (the README table) and tmp/bench.svg.

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "token_oxide"
require "time"
require "fileutils"
require_relative "registry"
require_relative "measure"
require_relative "report"

module TokenOxideBench
  ROOT = File.expand_path("..", __dir__)

  # Runs the registered ops and writes the reports.
  class Runner
    attr_reader :results, :skipped, :failed

    def initialize(fast: !ENV["BENCH_FAST"].to_s.empty?, only: ENV["BENCH_ONLY"], out: $stdout, write: true)
      @fast = fast
      @only = only && Regexp.new(only, Regexp::IGNORECASE)
      @time = Float(ENV["BENCH_TIME"] || (fast ? 0.15 : 1.2))
      @warmup = Float(ENV["BENCH_WARMUP"] || (fast ? 0.05 : 0.4))
      @out = out
      @write = write
      @results = []
      @skipped = []
      @failed = []
    end

    def failed?
      !@failed.empty?
    end

    def load_ops
      Dir[File.join(__dir__, "ops", "*.rb")].sort.each { |f| require f }
    end

    def run
      load_ops
      baseline = Measure.baseline
      # The cost of benchmark-ips calling an empty lambda: the ceiling no op can beat.
      @empty_ips = Measure.ips({ empty: -> {} }, time: [@time / 3, 0.1].max, warmup: @warmup)[:empty][:ips].round
      @out.puts "token_oxide bench: #{@fast ? "fast" : "full"} run, benchmark-ips time #{@time}s warmup #{@warmup}s; " \
                "empty lambda #{Report.human_ips(@empty_ips)} i/s; measuring loop allocates #{baseline} objects/call"
      TokenOxideBench.registry.each do |op|
        next if @only && !@only.match?(op.name)

        if (why = op.missing)
          @skipped << { "op" => op.name, "reason" => why }
          next
        end
        begin
          @results << measure(op)
        rescue StandardError => e
          @failed << { "op" => op.name, "error" => "#{e.class}: #{e.message}" }
          @out.puts "  FAILED #{op.name}: #{e.class}: #{e.message}"
        end
      end
      @out.puts
      @out.puts Report.table(@results)
      @skipped.group_by { |s| s["reason"] }.each do |reason, ops|
        @out.puts "skipped #{ops.size} op(s), #{reason}: #{ops.map { |s| s["op"] }.join(", ")}"
      end
      @failed.each { |f| @out.puts "FAILED #{f["op"]}: #{f["error"]}" }
      write_reports if @write
      self
    end

    def measure(op)
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      sides = op.build.call
      sides.fetch(:ruby)
      sides.fetch(:oxide)
      verify!(op, sides)
      calls = allocation_calls(sides[:oxide], sides[:ruby])
      ruby_allocs = Measure.allocations(sides[:ruby], calls: calls)
      oxide_allocs = Measure.allocations(sides[:oxide], calls: calls)
      ips = Measure.ips({ ruby: sides[:ruby], oxide: sides[:oxide] }, time: @time, warmup: @warmup)
      row = {
        "op" => op.name, "group" => op.group, "note" => [op.note, sides[:note]].compact.join("; "),
        "ruby_ips" => ips[:ruby][:ips].round(1), "ruby_error_pct" => ips[:ruby][:error].round(1),
        "oxide_ips" => ips[:oxide][:ips].round(1), "oxide_error_pct" => ips[:oxide][:error].round(1),
        "ratio" => (ips[:oxide][:ips] / ips[:ruby][:ips]).round(2),
        "ruby_allocs" => ruby_allocs.round(2), "oxide_allocs" => oxide_allocs.round(2),
        "target" => op.target
      }
      row["met"] = row["ratio"] >= op.target if op.target
      elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
      @out.puts format("  %-52s %9s  %9s  %7s  (%.1fs)", op.name, Report.human_ips(row["ruby_ips"]),
                       Report.human_ips(row["oxide_ips"]), Report.ratio_text(row), elapsed)
      row
    end

    # Both sides must run and agree (by default: equal results) before they
    # are timed, so no row measures an error path or a different operation.
    def verify!(op, sides)
      ruby_result = sides[:ruby].call
      oxide_result = sides[:oxide].call
      check = sides[:check] || ->(r, o) { r == o }
      return if check.call(ruby_result, oxide_result)

      raise "bench op #{op.name.inspect}: sides disagree: ruby=#{ruby_result.inspect[0, 120]} " \
            "token_oxide=#{oxide_result.inspect[0, 120]}"
    end

    # Enough calls for a stable per-call count, bounded to ~0.2 s for slow ops.
    def allocation_calls(*fns)
      slowest = fns.map do |fn|
        t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        fn.call
        Process.clock_gettime(Process::CLOCK_MONOTONIC) - t
      end.max
      (0.2 / [slowest, 1e-7].max).floor.clamp(10, @fast ? 200 : 2000)
    end

    def command
      @fast ? "BENCH_FAST=1 rake bench" : "rake bench"
    end

    def data
      {
        "generated_at" => Time.now.utc.iso8601,
        "command" => command,
        "config" => { "fast" => @fast, "time" => @time, "warmup" => @warmup, "only" => @only&.source,
                      "empty_lambda_ips" => @empty_ips },
        "machine" => Report.machine,
        "results" => @results,
        "skipped" => @skipped,
        "failed" => @failed
      }
    end

    def write_reports
      dir = File.join(ROOT, "tmp")
      FileUtils.mkdir_p(dir)
      d = data
      Report.write_json(File.join(dir, "bench.json"), d)
      File.write(File.join(dir, "bench.md"), Report.markdown(@results, d))
      File.write(File.join(dir, "bench.svg"), Report.svg(@results))
      @out.puts "wrote tmp/bench.json, tmp/bench.md, tmp/bench.svg"
    end
  end
end

exit(TokenOxideBench::Runner.new.run.failed? ? 1 : 0) if $PROGRAM_NAME == __FILE__
