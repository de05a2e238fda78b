# frozen_string_literal: true

# One real Rails 7.1+ application with token_oxide in it, booted in this
# (child) process, which then reports what it observed as one JSON object on
# stdout. A process can boot only one Rails application, so
# spec/rails72/booted_apps_spec.rb starts one child per configuration:
#
#   ruby spec/rails72/app.rb '{"load_defaults":"7.2","variant":"plain",
#     "secret_key_base":"...","vector_password_salt":"$2a$12$..."}'
#
# A variant changes one thing in the app (the `case VARIANT` below).
# Everything reported is measured here; the spec decides what is right.
require "json"
require "logger"
require "securerandom"
require "stringio"
require "tmpdir"

OPTIONS = JSON.parse(ARGV.fetch(0))
LOAD_DEFAULTS = OPTIONS.fetch("load_defaults")
VARIANT = OPTIONS.fetch("variant", "plain")
SECRET_KEY_BASE = OPTIONS.fetch("secret_key_base")
OLD_SECRET_KEY_BASE = "rails72-old-secret-key-base-" + ("fe" * 48)

ENV["DATABASE_URL"] = "sqlite3::memory:"
$LOAD_PATH.unshift(File.expand_path("../../lib", __dir__))

require "rails"
require "active_record/railtie"
require "action_controller/railtie"
require "active_storage/engine"
require "token_oxide"
require "token_oxide/railtie"
require "active_support/testing/time_helpers"
require "rack/mock"
require "rack/test"

# A serializer object of the app's own (variant "custom_serializer"): Rails
# writes the pre-7.1 envelope for serializers it does not know.
module PlainJSON
  def self.dump(value) = JSON.generate(value)
  def self.load(string) = JSON.parse(string)
end

# A serializer whose output differs on every call (variant "random_serializer"):
# no probe can show ours signs the same bytes, so Rails' chain must stay.
module SaltedJSON
  def self.dump(value) = JSON.generate([SecureRandom.hex(4), value])
  def self.load(string) = JSON.parse(string).last
end

# What the app logs (the Railtie reports kept verifiers there).
LOG = StringIO.new

# The verifier an app assigns itself (variant "assigned").
APP_VERIFIER = ActiveSupport::MessageVerifier.new("app-assigned-secret" * 4, digest: "SHA256")

class Rails72App < Rails::Application
  config.load_defaults LOAD_DEFAULTS
  config.root = Dir.mktmpdir("token_oxide-rails72")
  config.eager_load = false
  config.logger = Logger.new(LOG)
  config.secret_key_base = SECRET_KEY_BASE
  config.hosts.clear
  config.active_support.report_deprecations = false
  config.active_storage.service = :local
  config.active_storage.service_configurations = { "local" => { "service" => "Disk", "root" => File.join(config.root, "storage") } }

  # Serving (loopback specs, request bench): as a deployed app runs, no
  # code reloading checks and no per-request log lines.
  if OPTIONS["serve"] || OPTIONS["bench"]
    config.enable_reloading = false
    config.log_level = :warn
  end

  case VARIANT
  when "message_pack"
    config.active_support.message_serializer = :message_pack
  when "rotation"
    config.before_initialize { |app| app.message_verifiers.rotate(secret_key_base: OLD_SECRET_KEY_BASE) }
  when "url_safe_sha256"
    config.before_initialize do |app|
      app.message_verifiers.clear_rotations
      app.message_verifiers.rotate(url_safe: true, digest: "SHA256")
    end
  when "url_safe"
    config.before_initialize do |app|
      app.message_verifiers.clear_rotations
      app.message_verifiers.rotate(url_safe: true)
    end
  when "legacy_envelope"
    config.before_initialize do |app|
      app.message_verifiers.clear_rotations
      app.message_verifiers.rotate(force_legacy_metadata_serializer: true)
    end
  when "custom_serializer"
    config.before_initialize do |app|
      app.message_verifiers.clear_rotations
      app.message_verifiers.rotate(serializer: PlainJSON)
    end
  when "random_serializer"
    config.before_initialize do |app|
      app.message_verifiers.clear_rotations
      app.message_verifiers.rotate(serializer: SaltedJSON)
    end
  when "assigned"
    initializer("rails72.assign_token_verifier") do
      ActiveSupport.on_load(:active_record) { self.generated_token_verifier = APP_VERIFIER }
    end
  when "accelerate_off"
    config.token_oxide.accelerate = false
  when "cookies_off"
    config.token_oxide.accelerate_cookies = false
  when "active_storage_off"
    config.token_oxide.accelerate_active_storage = false
  when "cookies_message_pack"
    config.action_dispatch.cookies_serializer = :message_pack
  when "cookies_rotations"
    # The current secret signs with SHA256; cookies of the old secret (and
    # of the SHA1 digest) are still read, and rewritten.
    config.action_dispatch.cookies_serializer = :hybrid
    config.action_dispatch.signed_cookie_digest = "SHA256"
    config.action_dispatch.cookies_rotations.tap do |cookies|
      old = ActiveSupport::KeyGenerator.new(OLD_SECRET_KEY_BASE, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA256)
      cookies.rotate :signed, old.generate_key("signed cookie"), digest: "SHA256"
      cookies.rotate :signed, digest: "SHA1"
      cookies.rotate :encrypted, old.generate_key("authenticated encrypted cookie", 32)
    end
  when "cookies_cbc"
    config.action_dispatch.use_authenticated_cookie_encryption = false
    config.action_dispatch.cookies_digest = "SHA256"
    config.action_dispatch.use_cookies_with_metadata = false
  when "cookies_kept"
    # A cipher token_oxide does not have: the encrypted jar stays Rails'.
    config.action_dispatch.cookies_rotations.tap { |cookies| cookies.rotate :encrypted, "k" * 16, cipher: "aes-128-gcm" }
  when "plain"
    nil
  else
    abort "unknown variant #{VARIANT}"
  end
