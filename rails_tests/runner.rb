# frozen_string_literal: true

require "open3"
require "rbconfig"
require_relative "source"

module RailsTests
  # Runs each of Rails' test files twice, each time in a fresh Ruby process:
  # once on plain Rails, once with substitute.rb swapping in token_oxide's
  # classes, and compares minitest's counts.
  module Runner
    HERE = __dir__
    LIB = File.expand_path("../lib", HERE)
    FILES = [
      %w[activesupport test/message_verifier_test.rb],
      %w[activesupport test/message_encryptor_test.rb],
      %w[activesupport test/key_generator_test.rb],
      %w[activesupport test/security_utils_test.rb],
      %w[activesupport test/messages/message_encryptor_metadata_test.rb],
      %w[activesupport test/messages/message_encryptor_rotator_test.rb],
      %w[activesupport test/messages/message_verifier_metadata_test.rb],
      %w[activesupport test/messages/message_verifier_rotator_test.rb],
      %w[activesupport test/messages/rotation_configuration_test.rb],
      %w[activesupport test/messages/serializer_with_fallback_test.rb],
      # Beyond the issue's list: Rails' factories (Rails.application.message_verifiers)
      # build and chain our classes (fall_back_to, on_rotation), and the
      # rotator over SecurityUtils.
      %w[activesupport test/message_verifiers_test.rb],
      %w[activesupport test/message_encryptors_test.rb],
      %w[activesupport test/secure_compare_rotator_test.rb],
      %w[activerecord test/cases/token_for_test.rb],
      %w[activerecord test/cases/secure_token_test.rb],
      %w[activerecord test/cases/secure_password_test.rb],
    ].freeze
    SUMMARY = /^(\d+) runs, (\d+) assertions, (\d+) failures, (\d+) errors, (\d+) skips/
    FAILED_TEST = /^\s+\d+\) (?:Failure|Error):\n([^\s\[]+?):?(?: \[|$)/

    Result = Struct.new(:runs, :failures, :errors, :skips, :failed, :loaded, :output, keyword_init: true) do
      def passed = runs && runs - failures - errors - skips
    end

    module_function

    # One process: the test file from its component directory, Rails' test
    # helpers on the load path, the installed Rails gems, a fixed seed so both
    # runs see the same order.
    def run(tree, component, file, substituted:)
      args = [RbConfig.ruby, "-I", File.join(HERE, "shim"), "-I", "test", "-r", File.join(HERE, "origin.rb")]
      args += ["-I", LIB, "-r", File.join(HERE, "substitute.rb")] if substituted
      args += [file, "--seed", ENV.fetch("SEED", "4242")]
      env = { "ARCONN" => "sqlite3", "NO_RELOAD" => "1" }
      output, _status = Open3.capture2e(env, *args, chdir: File.join(tree, component))
      parse(output)
    end

    def parse(output)
      runs, _assertions, failures, errors, skips = output.scan(SUMMARY).last&.map(&:to_i)
      # stderr is unbuffered: the line may land inside minitest's progress dots.
      loaded = output.scan(/RAILS_TESTS_LOADED (\S+) (\S+)/).to_h
      Result.new(runs: runs, failures: failures, errors: errors, skips: skips,
                 failed: output.scan(FAILED_TEST).flatten.uniq.sort, loaded: loaded, output: output)
    end

    def all(tree = Source.tree)
      FILES.map do |component, file|
        rails = run(tree, component, file, substituted: false)
        oxide = run(tree, component, file, substituted: true)
        check_origin!(tree, component, rails, oxide)
        { file: "#{component}/#{file}", rails: rails, oxide: oxide }
      end
    end

    # The point is Rails' tests against Debian's installed Rails: a run that
    # loaded the tarball's lib/ would prove nothing about the gems.
    def check_origin!(tree, component, *results)
      expected = component == "activerecord" ? %w[active_support.rb active_record.rb] : %w[active_support.rb]
      results.each do |result|
        next if result.runs.nil? # did not load: reported as such

        expected.each do |file|
          path = result.loaded[file] or abort "rails_tests: #{component} run did not report where #{file} came from"
          abort "rails_tests: #{path} comes from the source tarball, not the installed gems" if path.start_with?(tree)
        end
      end
    end
  end
end
