# frozen_string_literal: true

require "tmpdir"
require "open3"
require "rbconfig"
require "fileutils"
require "rubygems/package"

RSpec.describe "the source gem's build" do
  root = File.expand_path("../..", __dir__)

  it "builds without warnings, from tracked files only, with its license, changelog and metadata" do
    Dir.mktmpdir("token_oxide-build") do |dir|
      gem_file = File.join(dir, "token_oxide.gem")
      out, status = Open3.capture2e("gem", "build", "token_oxide.gemspec", "-o", gem_file, chdir: root)
      expect(status).to be_success, out
      expect(out).not_to include("WARNING")

      spec = Gem::Package.new(gem_file).spec
      tracked = Dir.chdir(root) { `git ls-files -z`.split("\x0") }
      expect(spec.files - tracked).to be_empty
      expect(spec.files).to include("LICENSE", "CHANGELOG.md", "Cargo.lock", "ext/token_oxide/extconf.rb")
      expect(spec.files.grep(/\.(so|bundle)\z|\Aext\/fuzz\//)).to be_empty
      expect(spec.metadata.keys).to include("homepage_uri", "source_code_uri", "changelog_uri")
      expect(spec.metadata["rubygems_mfa_required"]).to eq("true")
      expect(File.size(gem_file)).to be < 1024 * 1024
    end
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
