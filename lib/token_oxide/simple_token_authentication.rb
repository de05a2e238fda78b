# frozen_string_literal: true

# A stand-in for simple_token_authentication's SimpleTokenAuthentication
# module, so an app's config/initializers/simple_token_authentication.rb runs
# unchanged after the gem is swapped for token_oxide. Each STA setting writes
# the token_oxide setting of the same name (TokenOxide::TokenAuthentication
# .configuration), which handlers read on every request, as STA does.
#
# Defined only when the real gem is neither loaded nor activated (Bundler
# activates a Gemfile's gems before requiring them): with STA present its
# module is left alone, its initializer configures STA only, and the README
# says to remove it (see "Migrating from simple_token_authentication").
unless defined?(::SimpleTokenAuthentication) ||
       (defined?(::Gem) && Gem.respond_to?(:loaded_specs) && Gem.loaded_specs.key?("simple_token_authentication"))
  module SimpleTokenAuthentication
    # STA's adapter lists. token_oxide extends ActiveRecord::Base and every
    # ActionController base class itself, so these are kept (an initializer
    # may set or read them) but choose nothing; Mongoid is not supported.
    DEFAULT_CONTROLLER_ADAPTERS = %w[rails rails_api rails_metal].freeze
    DEFAULT_MODEL_ADAPTERS = %w[active_record mongoid].freeze
    DEFAULT_ADAPTERS_DEPENDENCIES = {
      "active_record" => "ActiveRecord::Base",
      "mongoid" => "Mongoid::Document",
      "rails" => "ActionController::Base",
      "rails_api" => "ActionController::API",
      "rails_metal" => "ActionController::Metal"
    }.freeze

    # STA's settings that token_oxide's handlers read per request.
    SHARED = %i[fallback header_names identifiers sign_in_token skip_devise_trackable].freeze

    class << self
      attr_writer :controller_adapters, :model_adapters, :adapters_dependencies

      # SimpleTokenAuthentication.configure do |config| ... end, as in STA:
      # the block gets the module itself.
      def configure
        yield self if block_given?
        self
      end

      SHARED.each do |name|
        define_method(name) { TokenOxide::TokenAuthentication.configuration.public_send(name) }
        define_method(:"#{name}=") { |value| TokenOxide::TokenAuthentication.configuration.public_send(:"#{name}=", value) }
      end

      def controller_adapters = @controller_adapters || DEFAULT_CONTROLLER_ADAPTERS.dup
      def model_adapters = @model_adapters || DEFAULT_MODEL_ADAPTERS.dup
      def adapters_dependencies = @adapters_dependencies || DEFAULT_ADAPTERS_DEPENDENCIES.dup

      # Back to STA's defaults (the shared ones live in token_oxide's configuration).
      def reset_adapters!
        @controller_adapters = @model_adapters = @adapters_dependencies = nil
      end
    end
  end
end
