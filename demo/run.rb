# frozen_string_literal: true

# Runs the demo sections in order. Each section is a file in demo/sections/
# that calls `section "Title" do ... end`. DEMO_FAST=1 shortens the timings.
require "token_oxide"
require "benchmark/ips"

module Demo
  module_function

  def section(title)
    puts "\n== #{title}"
    yield
  end

  def show(label, value)
    puts format("  %-34s %s", label, value)
  end

  # A short side-by-side benchmark-ips run: prints i/s for each side and the ratio.
  def compare(label, ruby:, oxide:)
    time = ENV["DEMO_FAST"] ? 0.2 : 0.6
    report = Benchmark.ips(quiet: true) do |x|
      x.config(time: time, warmup: 0.2)
      x.report("ruby", &ruby)
      x.report("token_oxide", &oxide)
    end
    ruby_ips, oxide_ips = report.entries.map { |e| e.stats.central_tendency }
    puts format("  %-34s ruby %12.0f i/s   token_oxide %12.0f i/s   %6.1fx", label, ruby_ips, oxide_ips, oxide_ips / ruby_ips)
  end
end

Dir[File.join(__dir__, "sections", "*.rb")].sort.each do |file|
  Demo.module_eval(File.read(file), file)
end
