# frozen_string_literal: true

require "securerandom"
require "openssl"
require "active_support"
require "active_support/core_ext/securerandom"
require "active_support/security_utils"

section "Tokens, comparison and digests" do
  token = TokenOxide.base58
  show "TokenOxide.base58", token
  show "TokenOxide.friendly_token", TokenOxide.friendly_token
  show "TokenOxide.random_token(8, digits)", TokenOxide.random_token(8, alphabet: "0123456789")
  show "secure_compare(token, token.dup)", TokenOxide.secure_compare(token, token.dup)
  show "secure_compare(token, other)", TokenOxide.secure_compare(token, TokenOxide.base58)
  show "SHA-256 hex", TokenOxide::Digest.sha256_hexdigest(token)
  show "SHA-256 base64 (GitLab digest)", TokenOxide::Digest.sha256_base64digest(token)
  show "HMAC-SHA256 hex (Devise digest)", TokenOxide::Digest.hmac_sha256_hexdigest("key", token)

  puts
  other = token.dup
  compare("base58(24)", ruby: -> { SecureRandom.base58(24) }, oxide: -> { TokenOxide.base58(24) })
  compare("secure_compare (24 B, equal)",
          ruby: -> { ActiveSupport::SecurityUtils.secure_compare(token, other) },
          oxide: -> { TokenOxide.secure_compare(token, other) })
  compare("SHA-256 hexdigest (24 B)",
          ruby: -> { OpenSSL::Digest::SHA256.hexdigest(token) },
          oxide: -> { TokenOxide::Digest.sha256_hexdigest(token) })
end
