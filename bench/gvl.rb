# frozen_string_literal: true

# `rake bench:gvl`: where does releasing the GVL around a digest start to pay?
#
# For each input size, SHA-256 hexdigest runs with the GVL held
# (TokenOxide::Native.gvl_release_threshold above the size) and released
# (threshold 0), first on one thread, then on two threads at once. Releasing
# costs a copy of the input and a GVL hand-off per call; it pays when two
# threads then hash in parallel faster than they could take turns.
# Writes tmp/gvl.json.

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "token_oxide"
require "json"
require "fileutils"
require "etc"

module TokenOxideBench
  module Gvl
    SIZES = [1024, 4096, 8192, 16_384, 32_768, 65_536, 262_144, 1_048_576].freeze
    SECONDS = Float(ENV["BENCH_TIME"] || 0.4)

    module_function

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    # Calls per second of `threads` threads each hashing `data` for SECONDS.
    def rate(data, threads)
      stop = now + SECONDS
      counts = Array.new(threads) do
        Thread.new do
          n = 0
          while now < stop
            TokenOxide::Digest.sha256_hexdigest(data)
            n += 1
          end
          n
        end
      end.map(&:value)
      counts.sum / SECONDS
    end

    def measure(size)
      data = "x" * size
      row = { "bytes" => size }
      { "held" => Float::INFINITY, "released" => 0 }.each do |mode, threshold|
        TokenOxide::Native.gvl_release_threshold = threshold == Float::INFINITY ? 1 << 62 : threshold
        rate(data, 1) # warm-up
        row["#{mode}_1_thread"] = rate(data, 1).round
        row["#{mode}_2_threads"] = rate(data, 2).round
      end
      row
    end

    def run(out = $stdout)
      default = TokenOxide::Native.gvl_release_threshold
      out.puts "SHA-256 hexdigest calls/s, GVL held vs released (#{Etc.nprocessors} CPUs, #{SECONDS}s per cell)"
      out.puts format("%10s %14s %14s %14s %14s %9s %9s", "bytes", "held 1T", "released 1T", "held 2T",
                      "released 2T", "1T cost", "2T gain")
      rows = SIZES.map do |size|
        row = measure(size)
        row["release_cost_1_thread"] = (row["released_1_thread"].fdiv(row["held_1_thread"])).round(3)
        row["release_gain_2_threads"] = (row["released_2_threads"].fdiv(row["held_2_threads"])).round(3)
        out.puts format("%10d %14d %14d %14d %14d %8.2fx %8.2fx", size, row["held_1_thread"], row["released_1_thread"],
                        row["held_2_threads"], row["released_2_threads"], row["release_cost_1_thread"],
                        row["release_gain_2_threads"])
        row
      end
      TokenOxide::Native.gvl_release_threshold = default
      out.puts "current threshold: release the GVL from #{default} bytes"
      FileUtils.mkdir_p(File.expand_path("../tmp", __dir__))
      File.write(File.expand_path("../tmp/gvl.json", __dir__),
                 JSON.pretty_generate("nproc" => Etc.nprocessors, "seconds" => SECONDS, "threshold" => default, "rows" => rows))
      rows
    end
  end
end

TokenOxideBench::Gvl.run if $PROGRAM_NAME == __FILE__
