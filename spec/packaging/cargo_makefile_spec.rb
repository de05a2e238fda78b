# frozen_string_literal: true

require "tmpdir"
require "open3"
require "fileutils"
require "rbconfig"
require "shellwords"

# The cargo fallback of extconf.rb (Debian 12 has no rb_sys gem): after
# `make install` the gem's own target/ (~270 MB of cargo output) is gone, as
# rb_sys removes its build output, while a checkout's `rake compile`
# (KEEP_TARGET=1) and a CARGO_TARGET_DIR the user chose keep theirs. A
# stand-in cargo writes the library where cargo would, so no Rust is built.
RSpec.describe "the cargo fallback Makefile" do
  root = File.expand_path("../..", __dir__)

  # A copy of the gem's files as `gem install` unpacks them, a fake cargo,
  # and the directories `make install` writes to.
  def unpack(dir, root)
    gem_dir = File.join(dir, "gem")
    FileUtils.mkdir_p(File.join(gem_dir, "ext"))
    FileUtils.cp_r(File.join(root, "ext", "token_oxide"), File.join(gem_dir, "ext"))
    FileUtils.cp(File.join(root, "Cargo.toml"), gem_dir)
    cargo = File.join(dir, "fake-cargo")
    File.write(cargo, <<~SH)
      #!/bin/sh
      # records the call, then writes <target-dir>/release/libtoken_oxide.so
      echo "$@" >> #{File.join(dir, "cargo-calls").shellescape}
      while [ $# -gt 0 ]; do [ "$1" = --target-dir ] && target="$2"; shift; done
      mkdir -p "$target/release/deps" && echo built > "$target/release/libtoken_oxide.so" && echo cache > "$target/release/deps/big.rlib"
    SH
    File.chmod(0o755, cargo)
    [gem_dir, cargo]
  end

  def build(gem_dir, cargo, env: {}, make_args: [])
    ext = File.join(gem_dir, "ext", "token_oxide")
    env = { "CARGO" => cargo, "CARGO_TARGET_DIR" => nil, "TOKEN_OXIDE_BUILD_WITHOUT_RB_SYS" => "1" }.merge(env)
    out, status = Open3.capture2e(env, RbConfig.ruby, "extconf.rb", chdir: ext)
    expect(status).to be_success, out
    install_dir = File.join(gem_dir, "installed")
    out, status = Open3.capture2e(env, "make", "install", "RUBYARCHDIR=#{install_dir}", *make_args, chdir: ext)
    expect(status).to be_success, out
    File.read(File.join(install_dir, "token_oxide.#{RbConfig::CONFIG["DLEXT"]}"))
  end

  it "removes the gem's own target/ after installing the library" do
    Dir.mktmpdir("token_oxide-makefile") do |dir|
      gem_dir, cargo = unpack(dir, root)
      expect(build(gem_dir, cargo)).to eq("built\n")
      expect(File.read(File.join(dir, "cargo-calls"))).to include("--target-dir #{File.join(gem_dir, "target")}")
      expect(File).not_to exist(File.join(gem_dir, "target"))
    end
  end

  it "keeps target/ with KEEP_TARGET=1 (rake compile in a checkout)" do
    Dir.mktmpdir("token_oxide-makefile") do |dir|
      gem_dir, cargo = unpack(dir, root)
      expect(build(gem_dir, cargo, make_args: ["KEEP_TARGET=1"])).to eq("built\n")
      expect(File).to exist(File.join(gem_dir, "target", "release", "deps", "big.rlib"))
    end
  end

  it "never removes a CARGO_TARGET_DIR the caller chose" do
    Dir.mktmpdir("token_oxide-makefile") do |dir|
      gem_dir, cargo = unpack(dir, root)
      shared = File.join(dir, "shared-target")
      expect(build(gem_dir, cargo, env: { "CARGO_TARGET_DIR" => shared })).to eq("built\n")
      expect(File).to exist(File.join(shared, "release", "deps", "big.rlib"))
    end
  end
end
