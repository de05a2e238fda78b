# frozen_string_literal: true

desc "Benchmark token_oxide against pure Ruby (BENCH_FAST=1 for a short run); writes tmp/bench.{json,md,svg}"
task bench: :compile do
  ruby File.join(ROOT, "bench", "runner.rb")
  ruby File.join(ROOT, "bench", "requests.rb")
end

namespace :bench do
  desc "Requests/s through a Rails 7.1+ app's middleware reading and writing the cookie session, token_oxide on vs off (wrk); writes tmp/requests.json"
  task requests: :compile do
    ruby File.join(ROOT, "bench", "requests.rb")
  end

  desc "Measure where releasing the GVL around a digest pays off (1 vs 2 threads); writes tmp/gvl.json"
  task gvl: :compile do
    ruby File.join(ROOT, "bench", "gvl.rb")
  end

  desc "Compare two rake bench runs: OLD=old.json [NEW=tmp/bench.json]"
  task :compare do
    abort "usage: rake bench:compare OLD=path/to/old.json [NEW=path/to/new.json]" unless ENV["OLD"]
    ruby File.join(ROOT, "bench", "compare.rb"), ENV["OLD"], ENV.fetch("NEW", File.join(ROOT, "tmp", "bench.json"))
  end

  desc "Replace the README's Benchmarks table with the results in tmp/bench.json (run `rake bench` first)"
  task :readme do
    require "json"
    require File.join(ROOT, "bench", "report")
    data = JSON.parse(File.read(File.join(ROOT, "tmp", "bench.json")))
    table = TokenOxideBench::Report.markdown(data["results"], data)
    readme_path = File.join(ROOT, "README.md")
    readme = File.read(readme_path)
    start_mark = "<!-- bench:start -->"
    end_mark = "<!-- bench:end -->"
    abort "README.md has no #{start_mark} ... #{end_mark} block" unless readme.include?(start_mark) && readme.include?(end_mark)

    before, rest = readme.split(start_mark, 2)
    _, after = rest.split(end_mark, 2)
    File.write(readme_path, "#{before}#{start_mark}\n#{table}#{end_mark}#{after}")
    puts "README.md Benchmarks table updated"
  end
end
