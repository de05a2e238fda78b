# frozen_string_literal: true

# Builds the Rust extension. With the rb_sys gem installed this is the
# ecosystem's standard path (rb_sys/mkmf's create_rust_makefile, as other
# magnus gems build); without it, cargo_makefile.rb writes a Makefile that
# drives cargo directly, so the gem still builds where rb_sys is not
# installable. Either way: TOKEN_OXIDE_PROFILE=dev for a quick unoptimised
# build, and Cargo.lock is honoured (--locked).

profile = ENV.fetch("TOKEN_OXIDE_PROFILE", "release")
abort "token_oxide: TOKEN_OXIDE_PROFILE must be release or dev" unless %w[release dev].include?(profile)

# TOKEN_OXIDE_BUILD_WITHOUT_RB_SYS=1 forces the fallback (to test it).
rb_sys = ENV["TOKEN_OXIDE_BUILD_WITHOUT_RB_SYS"].nil? && !Gem.find_files("rb_sys/mkmf.rb").empty?

if rb_sys
  require "mkmf"
  require "rb_sys/mkmf"
  require "rb_sys/version"
  puts "token_oxide: building with rb_sys #{RbSys::VERSION} (create_rust_makefile)"
  locked = File.exist?(File.expand_path("../../Cargo.lock", __dir__))
  create_rust_makefile("token_oxide/token_oxide") do |r|
    r.profile = profile.to_sym
    r.extra_cargo_args = ["--locked"] if locked
  end
else
  puts "token_oxide: building with cargo directly (the rb_sys gem is not installed)"
  load File.expand_path("cargo_makefile.rb", __dir__)
end
