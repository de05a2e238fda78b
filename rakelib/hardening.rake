# frozen_string_literal: true

# Issue 7: fuzzing, fork/thread safety, constant-time evidence, randomness,
# leaks, hostile input. `rake hardening` runs everything with counts that fit
# in a few minutes and writes tmp/hardening/report.txt; `rake fuzz` only
# fuzzes. The short versions run in bin/test (spec/hardening/, and the fuzz
# quick pass inside `cargo test -p token_oxide_core`).

require "fileutils"
require "rbconfig"

HARDENING_DIR = File.join(ROOT, "tmp", "hardening")

# Runs the fuzz targets of ext/token_oxide_core/tests/fuzz (release build),
# each for `seconds` or, when `executions` is given, for exactly that many
# executions; `targets` (names or substrings, e.g. ["json_reader"]) limits
# the run. Logs to tmp/hardening/fuzz.log, prints a table, and raises when
# a target found a crash.
def run_fuzz(seconds, executions: nil, targets: [])
  FileUtils.mkdir_p(HARDENING_DIR)
  log = File.join(HARDENING_DIR, "fuzz.log")
  File.write(log, "")
  env = { "FUZZ_LOG" => log }
  if executions
    env["FUZZ_EXECUTIONS"] = executions.to_s
    env["FUZZ_SECONDS"] = nil # an inherited FUZZ_SECONDS would win over the count
  else
    env["FUZZ_SECONDS"] = seconds.to_s
  end
  passed = system(env, "cargo", "test", "--release", "--locked", "-p", "token_oxide_core", "--test", "fuzz",
                  "--", "--test-threads=1", "--quiet", *targets)
  rows = File.readlines(log).grep(/executions=/).map { |l| l.scan(/(\w+)=(\S+)/).to_h }
  puts "\n#{"target".ljust(36)} #{"executions".rjust(12)} #{"crashes".rjust(8)} #{"seconds".rjust(8)}"
  rows.each do |r|
    puts "#{r["target"].ljust(36)} #{r["executions"].rjust(12)} #{r["crashes"].rjust(8)} #{r["seconds"].rjust(8)}"
  end
  total = rows.sum { |r| r["executions"].to_i }
  crashes = rows.sum { |r| r["crashes"].to_i }
  puts "#{"total".ljust(36)} #{total.to_s.rjust(12)} #{crashes.to_s.rjust(8)}"
  File.readlines(log).grep(/CRASH/).each { |l| puts l }
  raise "fuzzing found #{crashes} crash(es); see #{log}" unless passed && crashes.zero?
end

desc "Fuzz the Rust core: every target for FUZZ_SECONDS seconds (default 30) or FUZZ_EXECUTIONS runs; " \
     "FUZZ_TARGETS=a,b limits the targets; log in tmp/hardening/fuzz.log"
task :fuzz do
  executions = ENV["FUZZ_EXECUTIONS"]&.delete("_")
  run_fuzz(Float(ENV.fetch("FUZZ_SECONDS", "30")), executions: executions && Integer(executions),
                                                   targets: ENV.fetch("FUZZ_TARGETS", "").split(",").map(&:strip))
end

namespace :hardening do
  ruby_step = ->(step) { sh RbConfig.ruby, File.join(ROOT, "hardening", "run.rb"), step, verbose: false }

  desc "Fuzz each target for HARDENING_FUZZ_SECONDS (default 5)"
  task(:fuzz) { run_fuzz(Float(ENV.fetch("HARDENING_FUZZ_SECONDS", "5"))) }

  desc "1,000 forked children (FORK_CHILDREN) never repeat a token"
  task(:fork) { ruby_step.call("fork") }

  desc "8 threads (THREADS) x 100k (THREAD_ITERATIONS) mixed operations, all correct"
  task(:threads) { ruby_step.call("threads") }

  desc "Threads, forks and compaction under GC.stress"
  task(:gc_stress) { ruby_step.call("gc_stress") }

  desc "dudect-style Welch t-tests in Rust (DUDECT_SAMPLES, default 2M), through Ruby (DUDECT_RUBY_SAMPLES, default 500k), " \
       "and of the token handler, known vs unknown identifier (HANDLER_TIMING_SAMPLES, HANDLER_TIMING_RACK_SAMPLES)"
  task :constant_time do
    sh "cargo", "run", "--release", "--locked", "--quiet", "-p", "token_oxide_core", "--example", "dudect", "--",
       ENV.fetch("DUDECT_SAMPLES", "2000000"), verbose: false
    sh RbConfig.ruby, File.join(ROOT, "hardening", "dudect.rb"), ENV.fetch("DUDECT_RUBY_SAMPLES", "500000"), verbose: false
    sh RbConfig.ruby, File.join(ROOT, "hardening", "handler_timing.rb"), ENV.fetch("HANDLER_TIMING_SAMPLES", "30000"), "5",
       ENV.fetch("HANDLER_TIMING_RACK_SAMPLES", "15000"), verbose: false
  end

  desc "Chi-square over 10M (CHI_CHARS) base58 and friendly_token characters"
  task(:randomness) { ruby_step.call("randomness") }

  desc "RSS before/after 10M (RSS_CALLS) generate+verify calls"
  task(:rss) { ruby_step.call("rss") }

  desc "valgrind memcheck of the Rust core's test binaries, and of the extension inside Ruby (VALGRIND_CALLS)"
  task :valgrind do
    sh File.join(ROOT, "hardening", "valgrind.sh"), verbose: false
    sh RbConfig.ruby, File.join(ROOT, "hardening", "valgrind_ruby.rb"), ENV.fetch("VALGRIND_CALLS", "5000"), verbose: false
  end

  desc "Every public method with hostile arguments, in forked children"
  task(:bad_input) { ruby_step.call("bad_input") }

  desc "The short hardening specs (Ractor, secrets, ...)"
  task(:specs) { sh "rspec", *Dir[File.join(ROOT, "spec/hardening/*_spec.rb")], verbose: false }
end

HARDENING_STEPS = %w[fuzz fork threads gc_stress constant_time randomness rss valgrind bad_input specs].freeze

desc "Run every hardening check (a few minutes); output also in tmp/hardening/report.txt"
task hardening: :compile do
  FileUtils.mkdir_p(HARDENING_DIR)
  report = File.join(HARDENING_DIR, "report.txt")
  failed = []
  # Each step's output goes to the terminal and the report (a child process
  # per step, so a failure in one does not stop the others).
  File.open(report, "w") do |out|
    out.puts "rake hardening, #{Time.now.utc} (#{RUBY_DESCRIPTION})"
    HARDENING_STEPS.each do |step|
      banner = "== hardening:#{step}"
      puts banner
      out.puts banner
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      IO.popen([RbConfig.ruby, "-S", "rake", "-f", File.join(ROOT, "Rakefile"), "hardening:#{step}", { err: %i[child out], chdir: ROOT }]) do |io|
        io.each_line do |line|
          print line
          out.print line
        end
      end
      failed << step unless $?.success?
      line = format("   (%s: %s in %.0fs)", step, $?.success? ? "passed" : "FAILED", Process.clock_gettime(Process::CLOCK_MONOTONIC) - started)
      puts line
      out.puts line
      out.flush
    end
    out.puts(failed.empty? ? "all hardening steps passed" : "FAILED: #{failed.join(", ")}")
  end
  puts "report: #{report}"
  abort "hardening failed: #{failed.join(", ")}" unless failed.empty?
end
