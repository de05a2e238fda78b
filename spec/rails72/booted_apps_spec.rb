# frozen_string_literal: true

require "spec_helper"
require "open3"
require "rbconfig"

# token_oxide in real Rails 7.1+ applications (Rails 7.2 on the Debian 13
# leg). A process can boot one Rails app only, so each configuration boots in
# a child process (spec/rails72/app.rb), which prints what it observed as
# JSON; the expectations are here. On a leg without Rails 7.1+ every example
# skips (the stand-ins in spec/token_oxide/railtie_spec.rb run there).
module Rails72Apps
  APP = File.expand_path("app.rb", __dir__)
  # The vectors' secret_key_base, so that a load_defaults 7.2 app must
  # reproduce the tokens real Rails 7.2.3 wrote into token_for.json.
  VECTORS = JSON.parse(File.read(File.join(FIXTURES, "token_for.json"))).to_h { |v| [v["id"], v] }
  SECRET_KEY_BASE = VECTORS.fetch("tf-pub-a01").fetch("secret_key_base")
  PURPOSES = %w[account_activation email_confirmation email_change password_reset].freeze
  CONFIGURATIONS = [
    %w[7.2 plain], %w[7.0 plain], %w[6.1 plain],
    %w[7.2 url_safe_sha256], %w[7.0 url_safe], %w[7.2 custom_serializer],
    %w[7.2 message_pack], %w[7.2 rotation], %w[7.2 legacy_envelope], %w[7.2 accelerate_off], %w[7.2 assigned],
    %w[7.2 random_serializer],
    %w[7.2 cookies_message_pack], %w[7.2 cookies_rotations], %w[7.2 cookies_cbc], %w[7.2 cookies_kept], %w[7.2 cookies_off],
    %w[7.2 active_storage_off]
  ].freeze
  COOKIE_VARIANTS = %w[cookies_message_pack cookies_rotations cookies_cbc].freeze

  module_function

  def rails_version
    require "active_record"
    ActiveRecord.version
  rescue LoadError
    nil
  end

  def available?
    version = rails_version
    !version.nil? && version >= Gem::Version.new("7.1")
  end

  def skip_reason
    "needs Rails 7.1+; this leg has Active Record #{rails_version || 'none'} (the Debian 13 leg boots Rails 7.2 apps)"
  end

  # The report of one app (booted by boot_all).
  def report(load_defaults, variant = "plain")
    @reports.fetch([load_defaults, variant])
  end

  # Boots every configuration once, three children at a time.
  def boot_all
    @reports ||= begin
      queue = Queue.new
      CONFIGURATIONS.each { |config| queue << config }
      reports = {}
      lock = Mutex.new
      Array.new(3) do
        Thread.new do
          while (config = (queue.pop(true) rescue nil))
            report = boot(*config)
            lock.synchronize { reports[config] = report }
          end
        end
      end.each(&:join)
      reports
    end
  end

  def boot(load_defaults, variant)
    options = JSON.generate("load_defaults" => load_defaults, "variant" => variant, "secret_key_base" => SECRET_KEY_BASE,
                            "vector_password_salt" => VECTORS.fetch("tf-pub-a02").dig("record", "password_salt"))
    out, err, status = Open3.capture3(RbConfig.ruby, APP, options)
    raise "app #{load_defaults}/#{variant} failed (#{status}):\n#{err}" unless status.success?

    JSON.parse(out.lines.last)
  end

  # The app answering HTTP through Puma on loopback (spec/rails72/server.rb).
  def serve(load_defaults, variant)
    require_relative "server"
    Rails72Server.new(load_defaults: load_defaults, variant: variant, secret_key_base: SECRET_KEY_BASE,
                      vector_password_salt: VECTORS.fetch("tf-pub-a02").dig("record", "password_salt"))
  end
end

