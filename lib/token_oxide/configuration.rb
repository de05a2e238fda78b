# frozen_string_literal: true

require "token_oxide/settings"
require "token_oxide/configurable"

module TokenOxide
  # The one place every token_oxide setting is set: `config.token_oxide` in
  # a Rails app (the Railtie hands out this object) and
  # `TokenOxide.configure { |c| ... }` anywhere. The top-level settings live
  # here; c.token_authentication and c.token_authenticatable are the same
  # objects TokenAuthentication.configure and TokenAuthenticatable.configure
  # yield. Names come from TokenOxide::Settings; an unknown one raises
  # TokenOxide::UnknownSetting listing the known ones.
  class Configuration
    include Settings::Strict
    SETTINGS_GROUP = nil

    Settings.in_group(nil).each do |setting|
      name = setting.name
      define_method(name) do
        value = @values.fetch(name) { setting.default }
        value.is_a?(Proc) ? value.call : value
      end
      define_method(:"#{name}?") { public_send(name) ? true : false }
      define_method(:"#{name}=") do |value|
        warn_too_late(setting) if setting.boot && @boot_read
        @values[name] = value
      end
    end

    def initialize
      reset!
    end

    # Every top-level setting back to its default, in place (the Railtie's
    # config.token_oxide keeps pointing at this object).
    def reset!
      @values = {}
      @boot_read = false
      self
    end

    # TokenOxide::TokenAuthentication's settings (request handlers).
    def token_authentication
      TokenAuthentication.configuration
    end

    # TokenOxide::TokenAuthenticatable's settings (token fields, key material).
    def token_authenticatable
      TokenAuthenticatable.configuration
    end

    # OrderedOptions-style access, for code that reads config.token_oxide[:name].
    def [](name)
      known!(name)
      public_send(name)
    end

    def []=(name, value)
      known!(name)
      public_send(:"#{name}=", value)
    end

    # Whether the app set +name+ itself (rather than leaving the default).
    def set?(name)
      @values.key?(name.to_sym)
    end

    # The Railtie calls this once it has read the boot settings: changing
    # one later (e.g. from config/initializers) has no effect, so it warns.
    def boot_settings_read!
      @boot_read = true
    end

    def to_h
      Settings.names(nil).to_h { |name| [name, public_send(name)] }
    end

    def inspect
      "#<#{self.class.name} #{to_h.map { |k, v| "#{k}=#{v.inspect}" }.join(' ')}>"
    end
    alias to_s inspect

    private

    def known!(name)
      raise UnknownSetting.for(name, nil) unless Settings.names(nil).include?(name.to_sym)
    end

    def warn_too_late(setting)
      Kernel.warn("token_oxide: #{setting.path} is read while Rails boots, before config/initializers run; " \
                  "this assignment has no effect: set it in config/application.rb")
    end
  end

  # TokenOxide.configuration is the one settings object (also
  # config.token_oxide in a Rails app):
  #
  #   TokenOxide.configure do |c|
  #     c.eager_keys = true
  #     c.token_authentication.fallback = :exception
  #     c.token_authenticatable.db_key_base = ENV.fetch("DB_KEY_BASE")
  #   end
  extend Configurable

  class << self
    # Derives every key whose secret is present now instead of at first use
    # (see TokenOxide::WarmUp): call it at boot, e.g. in Puma's before_fork,
    # so forked workers share the keys. The Railtie calls it when
    # config.token_oxide.eager_keys is on (default in production). Returns
    # the names of what was derived.
    #
    # @return [Array<Symbol>] what was derived, e.g. [:generates_token_for]
    def warm_up!
      WarmUp.run
    end

    # Back to every default, the group objects included (mostly for tests).
    def reset_configuration!
      configuration.reset!
      TokenAuthentication.reset_configuration!
      TokenAuthenticatable.reset_configuration! if TokenOxide.autoload?(:TokenAuthenticatable).nil?
    end
  end
end