end

Rails72App.initialize!
ActiveRecord::Migration.verbose = false
ActiveModel::SecurePassword.min_cost = true

ActiveRecord::Schema.define do
  create_table(:users) do |t|
    t.string :email
    t.string :password_digest
    t.string :token
    t.string :api_key
    t.datetime :confirmed_at
  end
  create_table(:members) do |t|
    t.string :email
    t.string :authentication_token
  end
  create_table(:clients) do |t|
    t.string :name
    t.string :api_token_digest
    t.datetime :api_token_expires_at
  end
  create_table(:runners) do |t|
    t.string :token_encrypted
    t.datetime :token_expires_at
  end
  create_table(:access_tokens) do |t|
    t.string :token_digest
  end
  create_table(:active_storage_blobs) do |t|
    t.string :key, null: false
    t.string :filename, null: false
    t.string :content_type
    t.text :metadata
    t.string :service_name, null: false
    t.bigint :byte_size, null: false
    t.string :checksum
    t.datetime :created_at, null: false
  end
end

class User < ActiveRecord::Base
  has_secure_password
  has_secure_token
  has_secure_token :api_key, length: 32, prefix: "sk_"
  generates_token_for :account_activation
  generates_token_for(:email_confirmation, expires_in: 1.day) { email }
  generates_token_for(:email_change, expires_in: 1.day) { { email: email, confirmed: confirmed_at.present? } }
end

class Member < ActiveRecord::Base
  acts_as_token_authenticatable
end

class Client < ActiveRecord::Base
  acts_as_token_authenticatable column: :api_token, store: :digest, expires_in: 3600
end

class Runner < ActiveRecord::Base
  include TokenOxide::TokenAuthenticatable
  add_authentication_token_field :token, encrypted: :required, format_with_prefix: :token_prefix,
                                         expires_at: -> { 30.days.from_now }

  private

  def token_prefix = "glrt-"
end

class AccessToken < ActiveRecord::Base
  include TokenOxide::TokenAuthenticatable
  add_authentication_token_field :token, digest: true
end

class MembersController < ActionController::API
  acts_as_token_authentication_handler_for Member, fallback: :exception

  def index = render(json: { id: current_member.id })
end

class ClientsController < ActionController::API
  acts_as_token_authentication_handler_for Client, as: :client, identifier: :name, fallback: :exception

  def index = render(json: { id: current_client.id })
end

require_relative "cookies_controller"

Rails.application.routes.draw do
  get "/members" => "members#index"
  get "/clients" => "clients#index"
  %w[write read bump].each { |action| get "/cookies/#{action}" => "token_oxide_cookies##{action}" }
end

