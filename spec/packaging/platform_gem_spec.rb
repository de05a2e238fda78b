# frozen_string_literal: true

require "tmpdir"
require "open3"
require "rbconfig"

# `rake native gem` packs the extension this leg already built (bin/test
# compiles it into lib/token_oxide/<abi>/), so no second cargo build: the
# spec installs that gem where no cargo can be found and uses it. Only this
# leg's ABI is packed: the other leg's may sit beside it without the ABIs
# between them (platform_abi_range_spec.rb).
RSpec.describe "rake native gem (the precompiled platform gem)" do
  root = File.expand_path("../..", __dir__)
  abi = RUBY_VERSION[/\d+\.\d+/]

  it "installs into an empty GEM_HOME without cargo and loads the library of this Ruby's ABI" do
    skip "lib/token_oxide/#{abi}/ has no built library (run `rake compile`)" unless
      File.exist?(File.join(root, "lib", "token_oxide", abi, "token_oxide.#{RbConfig::CONFIG["DLEXT"]}"))

    Dir.mktmpdir("token_oxide-native") do |dir|
      out, status = Open3.capture2e({ "TOKEN_OXIDE_PKG_DIR" => dir, "TOKEN_OXIDE_ABIS" => abi }, RbConfig.ruby, "-S", "rake", "native", "gem",
                                    chdir: root)
      expect(status).to be_success, out
      gem_file = out.lines.last.strip
      expect(File.basename(gem_file)).to eq("token_oxide-#{TokenOxide::VERSION}-#{Gem::Platform.local}.gem")

      # An empty PATH: neither cargo nor rustc nor a compiler can be reached.
      no_tools = { "PATH" => File.join(dir, "empty-bin"), "CARGO_TARGET_DIR" => nil, "RUSTUP_HOME" => nil }
      home = File.join(dir, "home")
      gem_command = File.join(RbConfig::CONFIG["bindir"], "gem")
      out, status = Open3.capture2e(no_tools, RbConfig.ruby, gem_command, "install", "--local", "--ignore-dependencies",
                                    "--no-document", "--install-dir", home, gem_file, chdir: dir)
      expect(status).to be_success, out
      expect(Dir[File.join(home, "extensions", "**", "gem_make.out")]).to be_empty, "the platform gem compiled something"

      script = 'require "token_oxide"; print $LOADED_FEATURES.grep(/token_oxide\.(so|bundle)\z/).first, " ", ' \
               "TokenOxide::MessageVerifier.new('s' * 32).verify(TokenOxide::MessageVerifier.new('s' * 32).generate(7))"
      env = no_tools.merge("GEM_HOME" => home, "GEM_PATH" => [home, *Gem.path].join(File::PATH_SEPARATOR), "RUBYLIB" => nil)
      out, status = Open3.capture2e(env, RbConfig.ruby, "-e", script, chdir: dir)
      expect(status).to be_success, out
      loaded, value = out.split
      expect(loaded).to start_with(home).and end_with("/lib/token_oxide/#{abi}/token_oxide.#{RbConfig::CONFIG["DLEXT"]}")
      expect(value).to eq("7")
    end
  end
end
