# frozen_string_literal: true

# Loaded with `ruby -r` in both runs: at exit, says which activesupport and
# activerecord files were loaded, so the report can show that Rails' tests ran
# against Debian's installed gems, not the source tarball's lib/.
at_exit do
  %w[active_support.rb active_record.rb].each do |file|
    path = $LOADED_FEATURES.find { |feature| feature.end_with?("/#{file}") }
    warn "RAILS_TESTS_LOADED #{file} #{path}" if path
  end
end
