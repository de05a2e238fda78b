# frozen_string_literal: true

require_relative "support"

# Issue 11: GitLab models' add_authentication_token_field declarations, pasted
# unchanged (only the surrounding helper methods GitLab defines elsewhere are
# written here), over tables with the columns GitLab has, then exercised.
# Sources (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq):
#   app/models/personal_access_token.rb   (digest + routable_token, no if:)
#   app/models/ci/runner.rb               (doc/development/cells/routable_tokens: optional + expires_at + routable if:)
#   app/models/ci/build.rb                (encrypted: :required + prefix_and_partition_for_token)
#   app/models/ci/trigger.rb              (encrypted: a Proc choosing :required / :migrating)
#   app/models/deploy_token.rb            (encrypted: :required + prefix_for_deploy_token)
#   app/models/user.rb                    (incoming_email_token, feed_token, static_object_token)
#   app/models/application_setting.rb     (runners_registration_token, health_check_access_token)
RSpec.describe "add_authentication_token_field: GitLab models' declarations, unchanged" do
  include ActiveSupport::Testing::TimeHelpers

  # GitLab's Feature flags, read by the Runner's if: and the Trigger's Proc.
  module GitlabModelsFeature
    @enabled = {}
    class << self
      attr_accessor :enabled

      def enabled?(name, _actor = nil) = @enabled.fetch(name, false)
    end
  end

  def self.create_tables
    TokenOxideSpec.create_table(:gl_personal_access_tokens) do |t|
      t.integer :user_id
      t.integer :organization_id
      t.string :token_digest
      t.date :expires_at
    end
    TokenOxideSpec.create_table(:gl_ci_runners) do |t|
      t.string :token
      t.string :token_encrypted
      t.datetime :token_expires_at
      t.integer :runner_type
      t.integer :sharding_key_id
      t.integer :creator_id
    end
    TokenOxideSpec.create_table(:gl_ci_builds) do |t|
      t.string :token_encrypted
      t.integer :partition_id
    end
    TokenOxideSpec.create_table(:gl_ci_triggers) do |t|
      t.string :token
      t.string :token_encrypted
    end
    TokenOxideSpec.create_table(:gl_deploy_tokens) do |t|
      t.string :token_encrypted
      t.string :name
    end
    TokenOxideSpec.create_table(:gl_users) do |t|
      t.string :incoming_email_token
      t.string :feed_token
      t.string :static_object_token
      t.string :static_object_token_encrypted
    end
    TokenOxideSpec.create_table(:gl_application_settings) do |t|
      t.string :runners_registration_token_encrypted
      t.string :health_check_access_token
    end
  end

  def self.define_models
    TaSpecSupport.model(:TaSpecGlPersonalAccessToken, :gl_personal_access_tokens) do
      add_authentication_token_field :token,
        digest: true,
        format_with_prefix: :prefix_from_application_current_settings,
        routable_token: {
          payload: {
            o: ->(token_owner_record) { token_owner_record.organization_id },
            u: ->(token_owner_record) { token_owner_record.user_id }
          }
        }

      def prefix_from_application_current_settings = "glpat-"
    end

    TaSpecSupport.model(:TaSpecGlRunner, :gl_ci_runners) do
      add_authentication_token_field :token,
        encrypted: :optional,
        expires_at: :compute_token_expiration,
        format_with_prefix: :prefix_for_new_and_legacy_runner,
        routable_token: {
          if: ->(token_owner_record) {
            (token_owner_record.group_type? || token_owner_record.project_type?) &&
              token_owner_record.owner &&
              Feature.enabled?(:routable_runner_token, token_owner_record.owner)
          },
          payload: {
            o: ->(token_owner_record) { token_owner_record.owner.organization_id },
            g: ->(token_owner_record) { token_owner_record.group_type? ? token_owner_record.sharding_key_id : nil },
            p: ->(token_owner_record) { token_owner_record.project_type? ? token_owner_record.sharding_key_id : nil },
            u: ->(token_owner_record) { token_owner_record.creator_id }
          }
        }

      # GitLab: runner_type enum instance_type: 1, group_type: 2, project_type: 3.
      def group_type? = runner_type == 2
      def project_type? = runner_type == 3
      def owner = Struct.new(:organization_id).new(99)
      def compute_token_expiration = Time.now + 7200
      def prefix_for_new_and_legacy_runner = "glrt-"
    end

    TaSpecSupport.model(:TaSpecGlBuild, :gl_ci_builds) do
      add_authentication_token_field :token,
        encrypted: :required,
        format_with_prefix: :prefix_and_partition_for_token

      # GitLab's glcbt- prefix with the partition in it (the spec's own shape).
      def prefix_and_partition_for_token = "glcbt-#{partition_id.to_i.to_s(16)}_"
    end

    TaSpecSupport.model(:TaSpecGlTrigger, :gl_ci_triggers) do
      add_authentication_token_field(:token,
        encrypted: -> {
          Feature.enabled?(:encrypted_trigger_token_lookup, :instance) ? :required : :migrating
        }
      )
    end

    TaSpecSupport.model(:TaSpecGlDeployToken, :gl_deploy_tokens) do
      add_authentication_token_field :token, encrypted: :required, format_with_prefix: :prefix_for_deploy_token

      def prefix_for_deploy_token = "gldt-"
    end

    TaSpecSupport.model(:TaSpecGlUser, :gl_users) do
      def self.generate_incoming_mail_token = "glimt-#{SecureRandom.hex.to_i(16).to_s(36)}"

      add_authentication_token_field :incoming_email_token, token_generator: -> { self.generate_incoming_mail_token }
      add_authentication_token_field :feed_token, format_with_prefix: :prefix_for_feed_token
      add_authentication_token_field :static_object_token, encrypted: :optional

      def prefix_for_feed_token = "glft-"
    end

    TaSpecSupport.model(:TaSpecGlApplicationSetting, :gl_application_settings) do
      add_authentication_token_field :runners_registration_token, encrypted: :required
      add_authentication_token_field :health_check_access_token
    end
  end

  before(:all) do
    TokenOxideSpec.database
    self.class.create_tables
    self.class.define_models
  end

  before do
    TaSpecSupport.configure!
    stub_const("Feature", GitlabModelsFeature)
    GitlabModelsFeature.enabled = {}
  end

  after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

  def payload_of(token, prefix)
    body = token.delete_prefix(prefix)
    Base64.urlsafe_decode64(body[0...body.index(".")]).byteslice(16..)
  end

  it "PersonalAccessToken: glpat- routable token (o, u), stored as GitLab's digest, found by it" do
    pat = TaSpecGlPersonalAccessToken.new(user_id: 42, organization_id: 1)
    token = pat.ensure_token
    pat.save!
    expect(token).to match(/\Aglpat-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}\z/)
    expect(TokenOxide::TokenAuthenticatable::RoutableToken.checksum_valid?(token)).to be(true)
    expect(payload_of(token, "glpat-")).to eq("o:1\nu:16\x08".b) # 42 in base36 is "16"
    expect(pat.token_digest).to eq(GitlabReference.digest(token, TaSpecSupport::DB_KEY_BASE))
    expect(TaSpecGlPersonalAccessToken.find_by_token(token)).to eq(pat)
    expect(TaSpecGlPersonalAccessToken.find_by_token(token.sub("glpat-", "glpat_"))).to be_nil
    expect(pat.as_json.keys).not_to include("token_digest")
  end

  describe "Ci::Runner" do
    it "group runners get routable glrt- tokens when the flag is on; expiry is enforced by lookups" do
      GitlabModelsFeature.enabled = { routable_runner_token: true }
      travel_to(Time.utc(2026, 6, 1, 12)) do
        runner = TaSpecGlRunner.new(runner_type: 2, sharding_key_id: 7, creator_id: 5)
        token = runner.ensure_token
        runner.save!
        expect(payload_of(token, "glrt-")).to eq("g:7\no:2r\nu:5\x0c".b) # 99 in base36 is "2r"; p is nil, dropped
        expect(runner.token_expires_at).to eq(Time.utc(2026, 6, 1, 14))
        expect(runner.read_attribute(:token)).to be_nil # :optional writes the encrypted column only
        expect(runner.reload.token).to eq(token)
        expect(TaSpecGlRunner.find_by_token(token)).to eq(runner)
        travel_to(Time.utc(2026, 6, 1, 15))
        expect(runner.token_expired?).to be(true)
        expect(TaSpecGlRunner.find_by_token(token)).to be_nil
      end
    end

    it "instance runners, or the flag off: plain glrt- Devise-style tokens; a legacy plaintext token is still found" do
      GitlabModelsFeature.enabled = { routable_runner_token: true }
      instance = TaSpecGlRunner.new(runner_type: 1)
      expect(instance.ensure_token).to match(/\Aglrt-[A-Za-z0-9_-]{20}\z/)
      GitlabModelsFeature.enabled = {}
      expect(TaSpecGlRunner.new(runner_type: 3).ensure_token).to match(/\Aglrt-[A-Za-z0-9_-]{20}\z/)

      legacy = TaSpecGlRunner.create!(token: "glrt-legacy-plaintext-token", runner_type: 1)
      expect(TaSpecGlRunner.find_by_token("glrt-legacy-plaintext-token")).to eq(legacy)
    end
  end

  it "Ci::Build: glcbt- token with the partition, encrypted only; GitLab's dynamic-nonce format decrypts with GitLab's code" do
    TaSpecSupport.configure!(write_format: :gitlab)
    build = TaSpecGlBuild.new(partition_id: 102)
    token = build.ensure_token
    build.save!
    expect(token).to match(/\Aglcbt-66_[A-Za-z0-9_-]{20}\z/)
    expect(GitlabReference.decrypt(build.token_encrypted, TaSpecSupport::DB_KEY_BASE)).to eq(token)
    expect(TaSpecGlBuild.find_by_token(token)).to eq(build)
    expect(TaSpecGlBuild.encode(token)).to eq(build.token_encrypted)
  end

  it "Ci::Trigger: the Proc picks :migrating (both columns, reads plaintext) or :required (encrypted only) per call" do
    migrating = TaSpecGlTrigger.new
    token = migrating.ensure_token
    migrating.save!
    expect(migrating.read_attribute(:token)).to eq(token)
    expect(migrating.token_encrypted).to be_present
    expect(TaSpecGlTrigger.find_by_token(token)).to eq(migrating)

    GitlabModelsFeature.enabled = { encrypted_trigger_token_lookup: true }
    expect(TaSpecGlTrigger.find_by_token(token)).to eq(migrating) # found through the encrypted column now
    expect(TaSpecGlTrigger.with_encrypted_tokens(TaSpecGlTrigger.encode(token))).to eq([migrating])
    required = TaSpecGlTrigger.new
    required.ensure_token
    expect(required.read_attribute(:token)).to be_nil
  end

  it "DeployToken: gldt- token, encrypted round trip through reload, hidden from as_json and inspect" do
    deploy = TaSpecGlDeployToken.new(name: "ci")
    token = deploy.ensure_token
    deploy.save!
    expect(token).to match(/\Agldt-[A-Za-z0-9_-]{20}\z/)
    expect(deploy.token_encrypted).to start_with("tox1:")
    expect(deploy.token_encrypted).not_to include(token.delete_prefix("gldt-"))
    expect(TaSpecGlDeployToken.find(deploy.id).token).to eq(token)
    expect(TaSpecGlDeployToken.find_by_token(token)).to eq(deploy)
    expect(deploy.as_json.keys).to eq(%w[id name])
    expect(deploy.inspect).not_to include(deploy.token_encrypted)
  end

  it "User: incoming email token from the class's generator, glft- feed token, encrypted static object token" do
    user = TaSpecGlUser.new
    incoming = user.ensure_incoming_email_token
    feed = user.ensure_feed_token
    static = user.ensure_static_object_token
    user.save!
    expect(incoming).to match(/\Aglimt-[0-9a-z]+\z/)
    expect(feed).to match(/\Aglft-[A-Za-z0-9_-]{20}\z/)
    expect(user.read_attribute(:static_object_token)).to be_nil
    expect(user.reload.static_object_token).to eq(static)
    expect(TaSpecGlUser.find_by_incoming_email_token(incoming)).to eq(user)
    expect(TaSpecGlUser.find_by_feed_token(feed)).to eq(user)
    expect(TaSpecGlUser.find_by_static_object_token(static)).to eq(user)
    expect(TaSpecGlUser.token_authenticatable_fields).to eq(%i[incoming_email_token feed_token static_object_token])
    expect(TaSpecGlUser.encrypted_token_authenticatable_fields).to eq(%i[static_object_token])
    expect(user.reset_feed_token!).not_to eq(feed)
    expect(TaSpecGlUser.find_by_feed_token(feed)).to be_nil
  end

  it "ApplicationSetting: an encrypted and a plaintext field on one model" do
    setting = TaSpecGlApplicationSetting.new
    registration = setting.ensure_runners_registration_token
    health = setting.ensure_health_check_access_token
    setting.save!
    expect(setting.reload.runners_registration_token).to eq(registration)
    expect(TaSpecGlApplicationSetting.find_by_runners_registration_token(registration)).to eq(setting)
    expect(TaSpecGlApplicationSetting.find_by_health_check_access_token(health)).to eq(setting)
    expect(setting.as_json.keys).to eq(%w[id])
  end

  it "options GitLab does not have still fail the declaration (nothing is skipped silently)" do
    expect { TaSpecSupport.model(:TaSpecGlBroken, :gl_users) { add_authentication_token_field :feed_token, fallback: true } }
      .to raise_error(ArgumentError, /:fallback/)
  end
end
