# frozen_string_literal: true

require "fileutils"

module RailsTests
  # Rails 7.2's own test files, from Debian 13's `rails` source package.
  #
  # `apt-get source --download-only rails` fetches the upstream tarball
  # (rails_<version>+dfsg.orig.tar.xz, tests included), but the mirror answers
  # 404 for the .dsc and Debian's patch tarball, so apt exits non-zero: the
  # tarball alone is accepted when it arrived. It is kept in a cache outside
  # the clone and reused; only the directories the runs need are unpacked.
  module Source
    CACHE = ENV.fetch("TOKEN_OXIDE_RAILS_SRC", "/var/cache/token_oxide/rails-src")
    PARTS = %w[activesupport/test activerecord/test tools].freeze

    module_function

    # The unpacked tree (e.g. .../rails-7.2.2.2), fetching and unpacking it on first use.
    def tree
      FileUtils.mkdir_p(CACHE)
      tarball = Dir[File.join(CACHE, "rails_*.orig.tar.xz")].max || download
      top = "rails-#{File.basename(tarball)[/\Arails_([\d.]+)/, 1]}"
      dir = File.join(CACHE, top)
      unless PARTS.all? { |part| File.directory?(File.join(dir, part)) }
        system("tar", "-xJf", tarball, "-C", CACHE, *PARTS.map { |part| "#{top}/#{part}" }, exception: true)
      end
      dir
    end

    def download
      Dir.chdir(CACHE) { system("apt-get", "source", "--download-only", "-qq", "rails", out: File::NULL, err: File::NULL) }
      Dir[File.join(CACHE, "rails_*.orig.tar.xz")].max ||
        abort("rails_tests: apt-get source rails gave no orig tarball in #{CACHE} (is deb-src for trixie configured?)")
    end
  end
end
