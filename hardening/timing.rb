# frozen_string_literal: true

# Timing comparisons that report what is true, for `rake hardening`, the demo
# and the specs. Welch's t between input classes is only meaningful when the
# classes differ in nothing but the property under test, so:
#
# * Pools: each class draws every sample from its own pool of buffers, all
#   made by the same builder code, in turns with the other classes. One fixed String per class would make the
#   class also differ in address, alignment and cache state, which alone can
#   give |t| in the tens for identical contents.
# * A/A control: a second class built exactly like the first. Its |t| is the
#   noise floor of this machine right now; when it exceeds the bar the run
#   says "inconclusive" instead of pretending.
# * Rounds: fresh pools and a fresh random interleaving each round; the
#   verdict uses the median |t| over rounds, so one disturbed round does not
#   decide it.
# * Each sample times `calls` calls with CLOCK_MONOTONIC (ns); t is taken on
#   all samples and on those below the pooled 50th and 90th percentiles (the
#   tail is mostly interrupts, GC and other processes), the largest |t| counts.
module TokenOxideHardening
  module Timing
    BAR = 4.5 # dudect's threshold for "a difference is there"

    # One comparison's outcome. +rounds+ holds, per round, { [a, b] => t }.
    Report = Struct.new(:name, :pairs, :control, :rounds, :medians_ns, keyword_init: true) do
      def median_abs_t(pair)
        values = rounds.map { |r| r.fetch(pair).abs }.sort
        values[values.size / 2]
      end

      def noise
        median_abs_t(control)
      end

      # The largest median |t| over the pairs that count.
      def worst
        pairs.map { |pair| median_abs_t(pair) }.max
      end

      def verdict(bar = BAR)
        return "inconclusive (A/A control |t| #{format('%.1f', noise)} > #{bar})" if noise > bar

        worst > bar ? "LEAK" : "no leak seen"
      end

      def leak?(bar = BAR) = verdict(bar) == "LEAK"

      def lines
        out = ["#{name}: median ns/sample #{medians_ns.map { |k, v| "#{k} #{v.round(1)}" }.join(', ')}"]
        [*pairs, control].each do |pair|
          ts = rounds.map { |r| format("%.2f", r.fetch(pair)) }.join(" ")
          label = pair == control ? " (A/A control)" : ""
          out << format("  %-28s vs %-28s median |t| = %6.2f   rounds: %s%s", *pair, median_abs_t(pair), ts, label)
        end
        out << format("  => %s (worst median |t| = %.2f, A/A %.2f, bar %.1f)", verdict, worst, noise, BAR)
        out
      end
    end

    module_function

    # Runs +measure+ (a block returning a Report) again, up to +attempts+
    # times, while its A/A control is at or above +bar+ (a busy machine, not a
    # verdict) or, when +passes+ is given, while the report fails it. A real
    # leak fails every take (its |t| is in the hundreds against a bar of 10);
    # a one-off burst of load on a shared CI machine does not. Returns the
    # last report.
    def quiet(bar, attempts: 3, passes: nil)
      report = nil
      attempts.times do
        report = yield
        break if report.noise < bar && (passes.nil? || passes.call(report))
      end
      report
    end

    # Compares the classes named in +pairs+ and the A/A +control+ pair.
    #
    #   classes  - { name => builder }, builder.call(i) makes the i-th pool entry
    #   samples  - timed samples per round (spread over all classes)
    #   run      - the operation, called with one pool entry
    #   gc       - false disables GC while timing (allocation-free operations)
    def compare(name, classes, pairs:, control:, samples:, rounds: 5, pool: 64, calls: 1, gc: true, warmup: 2_000, &run)
      names = classes.keys
      results = []
      all_times = Hash.new { |h, k| h[k] = [] }
      rounds.times do
        pools = build_pools(classes, names, pool)
        times = time_round(pools, samples, calls, gc, warmup, run)
        names.each_with_index { |n, i| all_times[n].concat(times[i]) }
        results << [*pairs, control].to_h { |a, b| [[a, b], t_stat(times[names.index(a)], times[names.index(b)])] }
      end
      medians = names.to_h { |n| [n, median(all_times[n]).fdiv(calls)] }
      Report.new(name: name, pairs: pairs, control: control, rounds: results, medians_ns: medians)
    end

    # Entries are made in turns (entry i of every class, then i + 1), so no
    # class's buffers sit together in one region of memory.
    def build_pools(classes, names, pool)
      pools = names.map { [] }
      pool.times { |i| names.each_with_index { |n, c| pools[c] << classes.fetch(n).call(i) } }
      pools
    end

    def time_round(pools, samples, calls, gc, warmup, run)
      rng = Random.new(TokenOxide.random_bytes(8).unpack1("Q"))
      k = pools.size
      order = Array.new(samples) { rng.rand(k) }
      picks = Array.new(samples) { rng.rand(pools.first.size) }
      times = Array.new(k) { [] }
      warmup.times { |i| run.call(pools[i % k][i % pools[i % k].size]) }
      GC.start
      GC.disable unless gc
      begin
        samples.times do |s|
          input = pools[order[s]][picks[s]]
          t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
          c = calls
          while c.positive?
            run.call(input)
            c -= 1
          end
          times[order[s]] << Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - t0
        end
      ensure
        GC.enable
      end
      times
    end

    CROPS = [0.5, 0.9].freeze # pooled percentiles the samples are also cropped at

    # Welch's t on all samples and on the samples below each pooled
    # percentile of CROPS (the tail is interrupts, GC and other processes);
    # the one largest in magnitude.
    def t_stat(a, b)
      pooled = (a + b).sort
      limits = CROPS.map { |q| pooled[(pooled.size * q).to_i] }
      [welch(a, b), *limits.map { |l| welch(a.select { |v| v <= l }, b.select { |v| v <= l }) }].max_by(&:abs)
    end

    def welch(a, b)
      return 0.0 if a.size < 2 || b.size < 2

      ma = a.sum.fdiv(a.size)
      mb = b.sum.fdiv(b.size)
      va = a.sum { |x| (x - ma)**2 } / (a.size - 1)
      vb = b.sum { |x| (x - mb)**2 } / (b.size - 1)
      denominator = Math.sqrt(va / a.size + vb / b.size)
      denominator.zero? ? 0.0 : (ma - mb) / denominator
    end

    def median(values)
      sorted = values.sort
      sorted[sorted.size / 2] || 0
    end
  end
end
