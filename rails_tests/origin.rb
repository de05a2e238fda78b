# frozen_string_literal: true

# Loaded with `ruby -r` in both runs: after the tests, says which
# activesupport and activerecord files were loaded, so the runner can check
# that Rails' tests ran against Debian's installed gems, not the source
# tarball's lib/. (Minitest ends the process with `exit` from its own
# at_exit, so this hooks into Minitest.after_run instead.)
require "minitest"

Minitest.after_run do
  %w[active_support.rb active_record.rb].each do |file|
    path = $LOADED_FEATURES.find { |feature| feature.end_with?("/#{file}") }
    $stderr.puts "RAILS_TESTS_LOADED #{file} #{path}" if path
  end
end
