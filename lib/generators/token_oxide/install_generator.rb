# frozen_string_literal: true

require "rails/generators"
require "token_oxide/settings"

module TokenOxide
  module Generators
    # rails g token_oxide:install: config/initializers/token_oxide.rb with
    # every setting (from TokenOxide::Settings) commented out at its default.
    class InstallGenerator < ::Rails::Generators::Base
      desc "Writes config/initializers/token_oxide.rb listing every token_oxide setting with its default"

      def create_initializer
        create_file "config/initializers/token_oxide.rb", InstallGenerator.initializer_text
      end

      def self.initializer_text
        boot, later = Settings::ALL.partition(&:boot)
        lines = ["# frozen_string_literal: true", "",
                 "# token_oxide settings, each at its default (uncomment to change). The full list",
                 "# with explanations: README \"Configuration\"; an unknown name raises.", "",
                 "# Read while Rails boots, before this file runs: set these in config/application.rb.",
                 *boot.map { |s| "#   #{s.path} = #{s.shown_default} # #{s.doc}" }, "",
                 "TokenOxide.configure do |c|"]
        later.group_by(&:group).each do |group, settings|
          lines << "" unless group.nil?
          settings.each do |s|
            lines << "  # c.#{[group, s.name].compact.join('.')} = #{s.shown_default} # #{s.doc}"
          end
        end
        lines << "end" << ""
        lines.join("\n")
      end
    end
  end
end
