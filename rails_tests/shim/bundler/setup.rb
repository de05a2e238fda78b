# frozen_string_literal: true

# Rails' test helpers start with `require "bundler/setup"`, which needs the
# Rails monorepo's Gemfile. These runs use Debian's installed Rails gems
# instead, so this directory comes first on the load path and that require
# does nothing.
