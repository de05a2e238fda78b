# frozen_string_literal: true

require "openssl"
require "active_support"
require "active_support/key_generator"
require_relative "../fixtures"

# PBKDF2 with 1000 iterations and 64-byte keys: what a Rails app derives its
# verifier and encryptor keys with. Both sides are C/Rust loops over HMAC, so
# a large speed-up is not expected here.
module TokenOxideBench
  op "KeyGenerator#generate_key (SHA1, 1000 it, 64 B)", group: "key_generator",
                                                       needs: %w[TokenOxide::KeyGenerator] do
    ruby = ActiveSupport::KeyGenerator.new(Fixtures::SECRET, iterations: 1000)
    oxide = TokenOxide::KeyGenerator.new(Fixtures::SECRET, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA1)
    {
      ruby: -> { ruby.generate_key("active_record/token_for", 64) },
      oxide: -> { oxide.generate_key("active_record/token_for", 64) }
    }
  end

  op "KeyGenerator#generate_key (SHA256, 1000 it, 64 B)", group: "key_generator",
                                                         needs: %w[TokenOxide::KeyGenerator],
                                                         note: "AS 6.1 KeyGenerator is SHA1-only: Ruby side is " \
                                                               "AS 7's body, OpenSSL::PKCS5.pbkdf2_hmac" do
    oxide = TokenOxide::KeyGenerator.new(Fixtures::SECRET, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA256)
    digest = OpenSSL::Digest::SHA256
    {
      ruby: -> { OpenSSL::PKCS5.pbkdf2_hmac(Fixtures::SECRET, "active_record/token_for", 1000, 64, digest.new) },
      oxide: -> { oxide.generate_key("active_record/token_for", 64) }
    }
  end
end
