# frozen_string_literal: true

require "rubygems/package"

# `rake native gem`: a precompiled x86_64-linux gem holding the extension of
# every Ruby ABI built in this checkout (lib/token_oxide/<major.minor>/), so
# installing it needs no Rust. Build each ABI first: `rake compile` on the
# host (3.1) and `bin/debian13 run rake compile` (3.3). Plain `rake gem` is
# the source gem, which compiles at install.
module NativeGem
  module_function

  def abi_libraries(root)
    Dir.chdir(root) { Dir["lib/token_oxide/[0-9]*.[0-9]*/token_oxide.#{RbConfig::CONFIG["DLEXT"]}"].sort }
  end

  # The source gemspec, with the built libraries instead of extconf.rb, and a
  # Ruby requirement narrowed to the ABIs it holds.
  def platform_spec(root)
    libraries = abi_libraries(root)
    abort "rake native: no lib/token_oxide/<abi>/ library; run `rake compile` first" if libraries.empty?
    abis = libraries.map { |path| Gem::Version.new(path[%r{/(\d+\.\d+)/}, 1]) }.sort
    spec = Gem::Specification.load(File.join(root, "token_oxide.gemspec"))
    spec.platform = Gem::Platform.local
    spec.extensions = []
    spec.files = (spec.files.reject { |f| f.start_with?("ext/") || f.start_with?("Cargo.") } + libraries).sort
    major, minor = abis.last.segments
    spec.required_ruby_version = [">= #{abis.first}", "< #{major}.#{minor + 1}.dev"]
    spec
  end

  # Gem::Package builds in the current directory: run it from the checkout.
  def build(spec, root, out_dir)
    FileUtils.mkdir_p(out_dir)
    Dir.chdir(root) do
      file = Gem::Package.build(spec)
      target = File.join(out_dir, file)
      FileUtils.mv(file, target) unless File.expand_path(file) == File.expand_path(target)
      target
    end
  end
end

desc "Make the next `rake gem` build the precompiled platform gem (from lib/token_oxide/<abi>/)"
task :native do
  @native_gem = true
end

desc "Build pkg/token_oxide-<version>.gem (source), or the platform gem after `rake native`"
task :gem do
  out_dir = ENV.fetch("TOKEN_OXIDE_PKG_DIR", File.join(ROOT, "pkg"))
  spec = @native_gem ? NativeGem.platform_spec(ROOT) : Gem::Specification.load(File.join(ROOT, "token_oxide.gemspec"))
  puts NativeGem.build(spec, ROOT, out_dir)
end
