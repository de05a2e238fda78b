# frozen_string_literal: true

require "tmpdir"
require "open3"
require "rbconfig"
require "fileutils"
require "rubygems/package"

RSpec.describe "the source gem's build" do
  root = File.expand_path("../..", __dir__)

  it "builds without warnings, with its license, changelog and metadata" do
    Dir.mktmpdir("token_oxide-build") do |dir|
      gem_file = File.join(dir, "token_oxide.gem")
      out, status = Open3.capture2e("gem", "build", "token_oxide.gemspec", "-o", gem_file, chdir: root)
      expect(status).to be_success, out
      expect(out).not_to include("WARNING")

      spec = Gem::Package.new(gem_file).spec
      expect(spec.files).to include("LICENSE", "CHANGELOG.md", "Cargo.lock", "ext/token_oxide/extconf.rb")
      expect(spec.files.grep(/\.(so|bundle)\z|\Aext\/fuzz\//)).to be_empty
      expect(spec.homepage).to start_with("https://")
      expect(spec.metadata.keys).to include("source_code_uri", "changelog_uri")
      expect(spec.metadata["rubygems_mfa_required"]).to eq("true")
      expect(File.size(gem_file)).to be < 1024 * 1024
    end
  end

  it "packs only files git tracks" do
    tracked, status = Open3.capture2("git", "ls-files", "-z", chdir: root) rescue nil
    # The Debian 13 root has no git (and sees no .git of this worktree); the
    # gemspec falls back to its file pattern there.
    skip "git cannot list this checkout here" unless status&.success?
    spec = Dir.chdir(root) { Gem::Specification.load("token_oxide.gemspec") }
    expect(spec.files).not_to be_empty
    expect(spec.files - tracked.split("\x0")).to be_empty
  end

  it "says how to compile when the extension was never built (a `path:` gem)" do
    Dir.mktmpdir("token_oxide-uncompiled") do |dir|
      FileUtils.cp_r(File.join(root, "lib"), dir)
      Dir[File.join(dir, "lib", "**", "*.{so,bundle}")].each { |f| File.delete(f) }
      out, status = Open3.capture2e({ "RUBYLIB" => nil }, RbConfig.ruby, "-I", File.join(dir, "lib"), "-e",
                                    'require "token_oxide"')
      expect(status).not_to be_success
      expect(out).to include("the Rust extension is not compiled for Ruby #{RUBY_VERSION[/\d+\.\d+/]}")
        .and include("run `rake compile`")
    end
  end
end
