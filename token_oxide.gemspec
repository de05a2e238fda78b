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

  # Placeholder until the project's public repository is decided.
  repository = "https://github.com/token-oxide/token_oxide"
  spec.homepage = repository
  spec.metadata = {
    # Distinct from the homepage: RubyGems warns when several keys repeat one URI.
    "source_code_uri" => "#{repository}/tree/main",
    "changelog_uri" => "#{repository}/blob/main/CHANGELOG.md",
    "rubygems_mfa_required" => "true"
  }

  # What git tracks (so a stray build product never ships), limited to what
  # a build and a user need; Dir[] is the fallback outside a git checkout.
  shipped = %r{\A(lib/.*\.rb|ext/(?!fuzz/).*\.(rs|toml|rb)|Cargo\.(toml|lock)|README\.md|LICENSE|CHANGELOG\.md)\z}
  tracked = Dir.chdir(__dir__) { `git ls-files -z 2>/dev/null`.split("\x0") }
  tracked = Dir.chdir(__dir__) { Dir["**/*"] } if tracked.empty?
  spec.files = tracked.grep(shipped)
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/token_oxide/extconf.rb"]

  spec.add_dependency "activesupport", ">= 6.1", "< 9"
  spec.add_development_dependency "activerecord", ">= 6.1", "< 9"
  spec.add_development_dependency "benchmark-ips", "~> 2.7"
  spec.add_development_dependency "rake", ">= 13", "< 14"
  spec.add_development_dependency "rspec", "~> 3.12"
  spec.add_development_dependency "sqlite3", ">= 1.4", "< 3"
end
