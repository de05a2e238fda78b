# frozen_string_literal: true

# Issue "Real Rails 7.2 on Ruby 3.3", item 5: Rails' own tests as the bar.
# Runs Rails 7.2's test files for MessageVerifier, MessageEncryptor,
# KeyGenerator, SecurityUtils, Messages::*, token_for, secure_token and
# secure_password (from Debian 13's rails source package) twice per file:
# on Debian's Rails 7.2 gems as they are, then with rails_tests/substitute.rb
# making ActiveSupport's names resolve to token_oxide's classes. Writes
# tmp/rails_tests.md (the table, and each test failing with token_oxide).
#
# On the host (Debian 12, which has no Rails 7.2) the task re-runs itself
# inside the Debian 13 root through bin/debian13, after bin/setup there.

RAILS_TESTS_REPORT = File.join(ROOT, "tmp", "rails_tests.md")

desc "Run Rails 7.2's own token tests on plain Rails and with token_oxide substituted (Debian 13 root); writes tmp/rails_tests.md"
task :rails_tests do
  if File.read("/etc/os-release")[/^VERSION_ID="?(\d+)/, 1] == "13"
    require_relative "../rails_tests/runner"
    require_relative "../rails_tests/report"
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    results = RailsTests::Runner.all
    seconds = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).round
    header = "Measured #{Time.now.utc.strftime("%Y-%m-%d")} with `rake rails_tests` (#{seconds} s): Rails " \
             "#{`#{RbConfig.ruby} -ractive_support -e 'print ActiveSupport.version'`}, " \
             "ruby #{RUBY_VERSION}, seed #{ENV.fetch("SEED", "4242")}."
    mkdir_p File.dirname(RAILS_TESTS_REPORT), verbose: false
    File.write(RAILS_TESTS_REPORT, RailsTests::Report.markdown(results, header))
    puts File.read(RAILS_TESTS_REPORT)
    if ENV["VERBOSE_FAILURES"]
      results.each { |row| puts "==== #{row[:file]}", row[:oxide].output if row[:oxide].failed.any? || row[:oxide].runs.nil? }
    end
    # bin/test runs it strict: every file must pass as many tests with
    # token_oxide as on plain Rails (a new difference fails the leg).
    if ENV["RAILS_TESTS_STRICT"]
      behind = results.reject { |row| row[:oxide].runs && row[:rails].runs && row[:oxide].passed >= row[:rails].passed }
      abort "rails_tests: fewer passes with token_oxide in #{behind.map { |row| row[:file] }.join(", ")}" if behind.any?
    end
  else
    sh "bin/debian13", "run", "bash", "-c", "bin/setup && rake rails_tests #{ENV["VERBOSE_FAILURES"] ? "VERBOSE_FAILURES=1" : ""}"
  end
end

namespace :rails_tests do
  desc "Put tmp/rails_tests.md (the last rake rails_tests) into README.md between the rails_tests markers"
  task :readme do
    readme = File.join(ROOT, "README.md")
    table = File.read(RAILS_TESTS_REPORT)
    text = File.read(readme)
    marked = /(<!-- rails_tests:start -->\n).*?(<!-- rails_tests:end -->)/m
    abort "README.md has no rails_tests markers" unless text.match?(marked)
    File.write(readme, text.sub(marked) { "#{$1}#{table}#{$2}" })
  end
end
