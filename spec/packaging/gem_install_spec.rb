# frozen_string_literal: true

require "tmpdir"
require "open3"
require "rbconfig"

# Proves the packed gem compiles through ext/token_oxide/extconf.rb with a
# plain `gem install` (no rb_sys gem) and that the installed copy loads.
RSpec.describe "gem build + gem install" do
  root = File.expand_path("../..", __dir__)

  it "compiles the extension at install and loads it from the installed gem" do
    Dir.mktmpdir("token_oxide-gem") do |dir|
      gem_file = File.join(dir, "token_oxide.gem")
      home = File.join(dir, "home")
      out, status = Open3.capture2e("gem", "build", "token_oxide.gemspec", "-o", gem_file, chdir: root)
      expect(status).to be_success, out

      # Reuse the checkout's cargo target dir so dependencies are not rebuilt.
      env = { "CARGO_TARGET_DIR" => File.join(root, "target") }
      out, status = Open3.capture2e(env, "gem", "install", "--local", "--ignore-dependencies", "--no-document",
                                    "--install-dir", home, gem_file, chdir: dir)
      expect(status).to be_success, out

      script = 'require "token_oxide"; print $LOADED_FEATURES.grep(/token_oxide\.(so|bundle)\z/).first, " ", TokenOxide.base58.size'
      gem_path = [home, *Gem.path].join(File::PATH_SEPARATOR)
      out, status = Open3.capture2e({ "GEM_HOME" => home, "GEM_PATH" => gem_path, "RUBYLIB" => nil },
                                    RbConfig.ruby, "-e", script, chdir: dir)
      expect(status).to be_success, out
      loaded, size = out.split
      expect(loaded).to start_with(home)
      expect(size).to eq("24")
    end
  end
end
