# frozen_string_literal: true

# The Ruby-side steps of `rake hardening`, one per process so each starts
# with a fresh heap:  ruby hardening/run.rb STEP
# Steps: fork, threads, gc_stress, randomness, rss, bad_input. Counts come
# from the environment (see rakelib/hardening.rake); exit status 1 on failure.
require_relative "support"
require_relative "bad_input"
require "json"
require "rbconfig"

h = TokenOxideHardening
env = ->(name, default) { Integer(ENV.fetch(name, default.to_s).delete("_")) }
timed = lambda do |label, &block|
  t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  result = block.call
  puts format("  (%s: %.1fs)", label, Process.clock_gettime(Process::CLOCK_MONOTONIC) - t)
  result
end
ok = true

case ARGV.fetch(0)
when "fork"
  r = timed.call("fork") { h.fork_tokens(children: env.call("FORK_CHILDREN", 1000), per_child: env.call("FORK_TOKENS", 20)) }
  puts "fork: #{r[:children]} children, #{r[:tokens]} tokens (parent + children, base58 + friendly_token), " \
       "#{r[:distinct]} distinct, #{r[:duplicates]} repeats, #{r[:failed_children]} failed children"
  ok = r[:duplicates].zero? && r[:failed_children].zero?
when "threads"
  r = timed.call("threads") { h.thread_mix(threads: env.call("THREADS", 8), iterations: env.call("THREAD_ITERATIONS", 100_000)) }
  puts "threads: #{r[:threads]} threads, #{r[:operations]} operations (#{r[:kinds].join(", ")}), " \
       "wrong: #{r[:wrong].empty? ? 0 : r[:wrong]}, errors: #{r[:errors].empty? ? 0 : r[:errors]}"
  ok = r[:wrong].empty? && r[:errors].empty?
when "gc_stress"
  threads = env.call("GC_STRESS_THREADS", 8)
  iterations = env.call("GC_STRESS_ITERATIONS", 100)
  children = env.call("GC_STRESS_CHILDREN", 20)
  out = timed.call("gc_stress") { `#{RbConfig.ruby} #{File.join(__dir__, "gc_stress.rb")} #{threads} #{iterations} #{children}` }
  r = JSON.parse(out)
  puts "GC.stress threads: #{r["threads"]["operations"]} operations in #{threads} threads, wrong: #{r["threads"]["wrong"]}, errors: #{r["threads"]["errors"]}"
  puts "GC.stress fork: #{r["fork"]}" if r["fork"]
  puts "after GC compaction x3: wrong #{r["compaction"]["wrong"]}" if r["compaction"]
  ok = $?.success? && r["threads"]["wrong"].empty? && r["threads"]["errors"].empty? &&
       (r["fork"].nil? || r["fork"]["duplicates"].zero? && r["fork"]["failed_children"].zero?) &&
       (r["compaction"].nil? || r["compaction"]["wrong"].empty?)
when "randomness"
  chars = env.call("CHI_CHARS", 10_000_000)
  results = timed.call("randomness") { h.randomness(chars) }
  results.each do |r|
    puts format("%-15s %d chars: chi-square %.2f (%d dof, p = %.3f); pairs %.1f (%d dof, p = %.3f); only alphabet: %s",
                r[:name], r[:characters], r[:chi_square], r[:dof], r[:p], r[:pair_chi_square], r[:pair_dof], r[:pair_p], r[:only_alphabet])
    ok &&= r[:only_alphabet] && r[:p] > 1e-4 && r[:pair_p] > 1e-4
  end
  c = h.biased_control(1_000_000)
  puts format("%-15s %d chars: chi-square %.1f (p = %.2g) -- the test sees a real bias", "control", c[:characters], c[:chi_square], c[:p])
when "rss"
  r = timed.call("rss") { h.rss_over(calls: env.call("RSS_CALLS", 10_000_000), warmup: 500_000) }
  puts "RSS: #{r[:calls]} generate+verify calls (#{r[:operations]} kinds), after warm-up #{r[:rss_before_kb]} KiB, " \
       "after the run #{r[:rss_after_kb]} KiB, growth #{r[:growth_kb]} KiB"
  ok = r[:growth_kb] < 4096
when "bad_input"
  calls, findings = timed.call("bad_input") { h::BadInput.run(timeout: 60) }
  puts "bad input: #{h::BadInput.targets.size} methods, #{calls} hostile calls in forked children, #{findings.size} findings"
  findings.each { |f| puts "  #{f}" }
  ok = findings.empty?
else
  abort "unknown step #{ARGV[0]}"
end
exit(ok ? 0 : 1)
