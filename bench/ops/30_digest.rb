# frozen_string_literal: true

require "openssl"

TokenOxideBench.op "SHA-256 hexdigest (24 B)", group: "digest",
                                               needs: %w[TokenOxide::Digest.sha256_hexdigest], target: 4 do
  token = "S6CSFpaJjHJAosUDDNvMQ24T"
  {
    ruby: -> { OpenSSL::Digest::SHA256.hexdigest(token) },
    oxide: -> { TokenOxide::Digest.sha256_hexdigest(token) }
  }
end

TokenOxideBench.op "HMAC-SHA256 hexdigest (24 B)", group: "digest",
                                                   needs: %w[TokenOxide::Digest.hmac_sha256_hexdigest] do
  key = "0123456789abcdef" * 4
  token = "S6CSFpaJjHJAosUDDNvMQ24T"
  {
    ruby: -> { OpenSSL::HMAC.hexdigest("SHA256", key, token) },
    oxide: -> { TokenOxide::Digest.hmac_sha256_hexdigest(key, token) },
    note: "Devise TokenGenerator#digest form"
  }
end
