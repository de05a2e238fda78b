# frozen_string_literal: true

require "securerandom"
require "active_support"
require "active_support/core_ext/securerandom"
begin
  require "devise"
rescue LoadError
  nil # the friendly_token op is skipped with a note
end

TokenOxideBench.op "base58 token (24)", group: "random", needs: %w[TokenOxide.base58], target: 20 do
  base58 = /\A[1-9A-HJ-NP-Za-km-z]{24}\z/
  {
    ruby: -> { SecureRandom.base58(24) },
    oxide: -> { TokenOxide.base58(24) },
    check: ->(r, o) { r.match?(base58) && o.match?(base58) }
  }
end

TokenOxideBench.op "friendly_token (20)", group: "random", needs: %w[TokenOxide.friendly_token Devise.friendly_token] do
  friendly = /\A[A-HJ-NP-Za-km-z1-9_-]{20}\z/
  {
    ruby: -> { Devise.friendly_token },
    oxide: -> { TokenOxide.friendly_token },
    check: ->(r, o) { r.match?(friendly) && o.match?(friendly) }
  }
end
