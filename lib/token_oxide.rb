# frozen_string_literal: true

require "token_oxide/version"
require "token_oxide/errors"
require "token_oxide/native"
require "token_oxide/random"
require "token_oxide/key_generator"
require "token_oxide/token_authentication"

# Rails-compatible token work done in Rust: secure tokens, constant-time
# comparison, digests, MessageVerifier-compatible signing and encrypted
# token storage. See README.md.
module TokenOxide
end
