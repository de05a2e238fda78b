# frozen_string_literal: true

# OpenSSL first: ActiveSupport 6.1-7.x picks its fast, OpenSSL-backed
# SecurityUtils only when OpenSSL is already loaded, and Rails apps always
# have it. Loading ActiveSupport below without it would change AS's behaviour.
require "openssl"
require "token_oxide/version"
require "token_oxide/errors"
require "token_oxide/configuration"
require "token_oxide/native"
require "token_oxide/random"
require "token_oxide/message_verifier"
require "token_oxide/message_encryptor"
require "token_oxide/verifier_factory"
require "token_oxide/key_generator"
require "token_oxide/token_authentication"

# Rails-compatible token work done in Rust: secure tokens, constant-time
# comparison, digests, MessageVerifier-compatible signing and encrypted
# token storage. See README.md.
module TokenOxide
  # GitLab-style add_authentication_token_field (needs Active Record).
  autoload :TokenAuthenticatable, "token_oxide/token_authenticatable"
  # The Rails token DSL for Active Record models, and its verifier.
  autoload :Model, "token_oxide/model"
  autoload :CookieJars, "token_oxide/cookie_jars"
  autoload :TokenForVerifier, "token_oxide/token_for_verifier"
  # Devise.token_generator / Devise.friendly_token (the Railtie installs them).
  autoload :DeviseTokenGenerator, "token_oxide/devise_token_generator"
  autoload :DeviseFriendlyToken, "token_oxide/devise_token_generator"
  # Key derivation at boot (config.token_oxide.eager_keys, TokenOxide.warm_up!).
  autoload :WarmUp, "token_oxide/warm_up"
  autoload :MissingTokenColumn, "token_oxide/missing_token_column"
  # A verifier built on first use (public: apps wrap their own with it).
  autoload :LazyVerifier, "token_oxide/lazy_verifier"
end

require "token_oxide/railtie" if defined?(Rails::Railtie)
