# frozen_string_literal: true

# Loads the compiled Rust extension: a precompiled per-Ruby build when the gem
# ships one, otherwise the library compiled at install (or by `rake compile`).
begin
  require "token_oxide/#{RUBY_VERSION[/\d+\.\d+/]}/token_oxide"
rescue LoadError
  require "token_oxide/token_oxide"
end
