# frozen_string_literal: true

# One real Rails application (Debian's railties 6.1) for every spec that needs
# Rails: a process can boot only one Rails::Application, so spec families share
# this one. It is booted lazily by `TokenOxideSpec.rails_app`; specs that only
# need Active Record call `TokenOxideSpec.database` instead.
#
# Each spec family defines its own tables (`TokenOxideSpec.create_table`) and
# draws its own routes in a `before(:all)` (`Rails.application.routes.draw`),
# since example groups run contiguously.
module TokenOxideSpec
  SECRET_KEY_BASE = "token_oxide-spec-secret-key-base-" + ("0123456789abcdef" * 6)

  module_function

  # A SQLite file private to this process, so that the connection the Rails
  # app's railtie makes (from DATABASE_URL) sees the same tables.
  def database_path
    @database_path ||= begin
      require "tmpdir"
      File.join(Dir.mktmpdir("token_oxide-spec"), "test.sqlite3")
    end
  end

  # The SQLite database shared by the whole run.
  def database
    @database ||= begin
      require "active_record"
      ENV["DATABASE_URL"] = "sqlite3:#{database_path}"
      ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: database_path)
      ActiveRecord::Migration.verbose = false
      ActiveRecord::Base.connection
    end
  end

  # (Re)create a table; the block receives the table definition.
  def create_table(name, **options, &block)
    database
    ActiveRecord::Schema.define do
      create_table(name, force: true, **options, &block)
    end
  end

  # The booted test application (Devise is loaded when available).
  def rails_app
    @rails_app ||= boot_rails_app
  end

  def boot_rails_app
    database
    require "rails"
    require "action_controller/railtie"
    require "active_record/railtie"
    begin
      require "devise"
    rescue LoadError
      nil
    end
    require "token_oxide"
    require "token_oxide/railtie" # token_oxide was required before Rails, so load its Railtie now

    app = Class.new(Rails::Application) do
      config.root = File.expand_path("../..", __dir__)
      config.eager_load = false
      config.logger = Logger.new(nil)
      config.secret_key_base = SECRET_KEY_BASE
      config.hosts.clear if config.respond_to?(:hosts)
      config.action_controller.allow_forgery_protection = false
      config.active_support.deprecation = :silence
    end
    Object.const_set(:TokenOxideTestApp, app)
    Devise.setup { |c| c.secret_key = SECRET_KEY_BASE; require "devise/orm/active_record" } if defined?(Devise)
    app.initialize!
    Rails.application
  end
end
