# frozen_string_literal: true

require "token_oxide/version"
require "token_oxide/errors"
require "token_oxide/native"
require "token_oxide/random"
require "token_oxide/message_verifier"
require "token_oxide/message_encryptor"
require "token_oxide/key_generator"

# Rails-compatible token work done in Rust: secure tokens, constant-time
# comparison, digests, MessageVerifier-compatible signing and encrypted
# token storage. See README.md.
module TokenOxide
  autoload :Model, "token_oxide/model"
  autoload :TokenForVerifier, "token_oxide/token_for_verifier"
end

require "token_oxide/railtie" if defined?(Rails::Railtie)
