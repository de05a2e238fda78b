# frozen_string_literal: true

require_relative "lib/token_oxide/version"

Gem::Specification.new do |spec|
  spec.name = "token_oxide"
  spec.version = TokenOxide::VERSION
  spec.authors = ["token_oxide developers"]
  spec.summary = "Rails token formats (has_secure_token, generates_token_for, MessageVerifier, MessageEncryptor) in Rust"
  spec.description = <<~DESC
    Takes over the token work of a Rails app: secure tokens, generates_token_for,
    ActiveSupport::MessageVerifier/MessageEncryptor-compatible signing and encryption,
    constant-time comparison, token digests and encrypted token storage, with the
    same DSL and byte-for-byte the same token formats as Rails 7.1+/8, computed in Rust.
  DESC
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.1"

  spec.files = Dir[
    "lib/**/*.rb", "ext/**/*.{rs,toml,rb}", "Cargo.toml", "Cargo.lock",
    "README.md", "LICENSE"
  ].reject { |f| f.start_with?("ext/fuzz") }
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/token_oxide/extconf.rb"]

  spec.add_dependency "activesupport", ">= 6.1"
  spec.add_development_dependency "activerecord", ">= 6.1"
  spec.add_development_dependency "benchmark-ips", "~> 2.7"
  spec.add_development_dependency "rake", ">= 13"
  spec.add_development_dependency "rspec", "~> 3.12"
  spec.add_development_dependency "sqlite3", ">= 1.4"
end
