# frozen_string_literal: true

# Loads the compiled Rust extension: the build for this Ruby's ABI when one is
# there (the platform gem ships one per ABI; `rake compile` writes one per
# test leg), otherwise the library compiled at `gem install`.
abi = RUBY_VERSION[/\d+\.\d+/]
begin
  require "token_oxide/#{abi}/token_oxide"
rescue LoadError
  begin
    require "token_oxide/token_oxide"
  rescue LoadError
    # Typically `gem "token_oxide", path: ...`: Bundler does not compile path gems.
    raise LoadError, "token_oxide: the Rust extension is not compiled for Ruby #{abi} " \
                     "(neither token_oxide/#{abi}/token_oxide nor token_oxide/token_oxide is on the load path). In the token_oxide checkout run `rake compile` (needs Rust and " \
                     "libclang; see the README's Packaging section), or install the gem with `gem install`."
  end
end

# Needs the extension: tells it when `Time.now` changes (expiry clock).
require "token_oxide/time_now_watch"
