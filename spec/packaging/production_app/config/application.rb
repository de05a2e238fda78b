# frozen_string_literal: true

require_relative "boot"
require "rails"
require "active_record/railtie"
require "action_controller/railtie"

# As a generated app does: every gem of the Gemfile (token_oxide and its
# Railtie, when it is there).
Bundler.require(*Rails.groups)

module ProductionApp
  class Application < Rails::Application
    # The defaults of the Rails that runs it (6.1 on Debian 12, 7.2 on Debian 13).
    config.load_defaults Rails::VERSION::STRING.to_f
    config.api_only = true
    config.logger = Logger.new($stderr)
  end
end
