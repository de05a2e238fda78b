# frozen_string_literal: true

require "fileutils"
require "json"
require "open3"
require "tmpdir"

# A real app (spec/packaging/production_app: Gemfile with the gem, eager
# loading production environment, a model with has_secure_token and
# generates_token_for) run through `bin/rails` with RAILS_ENV=production and
# no secret_key_base anywhere, as in a Docker build step. Every command also
# runs in the same app without the gem (plain Rails), and the gem must never
# change the outcome of a command that does not make a token:
#
# * Rails 6.1/7.0 (Debian 12): plain Rails boots, so must the app with the
#   gem; the first token then raises Rails' own missing-secret error.
# * Rails 7.1+ (Debian 13, 7.2): plain Rails itself cannot load Active Record
#   without the secret (its generated_token_verifier hook asks for
#   app.message_verifier at load), so the eager-loading boot fails in both
#   apps with the same error from the same hook; `rails routes` without eager
#   loading and SECRET_KEY_BASE_DUMMY=1 (Rails' own answer for build steps)
#   boot in both.
RSpec.describe "RAILS_ENV=production without secret_key_base" do
  root = File.expand_path("../..", __dir__)
  template = File.expand_path("production_app", __dir__)

  # The Rails the app will run (read from its gemspec: loading Rails here
  # would change what other specs see).
  rails_version = Gem::Specification.find_by_name("railties").version

  # Runner code that makes a token and prints what it raised, as JSON.
  token_use = lambda do |code|
    <<~RUBY
      ActiveRecord::Schema.verbose = false
      ActiveRecord::Schema.define { create_table(:users) { |t| t.string :token } }
      user = User.create!
      result = { "secure_token_size" => user.token.size }
      begin
        token = #{code}
        result["token"] = token
        result["found"] = User.find_by_token_for(:activation, token) == user if User.respond_to?(:find_by_token_for)
      rescue StandardError => e
        result["error"] = { "class" => e.class.name, "message" => e.message, "raised_at" => e.backtrace.first[/\\A[^:]+:\\d+/] }
      end
      puts JSON.generate(result)
    RUBY
  end

  before(:all) do
    @dir = Dir.mktmpdir("token_oxide-production")
    @apps = { gem: File.join(@dir, "with_gem"), plain: File.join(@dir, "plain") }
    @apps.each_value { |app| FileUtils.cp_r(template, app) }
  end

  after(:all) { FileUtils.rm_rf(@dir) if @dir }

  # Runs bin/rails ARGS in one of the two apps; each app's runs are serial
  # (Bundler writes its Gemfile.lock), the two apps run side by side.
  def rails(app, *args, env: {})
    base = { "RAILS_ENV" => "production", "TOKEN_OXIDE_ROOT" => File.expand_path("../..", __dir__),
             "WITHOUT_TOKEN_OXIDE" => app == :plain ? "1" : nil, "SECRET_KEY_BASE" => nil, "RAILS_MASTER_KEY" => nil,
             "BUNDLE_GEMFILE" => nil, "RUBYOPT" => nil, "RUBYLIB" => nil,
             "DATABASE_URL" => nil } # other specs of the suite set it for their apps
    out, err, status = Open3.capture3(base.merge(env), RbConfig.ruby, "bin/rails", *args, chdir: @apps.fetch(app))
    { success: status.success?, out: out, err: err }
  end

  def both(*args, env: {})
    runs = %i[gem plain].to_h { |app| [app, Thread.new { rails(app, *args, env: env) }] }
    runs.transform_values(&:value)
  end

  # What a failed boot raised: the exception line ("file:519:in `name':
  # message (Class)", Ruby 3.1-3.3) and the first frame of Active Record's
  # railtie (the hook that asked for the secret).
  def failure(run)
    lines = run[:err].lines.map(&:strip)
    raised = lines.lazy.filter_map { |l| l.match(/\A(?<file>[^:\n]+):(?<line>\d+):in [`'](?<method>[^']+)': (?<message>.*) \((?<class>[\w:]+)\)\z/) }.first
    expect(raised).not_to be_nil, "no exception line in:\n#{run[:err]}"
    hook = lines.find { |l| l.include?("active_record/railtie.rb") }
    { "class" => raised[:class], "message" => raised[:message], "raised_at" => "#{raised[:file]}:#{raised[:line]}",
      "hook" => hook&.sub(/\Afrom /, "") }
  end

  def report(run)
    expect(run[:success]).to be(true), "failed:\n#{run[:err]}"
    JSON.parse(run[:out].lines.last)
  end

  context "on Rails 6.1/7.0 (the backported generates_token_for)" do
    before(:all) do
      skip "this leg has Rails #{rails_version}; the 7.1+ examples below run there" if rails_version >= Gem::Version.new("7.1")
    end

    it "lists the routes of the eager-loaded app, as plain Rails does" do
      runs = both("routes")
      runs.each { |app, run| expect(run[:success]).to be(true), "#{app}: #{run[:err]}" }
      expect(runs[:gem][:out]).to include("users#show")
      expect(runs[:gem][:out]).to eq(runs[:plain][:out])
    end

    it "runs a runner that loads the models, with eager_keys on or off, and derives no key" do
      %w[0 1].each do |eager|
        run = rails(:gem, "runner", 'puts JSON.generate(model: User.name, verifier: ActiveRecord::Base.generated_token_verifier.inspect)',
                    env: { "TOKEN_OXIDE_EAGER_KEYS" => eager })
        expect(report(run)).to eq("model" => "User", "verifier" => "#<TokenOxide::LazyVerifier not built yet>")
      end
    end

    it "raises Rails' own missing-secret error at the first token, the one plain Rails raises for its verifier" do
      ours = report(rails(:gem, "runner", token_use.call("user.generate_token_for(:activation)")))
      plain = report(rails(:plain, "runner", token_use.call('Rails.application.message_verifier("x").generate(1)')))
      warm_up = report(rails(:gem, "runner", token_use.call("TokenOxide.warm_up!")))

      expect(ours["secure_token_size"]).to eq(24) # has_secure_token needs no secret
      expect(ours["error"]["class"]).to eq("ArgumentError")
      expect(ours["error"]["message"]).to start_with("Missing `secret_key_base` for 'production' environment")
      expect(ours["error"]["raised_at"]).to include("/railties-").and(include("lib/rails/application.rb"))
      expect(ours["error"]).to eq(plain["error"])
      expect(warm_up["error"]).to eq(plain["error"])
    end

    it "makes and reads tokens once the secret is there" do
      result = report(rails(:gem, "runner", token_use.call("user.generate_token_for(:activation)"),
                            env: { "SECRET_KEY_BASE" => "ab" * 64 }))
      expect(result).not_to have_key("error")
      expect(result["found"]).to be(true)
    end
  end

  context "on Rails 7.1+ (plain Rails needs the secret to load Active Record)" do
    before(:all) do
      skip "this leg has Rails #{rails_version}; the 6.1/7.0 examples above run there" if rails_version < Gem::Version.new("7.1")
    end

    it "fails the eager-loading boot exactly as plain Rails does: Rails' error from Active Record's token hook" do
      runs = both("routes")
      runs.each { |app, run| expect(run[:success]).to be(false), "#{app} booted:\n#{run[:out]}" }
      ours = failure(runs[:gem])
      expect(ours).to eq(failure(runs[:plain]))
      expect(ours["class"]).to eq("ArgumentError")
      expect(ours["message"]).to start_with("Missing `secret_key_base` for 'production' environment")
      expect(ours["raised_at"]).to include("/railties-")
      expect(ours["hook"]).to include("active_record/railtie.rb").and(include("<class:Railtie>"))
    end

    it "fails a runner without eager loading as plain Rails does (its runner loads Active Record)" do
      runs = both("runner", "puts User.name", env: { "EAGER_LOAD" => "0" })
      runs.each { |app, run| expect(run[:success]).to be(false), "#{app} ran:\n#{run[:out]}" }
      expect(failure(runs[:gem])).to eq(failure(runs[:plain]))
    end

    it "lists the routes without eager loading, as plain Rails does" do
      runs = both("routes", env: { "EAGER_LOAD" => "0" })
      runs.each { |app, run| expect(run[:success]).to be(true), "#{app}: #{run[:err]}" }
      expect(runs[:gem][:out]).to include("users#show")
      expect(runs[:gem][:out]).to eq(runs[:plain][:out])
    end

    it "boots with SECRET_KEY_BASE_DUMMY=1 (Rails' build-step switch) as plain Rails does, and makes tokens" do
      runs = both("routes", env: { "SECRET_KEY_BASE_DUMMY" => "1" })
      runs.each { |app, run| expect(run[:success]).to be(true), "#{app}: #{run[:err]}" }
      expect(runs[:gem][:out]).to eq(runs[:plain][:out])

      result = report(rails(:gem, "runner", token_use.call("user.generate_token_for(:activation)"),
                            env: { "SECRET_KEY_BASE_DUMMY" => "1" }))
      expect(result).not_to have_key("error")
      expect(result["found"]).to be(true)
    end
  end
end
