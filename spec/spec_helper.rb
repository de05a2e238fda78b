# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "token_oxide"
require "json"

FIXTURES = File.expand_path("fixtures/rails-7.2", __dir__)

# The golden vectors made by real Rails 7.2 (see spec/fixtures/rails-7.2/README.md).
def vectors(name)
  JSON.parse(File.read(File.join(FIXTURES, "#{name}.json")))
end

Dir[File.join(__dir__, "support", "**", "*.rb")].sort.each { |f| require f }

RSpec.configure do |config|
  config.expect_with(:rspec) { |c| c.syntax = :expect }
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand config.seed
end