RSpec.describe "token_oxide in booted Rails 7.1+ apps" do
  before(:all) do
    skip Rails72Apps.skip_reason unless Rails72Apps.available?
    Rails72Apps.boot_all
  end

  # Whatever verifier is installed, tokens must be Rails' own bytes and read
  # both ways: ours read Rails', Rails' read ours.
  def expect_tokens_interchangeable(report)
    Rails72Apps::PURPOSES.each do |purpose|
      facts = report.fetch(purpose)
      expect(facts["ours"]).to eq(facts["rails"]), purpose
      expect(facts["ours_reads_rails"]).to eq(facts["id"]), purpose
      expect(facts["rails_reads_ours"]).to eq(facts["id"]), purpose
    end
  end

  {
    "7.2" => { serializer: "json_allow_marshal", metadata: true, digest: "OpenSSL::Digest::SHA256", token_on: "initialize" },
    "7.0" => { serializer: "marshal", metadata: nil, digest: "OpenSSL::Digest::SHA256", token_on: "create" },
    "6.1" => { serializer: "marshal", metadata: nil, digest: "OpenSSL::Digest::SHA1", token_on: "create" }
  }.each do |load_defaults, defaults|
    describe "an app with load_defaults #{load_defaults}" do
      let(:report) { Rails72Apps.report(load_defaults) }

      it "runs real Rails 7.1+ under those defaults" do
        expect(Gem::Version.new(report["rails"])).to be >= Gem::Version.new("7.1")
        expect(report["rails_token_for_native"]).to be(true)
        # Expiry reads the clock itself, except under travel_to.
        expect(report["direct_clock"]).to eq("booted" => true, "travel_to" => false, "travel_back" => true)
        expect(report).to include("message_serializer" => defaults[:serializer],
                                  "use_message_serializer_for_metadata" => defaults[:metadata],
                                  "key_generator_hash_digest_class" => defaults[:digest])
      end

      it "replaces Rails' generated_token_verifier by ours after the probe (same bytes)" do
        expect(report["rails_verifier_class"]).to eq("ActiveSupport::MessageVerifier")
        expect(report["verifier_class"]).to eq("TokenOxide::MessageVerifier")
        expect(report["verifier_is_rails_own"]).to be(false)
      end

      it "hands out ours from Rails.application.message_verifier(salt), signing and reading as Rails' own chain" do
        report["message_verifiers"].each do |salt, facts|
          expect(facts).to include("class" => "TokenOxide::MessageVerifier", "same_token" => true,
                                   "ours_reads_rails" => true, "rails_reads_ours" => true), salt
        end
      end

      it "makes generates_token_for tokens equal to Rails' own verifier's, each read by the other" do
        expect_tokens_interchangeable(report)
        expect(report["email_confirmation"]["after_a_day"]).to be_nil
      end

      it "draws has_secure_token from the Rust generator, with Rails' on: default and prefix:" do
        facts = report["secure_token"]
        expect(facts["generate_secure_token_on"]).to eq(defaults[:token_on])
        expect(facts["set_on_new"]).to be(defaults[:token_on] == "initialize")
        expect(facts["token"]).to match(/\A[1-9A-HJ-NP-Za-km-z]{24}\z/)
        expect(facts["api_key"]).to match(/\Ask_[1-9A-HJ-NP-Za-km-z]{32}\z/)
        expect(facts["rust_generator_calls"]).to eq(2)
        expect(facts["has_secure_token_owner"]).to eq("TokenOxide::Model::SecureToken::ClassMethods")
      end

      # Active Model 7.2 has no reset token: ours is added, as Rails 8 defines it.
      it "adds has_secure_password's reset token (15 minutes, dies with the password)" do
        facts = report["password_reset"]
        expect(facts["active_model_has_reset_token"]).to be(false)
        expect(facts["responds"]).to be(true)
        expect(facts["after_14_minutes"]).to eq(facts["id"])
        expect(facts["after_15_minutes"]).to be_nil
        expect(facts["after_password_change"]).to be_nil
      end

      it "authenticates requests through the handler (plaintext and digest-stored, expiring tokens)" do
        facts = report["requests"]
        expect(facts).to include("member_good" => 200, "member_bad" => 401, "member_missing" => 401,
                                 "client_digest" => 200, "client_stored_digest_rejected" => 401,
                                 "client_plaintext_stored" => false, "client_expired" => 401)
        expect(JSON.parse(facts["member_good_body"])).to eq("id" => 1)
        expect(JSON.parse(facts["member_bad_body"])).to eq("error" => "Not authenticated")
      end

      it "stores add_authentication_token_field tokens encrypted (tox1) or as GitLab digests, and finds them" do
        facts = report["token_fields"]
        expect(facts["runner_token"]).to start_with("glrt-")
        expect(facts).to include("runner_found" => true, "runner_stored_has_plaintext" => false,
                                 "runner_stored_prefix" => "tox1:", "runner_other_rejected" => true,
                                 "access_found" => true, "access_digest_is_gitlab_form" => true)
      end
    end
  end

  it "reproduces the golden vectors' tokens in a load_defaults 7.2 app (tf-pub-a01, a05, and the reset token a02)" do
    report = Rails72Apps.report("7.2")
    expect(report["account_activation"]["ours"]).to eq(Rails72Apps::VECTORS["tf-pub-a01"]["expected_token"])
    expect(report["email_change"]["ours"]).to eq(Rails72Apps::VECTORS["tf-pub-a05"]["expected_token"])
    # Rails 8's password_reset_token, made by our backport on Active Model 7.2.
    expect(report["vector_password_reset"]).to eq("ours" => Rails72Apps::VECTORS["tf-pub-a02"]["expected_token"],
                                                  "rails" => Rails72Apps::VECTORS["tf-pub-a02"]["expected_token"])
  end

  # What each of the app's cookie jars read, both ways between token_oxide's
  # jars and Rails' own (TokenOxide::CookieJars switched off in the same app).
  def expect_cookies_interchangeable(report, codecs: %w[TokenOxide::MessageVerifier TokenOxide::MessageEncryptor])
    facts = report.fetch("cookies")
    expected = { "signed" => "ours", "encrypted" => { "v" => "ours", "n" => 1 }, "session" => "ours",
                 "session_user" => { "id" => 7, "name" => "ours" } }
    expect(facts["codecs"]).to eq("signed" => codecs[0], "encrypted" => codecs[1])
    expect(facts["plain_codecs"]).to eq("signed" => "ActiveSupport::MessageVerifier", "encrypted" => "ActiveSupport::MessageEncryptor")
    expect(facts["plain_reads_ours"]).to eq(expected)
    expect(facts["ours_reads_plain"]).to eq(expected)
    expect(facts["signed_same_bytes"]).to be(true) # signed cookies without expiry: Rails' bytes
    expect(facts["cookie_names"]).to eq(%w[_rails72_app_session encrypted_value signed_value])
  end

  describe "signed and encrypted cookies and the CookieStore session (Action Dispatch 7.x)" do
    [%w[7.2 plain], %w[7.0 plain], %w[6.1 plain], *Rails72Apps::COOKIE_VARIANTS.map { |v| ["7.2", v] }].each do |load_defaults, variant|
      it "serves the jars with token_oxide's codecs under #{variant} (load_defaults #{load_defaults}), cookies read both ways" do
        report = Rails72Apps.report(load_defaults, variant)
        expect_cookies_interchangeable(report)
        expect(report["token_oxide_log"].grep(/cookie jar/)).to be_empty
      end
    end

    it "reads cookies of the rotated-out secret and digest, and writes them anew with the current one" do
      rotated = Rails72Apps.report("7.2", "cookies_rotations")["cookies"]["rotated"]
      expect(rotated).to eq("read" => { "signed" => "old secret", "encrypted" => { "v" => "old secret", "n" => 1 } },
                            "plain_read" => { "signed" => "old secret", "encrypted" => { "v" => "old secret", "n" => 1 } },
                            "rewritten" => %w[encrypted_value signed_value], "sha1_read" => "old digest")
    end

    it "keeps Rails' encrypted jar codec for a rotation ours cannot build (aes-128-gcm), saying so once" do
      report = Rails72Apps.report("7.2", "cookies_kept")
      expect_cookies_interchangeable(report, codecs: %w[TokenOxide::MessageVerifier ActiveSupport::MessageEncryptor])
      kept = report["token_oxide_log"].grep(/cookie jar/)
      expect(kept.size).to eq(1) # many requests, one line
      expect(kept.first).to include("kept Rails' encrypted cookie jar codec", "cannot build it")
    end

    { "cookies_off" => "config.token_oxide.accelerate_cookies = false", "accelerate_off" => "config.token_oxide.accelerate = false" }.each do |variant, why|
      it "leaves Rails' codecs in the jars with #{why}" do
        facts = Rails72Apps.report("7.2", variant)["cookies"]
        expect(facts["codecs"]).to eq("signed" => "ActiveSupport::MessageVerifier", "encrypted" => "ActiveSupport::MessageEncryptor")
        expect(facts["ours_reads_plain"]).to include("signed" => "ours", "session" => "ours")
      end
    end

    # Two processes over loopback: one app with token_oxide, one with
    # config.token_oxide.accelerate = false (plain Rails), same secret_key_base.
    it "hands cookies and the session between a token_oxide app and a plain Rails app through Puma on 127.0.0.1" do
      begin
        require "puma"
      rescue LoadError
        skip "Puma is not installed on this leg (bin/setup installs Debian's puma on Debian 13)"
      end
      ours = Rails72Apps.serve("7.2", "plain")
      plain = Rails72Apps.serve("7.2", "accelerate_off")
      expected = ->(v) { { "signed" => v, "encrypted" => { "v" => v, "n" => 1 }, "session" => v, "session_user" => { "id" => 7, "name" => v } } }
      [[ours, plain, "TokenOxide::MessageEncryptor", "ActiveSupport::MessageEncryptor"],
       [plain, ours, "ActiveSupport::MessageEncryptor", "TokenOxide::MessageEncryptor"]].each do |writer, reader, written_by, read_by|
        body, cookies = writer.get("/cookies/write?value=over+loopback")
        expect(body["codecs"]["encrypted"]).to eq(written_by)
        read, = reader.get("/cookies/read", cookies)
        expect(read.except("codecs")).to eq(expected.call("over loopback"))
        expect(read["codecs"]["encrypted"]).to eq(read_by)
      end
    ensure
      ours&.stop
      plain&.stop
    end
  end

  describe "Active Storage signed blob ids (ActiveStorage.verifier, from the app's message_verifiers)" do
    it "signs them with ours, byte for byte as the chain Rails builds, and each finds the other's" do
      facts = Rails72Apps.report("7.2")["active_storage"]
      expect(facts).to eq("verifier_class" => "TokenOxide::MessageVerifier", "blob_verifier_is_it" => true,
                          "same_signed_id" => true, "finds_rails_signed_id" => true, "rails_reads_ours" => true,
                          "rejects_other_purpose" => true)
    end

    it "keeps Rails' verifier with config.token_oxide.accelerate = false" do
      facts = Rails72Apps.report("7.2", "accelerate_off")["active_storage"]
      expect(facts).to include("verifier_class" => "ActiveSupport::MessageVerifier", "finds_rails_signed_id" => true)
    end

    it "keeps Rails' verifier for Active Storage alone with config.token_oxide.accelerate_active_storage = false" do
      report = Rails72Apps.report("7.2", "active_storage_off")
      expect(report["active_storage"]).to include("verifier_class" => "ActiveSupport::MessageVerifier",
                                                  "finds_rails_signed_id" => true, "rails_reads_ours" => true)
      expect(report["verifier_class"]).to eq("TokenOxide::MessageVerifier") # the other salts still swap
      expect(report["token_oxide_log"].grep(/kept Rails' MessageVerifier for "ActiveStorage"/)).to be_empty
    end
  end

  describe "settings ours copies from Rails' verifier (then the probe still decides)" do
    # message_pack: ours writes it through ActiveSupport::MessagePack (msgpack 1.7 is on this leg).
    # legacy_envelope: the factory hands ours the option itself.
    [%w[7.2 url_safe_sha256], %w[7.0 url_safe], %w[7.2 custom_serializer], %w[7.2 message_pack],
     %w[7.2 legacy_envelope]].each do |load_defaults, variant|
      it "swaps under #{variant} (load_defaults #{load_defaults}) and signs the same bytes" do
        report = Rails72Apps.report(load_defaults, variant)
        expect(report["verifier_class"]).to eq("TokenOxide::MessageVerifier")
        expect_tokens_interchangeable(report)
        report["message_verifiers"].each_value { |facts| expect(facts).to include("class" => "TokenOxide::MessageVerifier", "same_token" => true) }
      end
    end
  end

  describe "an app that rotates its secret_key_base (message_verifiers.rotate)" do
    let(:report) { Rails72Apps.report("7.2", "rotation") }

    it "gets ours from the factory once every link of the chain is probed, and reads the rotated-out secret's tokens" do
      expect(report["verifier_class"]).to eq("TokenOxide::MessageVerifier")
      expect(report["verifier_from_app_factory"]).to be(true)
      expect_tokens_interchangeable(report)
      report["message_verifiers"].each do |salt, facts|
        expect(facts).to include("class" => "TokenOxide::MessageVerifier", "same_token" => true, "rotations" => 1,
                                 "ours_reads_rotated_link" => true), salt
      end
    end
  end

  describe "apps where ours must not replace Rails' verifier" do
    {
      "accelerate_off" => "config.token_oxide.accelerate = false"
    }.each do |variant, why|
      it "keeps Rails' own verifier with #{why}" do
        report = Rails72Apps.report("7.2", variant)
        expect(report["verifier_class"]).to eq("ActiveSupport::MessageVerifier")
        expect(report["verifier_is_rails_own"]).to be(true)
        expect_tokens_interchangeable(report) # trivially Rails' both ways; the app keeps working
        report["message_verifiers"].each_value { |facts| expect(facts["class"]).to eq("ActiveSupport::MessageVerifier") }
      end
    end

    it "keeps Rails' chain for each salt whose tokens ours cannot be shown to reproduce, and says so once in the log" do
      report = Rails72Apps.report("7.2", "random_serializer")
      expect(report["verifier_class"]).to eq("ActiveSupport::MessageVerifier")
      report["message_verifiers"].each do |salt, facts|
        expect(facts["class"]).to eq("ActiveSupport::MessageVerifier"), salt
        expect(facts).to include("ours_reads_rails" => true, "rails_reads_ours" => true) # both are Rails' chain
      end
      kept = report["token_oxide_log"].grep(/kept Rails' MessageVerifier/)
      expect(kept.size).to eq(4) # active_record/token_for, ActiveStorage and the two salts of the report, once each
      expect(kept).to all(include("token_oxide's would sign differently"))
    end

    it "leaves a verifier the app assigned itself alone" do
      report = Rails72Apps.report("7.2", "assigned")
      expect(report["verifier_is_app_assigned"]).to be(true)
      expect(report["verifier_is_rails_own"]).to be(false)
      expect(report["account_activation"]["ours"]).not_to eq(report["account_activation"]["rails"])
    end

    it "uses SecureRandom for has_secure_token when acceleration is off" do
      expect(Rails72Apps.report("7.2", "accelerate_off")["secure_token"]["rust_generator_calls"]).to eq(0)
    end
  end
end