# The facts, gathered under a frozen clock so that expiring tokens made twice
# (by our verifier and by Rails') carry the same exp.
class Report
  include ActiveSupport::Testing::TimeHelpers

  NOW = Time.utc(2024, 5, 1, 12)

  def initialize
    @facts = {}
    @base58_calls = 0
    count_base58_calls
  end

  def run
    # Whether expiry reads the clock itself in a booted app (with all of
    # Active Support loaded), under travel_to, and after it.
    clock = { "booted" => TokenOxide::Native.builtin_time_now? }
    travel_to(NOW) do
      clock["travel_to"] = TokenOxide::Native.builtin_time_now?
      verifier_facts
      message_verifiers_facts
      token_for_facts
      secure_token_facts
      password_reset_facts
    end
    clock["travel_back"] = TokenOxide::Native.builtin_time_now?
    @facts["direct_clock"] = clock
    request_facts
    cookie_facts
    active_storage_facts
    token_field_facts
    log_facts
    @facts
  ensure
    travel_back
  end

  private

  # What Rails' own code builds for a salt of the app's factory (its
  # settings and rotations), whatever token_oxide's factory hook chose.
  def rails_built(salt)
    ActiveSupport::MessageVerifiers.instance_method(:build_with_rotations).bind_call(Rails.application.message_verifiers, salt)
  end

  def rails_verifier = @rails_verifier ||= rails_built("active_record/token_for")

  def app_verifier = Rails.application.message_verifier("active_record/token_for")

  def installed = ActiveRecord::Base.generated_token_verifier

  def count_base58_calls
    report = self
    TokenOxide.singleton_class.prepend(Module.new { define_method(:base58) { |*args| report.base58_called; super(*args) } })
  end

  public def base58_called = @base58_calls += 1

  def verifier_facts
    @facts.merge!(
      "rails" => Rails.version, "ruby" => RUBY_VERSION, "load_defaults" => LOAD_DEFAULTS, "variant" => VARIANT,
      "verifier_class" => installed.class.name,
      "verifier_is_rails_own" => installed.equal?(app_verifier) && installed.instance_of?(ActiveSupport::MessageVerifier),
      "verifier_from_app_factory" => installed.equal?(app_verifier),
      "verifier_is_app_assigned" => installed.equal?(APP_VERIFIER),
      "rails_verifier_class" => rails_verifier.class.name,
      "rails_token_for_native" => ActiveRecord::Base < ActiveRecord::TokenFor,
      "message_serializer" => ActiveSupport::Messages::Codec.default_serializer.to_s,
      "use_message_serializer_for_metadata" => ActiveSupport::Messages::Metadata.use_message_serializer_for_metadata,
      "key_generator_hash_digest_class" => ActiveSupport::KeyGenerator.hash_digest_class.name
    )
  end

  def log_facts
    @facts["token_oxide_log"] = LOG.string.lines.grep(/token_oxide/).map(&:strip)
  end

  # Rails.application.message_verifier(salt): the class handed out, and its
  # tokens against those of the chain Rails' own code builds for that salt,
  # each read by the other (with purpose and expiry); where the app rotates,
  # a token of the rotated-out link too.
  def message_verifiers_facts
    @facts["message_verifiers"] = %w[app/remember_me app/invitations].to_h do |salt|
      ours = Rails.application.message_verifier(salt)
      reference = rails_built(salt)
      value = { "id" => 7, "scope" => salt }
      options = { purpose: "login", expires_in: 3600 }
      mine = ours.generate(value, **options)
      theirs = reference.generate(value, **options)
      old_link = reference.instance_variable_get(:@rotations)&.first
      facts = {
        "class" => ours.class.name, "same_token" => mine == theirs,
        "ours_reads_rails" => ours.verified(theirs, purpose: "login") == value,
        "rails_reads_ours" => reference.verified(mine, purpose: "login") == value,
        "rotations" => (reference.instance_variable_get(:@rotations) || []).size
      }
      facts["ours_reads_rotated_link"] = ours.verified(old_link.generate(value, **options), purpose: "login") == value if old_link
      [salt, facts]
    end
  end

  # Tokens for the same record and purpose from whatever the Railtie
  # installed ("ours") and from Rails' own verifier, each read by the other.
  def token_for_facts
    # id 1 and these values are the record of the golden vectors tf-pub-a01/a05.
    user = User.create!(email: "alice@example.com", password: "first password", confirmed_at: Time.utc(2024, 4, 30, 10, 20, 30))
    %i[account_activation email_confirmation email_change].each do |purpose|
      ours = user.generate_token_for(purpose)
      theirs = with_verifier(rails_verifier) { user.generate_token_for(purpose) }
      @facts[purpose.to_s] = {
        "id" => user.id, "ours" => ours, "rails" => theirs,
        "ours_reads_rails" => User.find_by_token_for(purpose, theirs)&.id,
        "rails_reads_ours" => with_verifier(rails_verifier) { User.find_by_token_for(purpose, ours)&.id }
      }
    end
    vector_reset_token(user)
    confirmation = @facts["email_confirmation"]["ours"]
    travel 1.day
    @facts["email_confirmation"]["after_a_day"] = User.find_by_token_for(:email_confirmation, confirmation)&.id
    travel_to(NOW)
  end

  # The reset token of the vectors' record (tf-pub-a02), whose salt is given.
  def vector_reset_token(user)
    salt = OPTIONS.fetch("vector_password_salt")
    user.define_singleton_method(:password_salt) { salt }
    @facts["vector_password_reset"] = {
      "ours" => user.password_reset_token, "rails" => with_verifier(rails_verifier) { user.password_reset_token }
    }
  ensure
    user.singleton_class.remove_method(:password_salt)
  end

  def secure_token_facts
    before = @base58_calls
    fresh = User.new(email: "new@example.com", password: "x")
    on_new = fresh.token
    fresh.save!
    @facts["secure_token"] = {
      "set_on_new" => !on_new.nil?, "token" => fresh.token, "api_key" => fresh.api_key,
      "generate_secure_token_on" => ActiveRecord.generate_secure_token_on.to_s,
      "rust_generator_calls" => @base58_calls - before,
      "has_secure_token_owner" => User.method(:has_secure_token).owner.to_s,
      "rails_has_secure_token_owner" => ActiveRecord::SecureToken::ClassMethods.instance_method(:has_secure_token).owner.to_s
    }
  end

  def password_reset_facts
    user = User.create!(email: "bob@example.com", password: "first password")
    ours = user.password_reset_token
    theirs = with_verifier(rails_verifier) { user.password_reset_token }
    facts = {
      "responds" => user.respond_to?(:password_reset_token), "id" => user.id,
      "active_model_has_reset_token" =>
        ActiveModel::SecurePassword::ClassMethods.instance_method(:has_secure_password).parameters.include?(%i[key reset_token]),
      "ours" => ours, "rails" => theirs,
      "ours_reads_rails" => User.find_by_password_reset_token(theirs)&.id,
      "rails_reads_ours" => with_verifier(rails_verifier) { User.find_by_password_reset_token(ours)&.id },
      "password_salt_tail" => user.password_salt.last(10)
    }
    travel 14.minutes
    facts["after_14_minutes"] = User.find_by_password_reset_token(ours)&.id
    travel 1.minute
    facts["after_15_minutes"] = User.find_by_password_reset_token(ours)&.id
    travel_to(NOW)
    user.update!(password: "second password")
    facts["after_password_change"] = User.find_by_password_reset_token(ours)&.id
    @facts["password_reset"] = facts
  end

  # Real requests through the Rails app's middleware stack.
  def request_facts
    member = Member.create!(email: "grace@example.com")
    client = Client.create!(name: "billing")
    client_token = client.api_token
    @facts["requests"] = {
      "member_good" => status("/members", "X-Member-Email" => member.email, "X-Member-Token" => member.authentication_token),
      "member_good_body" => @last_body,
      "member_bad" => status("/members", "X-Member-Email" => member.email, "X-Member-Token" => "#{member.authentication_token}x"),
      "member_bad_body" => @last_body,
      "member_missing" => status("/members"),
      "client_digest" => status("/clients?client_name=billing&client_token=#{client_token}"),
      "client_stored_digest_rejected" => status("/clients?client_name=billing&client_token=#{client.api_token_digest}"),
      "client_plaintext_stored" => Client.where(api_token_digest: client_token).exists?
    }
    travel(3601) { @facts["requests"]["client_expired"] = status("/clients?client_name=billing&client_token=#{client_token}") }
  end

  def status(path, headers = {})
    env = headers.to_h { |k, v| ["HTTP_#{k.upcase.tr('-', '_')}", v] }
    response = Rack::MockRequest.new(Rails.application).get(path, env.merge("HTTP_ACCEPT" => "application/json"))
    @last_body = response.body
    response.status
  end

  # Cookies through real requests (rack-test): written by the app with
  # token_oxide's jars and read with TokenOxide::CookieJars switched off
  # (Rails' jar code and codecs alone), and the reverse.
  def cookie_facts
    ours_write = cookie_request("/cookies/write?value=ours")
    plain_write = plain_rails { cookie_request("/cookies/write?value=ours") }
    @facts["cookies"] = {
      "enabled" => TokenOxide.autoload?(:CookieJars).nil? && TokenOxide::CookieJars.enabled?,
      "codecs" => JSON.parse(ours_write[:body])["codecs"],
      "plain_codecs" => JSON.parse(plain_write[:body])["codecs"],
      "signed_same_bytes" => ours_write[:cookies]["signed_value"] == plain_write[:cookies]["signed_value"],
      "plain_reads_ours" => JSON.parse(plain_rails { cookie_request("/cookies/read", ours_write[:cookies]) }[:body]).except("codecs"),
      "ours_reads_plain" => JSON.parse(cookie_request("/cookies/read", plain_write[:cookies])[:body]).except("codecs"),
      "cookie_names" => ours_write[:cookies].keys.sort
    }
    rotated_cookie_facts if VARIANT == "cookies_rotations"
  end

  # Cookies only the rotated-out secret (or digest) could have written, made
  # by Rails' own codecs: read by the app, which writes them anew.
  def rotated_cookie_facts
    old = ActiveSupport::KeyGenerator.new(OLD_SECRET_KEY_BASE, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA256)
    null = ActiveSupport::MessageEncryptor::NullSerializer
    signed = ActiveSupport::MessageVerifier.new(old.generate_key("signed cookie"), digest: "SHA256", serializer: null)
    sha1 = ActiveSupport::MessageVerifier.new(Rails.application.key_generator.generate_key("signed cookie"), digest: "SHA1", serializer: null)
    encrypted = ActiveSupport::MessageEncryptor.new(old.generate_key("authenticated encrypted cookie", 32), cipher: "aes-256-gcm", serializer: null)
    value = ActiveSupport::Messages::SerializerWithFallback[:json_allow_marshal]
    cookies = {
      "signed_value" => signed.generate(value.dump("old secret"), purpose: "cookie.signed_value"),
      "encrypted_value" => encrypted.encrypt_and_sign(value.dump({ "v" => "old secret", "n" => 1 }), purpose: "cookie.encrypted_value")
    }.transform_values { |raw| Rack::Utils.escape(raw) } # as a Set-Cookie header carries them
    read = cookie_request("/cookies/read", cookies)
    plain_read = plain_rails { cookie_request("/cookies/read", cookies) }
    sha1_read = cookie_request("/cookies/read", "signed_value" => Rack::Utils.escape(sha1.generate(value.dump("old digest"), purpose: "cookie.signed_value")))
    @facts["cookies"]["rotated"] = {
      "read" => JSON.parse(read[:body]).slice("signed", "encrypted"), "rewritten" => read[:cookies].keys.sort,
      "plain_read" => JSON.parse(plain_read[:body]).slice("signed", "encrypted"),
      "sha1_read" => JSON.parse(sha1_read[:body])["signed"]
    }
  end

  # Rails' jar code alone for the block (when token_oxide's hooks are there).
  def plain_rails
    return yield unless TokenOxide.autoload?(:CookieJars).nil?

    was = TokenOxide::CookieJars.enabled?
    TokenOxide::CookieJars.enabled = false
    begin
      yield
    ensure
      TokenOxide::CookieJars.enabled = was
    end
  end

  def cookie_request(path, cookies = {})
    session = Rack::Test::Session.new(Rails.application)
    session.header("Cookie", cookies.map { |name, value| "#{name}=#{value}" }.join("; ")) unless cookies.empty?
    session.get(path)
    response = session.last_response
    header = response.headers["set-cookie"]
    lines = header.is_a?(Array) ? header : header.to_s.split("\n")
    { body: response.body, cookies: lines.to_h { |line| line.split(";", 2).first.split("=", 2) } }
  end

  # Active Storage's blob signed ids go through ActiveStorage.verifier,
  # which the app's message_verifiers factory hands out: a blob id signed by
  # the chain Rails' own code builds for "ActiveStorage" is found, and the
  # app's are read by that chain.
  def active_storage_facts
    blob = ActiveStorage::Blob.create_and_upload!(io: StringIO.new("hello"), filename: "hello.txt")
    rails_chain = rails_built("ActiveStorage")
    ours = blob.signed_id
    theirs = rails_chain.generate(blob.id, purpose: "blob_id")
    @facts["active_storage"] = {
      "verifier_class" => ActiveStorage.verifier.class.name,
      "blob_verifier_is_it" => ActiveStorage::Blob.signed_id_verifier.equal?(ActiveStorage.verifier),
      "same_signed_id" => ours == theirs,
      "finds_rails_signed_id" => ActiveStorage::Blob.find_signed(theirs)&.id == blob.id,
      "rails_reads_ours" => rails_chain.verified(ours, purpose: "blob_id") == blob.id,
      "rejects_other_purpose" => ActiveStorage::Blob.find_signed(rails_chain.generate(blob.id, purpose: "other")).nil?
    }
  end

  def token_field_facts
    runner = Runner.new
    token = runner.ensure_token
    runner.save!
    stored = Runner.connection.select_value("SELECT token_encrypted FROM runners")
    access = AccessToken.new
    access_token = access.ensure_token
    access.save!
    @facts["token_fields"] = {
      "runner_token" => token, "runner_found" => Runner.find_by_token(token)&.id == runner.id,
      "runner_stored_has_plaintext" => stored.include?(token), "runner_stored_prefix" => stored[0, 5],
      "runner_other_rejected" => Runner.find_by_token("#{token}x").nil?,
      "access_found" => AccessToken.find_by_token(access_token)&.id == access.id,
      "access_digest_is_gitlab_form" =>
        AccessToken.connection.select_value("SELECT token_digest FROM access_tokens") ==
          Base64.strict_encode64(OpenSSL::Digest::SHA256.digest(access_token + SECRET_KEY_BASE[0, 32]))
    }
  end

  def with_verifier(verifier)
    previous = User.generated_token_verifier
    User.generated_token_verifier = verifier
    yield
  ensure
    User.generated_token_verifier = previous
  end
