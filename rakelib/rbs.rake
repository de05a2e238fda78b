# frozen_string_literal: true

require "open3"

# RBS signatures of the public API live in sig/. The rbs gem is bundled with
# Ruby (2.x on 3.1, 3.x on 3.3) but Debian installs no `rbs` executable for
# it on 3.1 (3.3's is rbs3.3), so the task loads the gem's own executable
# through RubyGems: the same command on every leg.
namespace :rbs do
  desc "rbs validate: sig/ parses and every type it names exists"
  task :validate do
    sig = File.expand_path("../sig", __dir__)
    # rbs prints a line per class it checks (core's included); show it only on failure.
    output, status = Open3.capture2e(RbConfig.ruby, "-e", 'load Gem.bin_path("rbs", "rbs")', "--", "-I", sig, "validate")
    unless status.success?
      warn output.lines.reject { |line| line.start_with?("Validating ") }.join
      abort "rake rbs:validate: sig/ is not valid RBS"
    end
    puts "rbs #{Gem.loaded_specs['rbs']&.version || Gem::Specification.find_by_name('rbs').version} validate: sig/ is valid"
  end
end
