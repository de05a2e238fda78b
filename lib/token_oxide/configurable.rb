# frozen_string_literal: true

module TokenOxide
  # The configuration/configure pair of TokenOxide and of its two setting
  # groups (TokenAuthentication, TokenAuthenticatable): each holds one
  # settings object of its own Configuration class, built on first use.
  # TokenOxide.configuration hands out the groups' objects themselves
  # (config.token_oxide.token_authentication is
  # TokenAuthentication.configuration), so either way sets the same values.
  module Configurable
    # @return the settings object
    def configuration
      @configuration ||= self::Configuration.new
    end

    # Yields the settings object and returns it.
    #
    # @yieldparam config the settings object
    # @raise [UnknownSetting] when the block names a setting that does not exist
    def configure
      yield configuration
      configuration
    end
  end
end
