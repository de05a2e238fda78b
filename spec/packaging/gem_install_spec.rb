# frozen_string_literal: true

require "tmpdir"
require "open3"
require "rbconfig"

# Proves the packed gem compiles through ext/token_oxide/extconf.rb with a
# plain `gem install` and that the installed copy loads: through rb_sys's
# create_rust_makefile where the rb_sys gem is installed (Debian 13), through
# the cargo fallback where it is not (Debian 12).
RSpec.describe "gem build + gem install" do
  root = File.expand_path("../..", __dir__)

  def rb_sys_installed?
    !Gem.find_files("rb_sys/mkmf.rb").empty?
  end

  it "compiles the extension at install and loads it from the installed gem" do
    Dir.mktmpdir("token_oxide-gem") do |dir|
      gem_file = File.join(dir, "token_oxide.gem")
      home = File.join(dir, "home")
      out, status = Open3.capture2e("gem", "build", "token_oxide.gemspec", "-o", gem_file, chdir: root)
      expect(status).to be_success, out

      # The fallback reuses the leg's cargo target dir so dependencies are not
      # rebuilt. rb_sys builds inside the installed gem and deletes its build
      # output after install (so it must not be pointed at a shared dir).
      env = { "CARGO_TARGET_DIR" => ENV.fetch("CARGO_TARGET_DIR", File.join(root, "target")) }
      out, status = Open3.capture2e(env, "gem", "install", "--local", "--ignore-dependencies", "--no-document",
                                    "--install-dir", home, gem_file, chdir: dir)
      expect(status).to be_success, out
      build_log = File.read(Dir[File.join(home, "extensions", "**", "token_oxide-*", "gem_make.out")].fetch(0))
      if rb_sys_installed?
        expect(build_log).to include("token_oxide: building with rb_sys")
        # rb_sys deletes cargo's build output after install (before: ~267 MB of
        # target/ stayed in the gem); what is left is the sources and the .so.
        installed = Dir[File.join(home, "gems", "token_oxide-*")].fetch(0)
        bytes = Dir[File.join(installed, "**", "*")].select { |f| File.file?(f) }.sum { |f| File.size(f) }
        expect(bytes).to be < 32 * 1024 * 1024, "#{bytes} bytes left in the installed gem"
      else
        expect(build_log).to include("token_oxide: building with cargo directly")
      end

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
