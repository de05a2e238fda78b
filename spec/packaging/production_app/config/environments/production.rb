# frozen_string_literal: true

# A production environment as generated: eager loading, so Active Record's
# base class and the models load at boot, before any request. No
# secret_key_base is set anywhere (no credentials, no master key, no
# SECRET_KEY_BASE): a Docker build step has none.
Rails.application.configure do
  config.eager_load = ENV["EAGER_LOAD"] != "0" # EAGER_LOAD=0: as `rails routes` in an app that turned it off
  config.cache_classes = true
  config.consider_all_requests_local = false
  config.log_level = :warn
  # TOKEN_OXIDE_EAGER_KEYS=1: the warm-up setting on, which must not need the secret either.
  config.token_oxide.eager_keys = true if ENV["TOKEN_OXIDE_EAGER_KEYS"] == "1" && config.respond_to?(:token_oxide)
end
