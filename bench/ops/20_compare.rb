# frozen_string_literal: true

# OpenSSL first: ActiveSupport 6.1 only uses OpenSSL.fixed_length_secure_compare
# (C) when OpenSSL is loaded before security_utils, as it is in every Rails
# app; otherwise it falls back to a much slower unpack loop.
require "openssl"
require "active_support"
require "active_support/security_utils"

# Equal inputs are separate String objects with the same bytes; unequal ones
# differ only in the last byte, so neither side can stop early on length.
{ "24 B" => 24, "1 KiB" => 1024 }.each do |size_label, size|
  { "equal" => true, "unequal" => false }.each do |kind, equal|
    TokenOxideBench.op "secure_compare #{kind} #{size_label}", group: "compare",
                                                             needs: %w[TokenOxide.secure_compare], target: 20 do
      a = ("k" * (size - 1)) + "x"
      b = ("k" * (size - 1)) + (equal ? "x" : "y")
      {
        ruby: -> { ActiveSupport::SecurityUtils.secure_compare(a, b) },
        oxide: -> { TokenOxide.secure_compare(a, b) },
        check: ->(r, o) { r == equal && o == equal },
        note: (size == 24 ? "AS 6.1 is OpenSSL C memcmp behind 2 Ruby calls: call overhead dominates at 24 B" : nil)
      }
    end
  end
end
