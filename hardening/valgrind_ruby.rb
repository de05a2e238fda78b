# frozen_string_literal: true

# valgrind memcheck of the extension inside Ruby. Ruby does not free its heap
# at exit, so some "definitely lost" blocks are always reported; what matters
# is whether the bytes lost through token_oxide's frames grow with the number
# of calls. Runs the mixed operations N and 4N times and compares.
#   ruby hardening/valgrind_ruby.rb [N]   (default 5,000)
require "rbconfig"
require "tmpdir"

calls = Integer(ARGV.fetch(0, "5000"))
root = File.expand_path("..", __dir__)
abort "valgrind is not installed" unless system("valgrind --version > /dev/null 2>&1")

# Bytes definitely lost in blocks allocated under a token_oxide frame
# (method definitions at load time excluded: they live until exit by design).
def lost_through_extension(log)
  File.read(log).split(/(?===\d+== \S.* are definitely lost)/).sum do |record|
    next 0 unless record.include?("definitely lost") && record.include?("token_oxide") && !record.include?("Init_token_oxide")

    record[/([\d,]+) (?:\(|bytes)/, 1].delete(",").to_i
  end
end

results = [calls, calls * 4].map do |n|
  Dir.mktmpdir do |dir|
    script = File.join(dir, "run.rb")
    File.write(script, <<~RUBY)
      require #{File.join(root, "hardening", "support").dump}
      ops = TokenOxideHardening.mixed_operations.values + TokenOxideHardening.leak_operations
      #{n}.times { |i| ops[i % ops.size].call || raise("wrong result") }
      ops = nil
      GC.start # free what is garbage: what remains lost is not the extension dropping it
    RUBY
    log = File.join(dir, "valgrind.log")
    ok = system("valgrind", "--undef-value-errors=no", "--leak-check=full", "--show-leak-kinds=definite",
                "--num-callers=40", "--log-file=#{log}", RbConfig.ruby, script)
    total = File.read(log)[/definitely lost: ([\d,]+) bytes/, 1]
    ours = lost_through_extension(log)
    puts format("%7d calls: ruby exited %s; definitely lost overall %s bytes, through token_oxide frames %d bytes",
                n, ok ? "ok" : "with an error", total, ours)
    [n, ours, ok]
  end
end
(_, small, ok1), (_, large, ok2) = results
growth = large - small
puts "growth from #{calls} to #{calls * 4} calls: #{growth} bytes (#{(growth.to_f / (calls * 3)).round(3)} bytes per extra call)"
# A real per-call leak of even one small block would add tens of bytes per call.
exit(ok1 && ok2 && growth < calls * 3 ? 0 : 1)
