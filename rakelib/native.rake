# frozen_string_literal: true

require_relative "native_gem"

# `rake native gem`: the precompiled platform gem (rakelib/native_gem.rb).
# Build each ABI first: `rake compile` on the host (3.1) and
# `bin/debian13 run rake compile` (3.3); TOKEN_OXIDE_ABIS=3.3 packs a subset.
# Plain `rake gem` is the source gem, which compiles at install.

desc "Make the next `rake gem` build the precompiled platform gem (from lib/token_oxide/<abi>/)"
task :native do
  @native_gem = true
end

desc "Build pkg/token_oxide-<version>.gem (source), or the platform gem after `rake native`"
task :gem do
  out_dir = ENV.fetch("TOKEN_OXIDE_PKG_DIR", File.join(ROOT, "pkg"))
  spec = @native_gem ? native_platform_spec : Gem::Specification.load(File.join(ROOT, "token_oxide.gemspec"))
  puts NativeGem.build(spec, ROOT, out_dir)
end

def native_platform_spec
  NativeGem.platform_spec(ROOT)
rescue ArgumentError => e
  abort "rake native: #{e.message}"
end