end

# "serve": answer HTTP on a loopback port (Puma) instead of reporting; the
# port goes to stdout as {"port":N}. Used by the two-server cookie specs
# and the request bench.
if OPTIONS["serve"] && !OPTIONS["bench"]
  require "puma"
  require "puma/server"
  threads = Integer(OPTIONS.fetch("threads", 1))
  server = Puma::Server.new(Rails.application, nil, min_threads: threads, max_threads: threads)
  server.add_tcp_listener("127.0.0.1", 0)
  $stdout.puts JSON.generate("port" => server.connected_ports.first)
  $stdout.flush
  server.run.join
elsif OPTIONS["bench"]
  # In-process: the same app's whole middleware stack (Rails.application.call)
  # on GET /cookies/bump, with TokenOxide::CookieJars on and off (Rails' jar
  # code alone). Each short round times three runs, token_oxide and plain
  # Rails twice (the order rotates), so a slow spell of a shared machine hits
  # all of them. Prints JSON: each run's requests/s per round, which
  # bench/requests.rb summarizes as it does its loopback rounds.
  first = Rack::MockRequest.new(Rails.application).get("/cookies/write?value=bench")
  cookie = Array(first.headers["set-cookie"]).join("\n").lines.grep(/_session=/).first.split(";", 2).first
  env = Rack::MockRequest.env_for("/cookies/bump", "HTTP_COOKIE" => cookie)
  call = lambda do |enabled|
    TokenOxide::CookieJars.enabled = enabled
    status, headers, = Rails.application.call(env.dup)
    raise "bump failed: #{status}" unless status == 200 && headers["set-cookie"].to_s.include?("_session=")
  end
  # Microseconds per request over +count+ requests.
  timed = lambda do |enabled, count|
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    count.times { call.call(enabled) }
    (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) / count * 1e6
  end
  seconds = Float(OPTIONS.fetch("seconds", 5))
  rounds = 40
  2.times { timed.call(true, 200) && timed.call(false, 200) } # warm-up
  per_round = [(seconds * 1e6 / 3 / rounds / timed.call(false, 100)).round, 20].max
  runs = { "token_oxide" => true, "plain Rails" => false, "plain Rails again" => false }
  samples = runs.transform_values { [] }
  rounds.times do |round|
    runs.keys.rotate(round % runs.size).each { |run| samples[run] << 1e6 / timed.call(runs[run], per_round) }
  end
  puts JSON.generate("rounds" => rounds, "requests_per_round" => per_round, "rps" => samples)
else
  puts JSON.generate(Report.new.run)
end
