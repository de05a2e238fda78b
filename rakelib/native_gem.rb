# frozen_string_literal: true

require "rubygems/package"
require "fileutils"

# The precompiled x86_64-linux gem: the extension of every Ruby ABI built in
# this checkout (lib/token_oxide/<major.minor>/), so installing it needs no
# Rust. Loaded by rakelib/native.rake; kept free of Rake so specs can call it.
module NativeGem
  module_function

  def abi_libraries(root)
    Dir.chdir(root) { Dir["lib/token_oxide/[0-9]*.[0-9]*/token_oxide.#{RbConfig::CONFIG["DLEXT"]}"].sort }
  end

  def abi_of(library)
    Gem::Version.new(library[%r{/(\d+\.\d+)/}, 1])
  end

  # A gem's required_ruby_version is one range (its clauses are ANDed), so the
  # ABIs it holds must be consecutive minors of one major: a gem with 3.1 and
  # 3.3 would also install on 3.2 and fail there with a LoadError.
  def ruby_requirement(abis)
    abis = abis.map { |abi| Gem::Version.new(abi.to_s) }.sort
    majors = abis.map { |abi| abi.segments.first }.uniq
    if majors.size > 1
      raise ArgumentError, "the built ABIs #{abis.join(", ")} span Ruby #{majors.join(" and ")}: " \
                           "pack one platform gem per major with TOKEN_OXIDE_ABIS"
    end
    minors = abis.map { |abi| abi.segments[1] }
    missing = (minors.first..minors.last).to_a - minors
    unless missing.empty?
      raise ArgumentError, "the built ABIs #{abis.join(", ")} skip #{missing.map { |m| "#{majors.first}.#{m}" }.join(", ")}: " \
                           "a gem holding them would install there and fail to load; build the missing ABI or " \
                           "choose a consecutive range with TOKEN_OXIDE_ABIS (e.g. TOKEN_OXIDE_ABIS=#{abis.last})"
    end
    [">= #{abis.first}", "< #{majors.first}.#{minors.last + 1}.dev"]
  end

  # The libraries to pack: all that are built, or those TOKEN_OXIDE_ABIS names
  # (comma-separated, e.g. "3.3" or "3.1,3.2"); naming an unbuilt one is an error.
  def selected_libraries(root, wanted = ENV.fetch("TOKEN_OXIDE_ABIS", nil))
    libraries = abi_libraries(root)
    raise ArgumentError, "no lib/token_oxide/<abi>/ library; run `rake compile` first" if libraries.empty?
    return libraries if wanted.nil? || wanted.strip.empty?

    wanted = wanted.split(",").map { |abi| Gem::Version.new(abi.strip) }
    built = libraries.map { |path| abi_of(path) }
    unbuilt = wanted - built
    raise ArgumentError, "TOKEN_OXIDE_ABIS names #{unbuilt.join(", ")}, not built (built: #{built.join(", ")})" unless unbuilt.empty?

    libraries.select { |path| wanted.include?(abi_of(path)) }
  end

  # The source gemspec, with the built libraries instead of extconf.rb, and a
  # Ruby requirement narrowed to the ABIs it holds.
  def platform_spec(root, wanted = ENV.fetch("TOKEN_OXIDE_ABIS", nil))
    libraries = selected_libraries(root, wanted)
    requirement = ruby_requirement(libraries.map { |path| abi_of(path) })
    spec = Gem::Specification.load(File.join(root, "token_oxide.gemspec"))
    spec.platform = Gem::Platform.local
    spec.extensions = []
    spec.files = (spec.files.reject { |f| f.start_with?("ext/") || f.start_with?("Cargo.") } + libraries).sort
    spec.required_ruby_version = requirement
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
