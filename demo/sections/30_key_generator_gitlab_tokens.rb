# frozen_string_literal: true

# KeyGenerator against ActiveSupport's, then a GitLab-style encrypted token
# field: generate, store (tox1), look up, and adopt a value GitLab wrote.
# Uses its own in-memory SQLite connection (abstract record class) so a Rails
# app booted elsewhere is left alone.
require "openssl"
require "base64"
require "digest"
require "active_record"
require "active_support/key_generator"

class GitlabTokensDemoRecord < ActiveRecord::Base
  self.abstract_class = true
  establish_connection(adapter: "sqlite3", database: ":memory:")
end

section "KeyGenerator (PBKDF2) and GitLab-style token fields" do
  secret = "demo-secret-key-base-#{"ab" * 32}"
  ours = TokenOxide::KeyGenerator.new(secret)
  theirs = ActiveSupport::KeyGenerator.new(secret)
  show "generate_key equal to AS 6.1", ours.generate_key("Devise reset_password_token") == theirs.generate_key("Devise reset_password_token")
  compare("generate_key (SHA1, 2**16 rounds)", ruby: -> { theirs.generate_key("salt") }, oxide: -> { ours.generate_key("salt") })

  db_key_base = "demo-db-key-base-#{"0123456789" * 4}"
  TokenOxide::TokenAuthenticatable.configure do |c|
    c.db_key_base = db_key_base
    c.key_iterations = 1000 # demo only; the default is 2**16
  end
  GitlabTokensDemoRecord.connection.create_table(:demo_runners) do |t|
    t.string :token_encrypted, index: { unique: true }
    t.datetime :token_expires_at
  end
  runner_class = Class.new(GitlabTokensDemoRecord) do
    self.table_name = "demo_runners"
    include TokenOxide::TokenAuthenticatable
    add_authentication_token_field :token, encrypted: :required, format_with_prefix: :token_prefix,
                                           require_prefix_for_validation: true, expires_at: -> { Time.now + 3600 }
    def token_prefix = "glrt-"
  end

  runner = runner_class.new
  token = runner.ensure_token
  runner.save!
  show "new token", token
  show "stored (tox1)", "#{runner.token_encrypted[0, 40]}..."
  show "find_by_token", runner_class.find_by_token(token)&.id.inspect
  show "find_by_token(unprefixed)", runner_class.find_by_token(token.delete_prefix("glrt-")).inspect

  # A value written by GitLab's EncryptionHelper, made here with plain OpenSSL.
  key = db_key_base.byteslice(0, 32)
  gitlab_token = "glrt-written-by-gitlab-0001"
  nonce = Digest::SHA256.hexdigest(gitlab_token)[0, 12]
  cipher = OpenSSL::Cipher.new("aes-256-gcm").encrypt
  cipher.key = key
  cipher.iv = nonce
  cipher.auth_data = ""
  sealed = cipher.update(gitlab_token) + cipher.final + cipher.auth_tag
  adopted = runner_class.create!(token_encrypted: "|#{Base64.strict_encode64(sealed)}#{nonce}")
  show "GitLab value read back", adopted.token
  show "GitLab value found", (runner_class.find_by_token(gitlab_token) == adopted).inspect

  native = TokenOxide::TokenAuthenticatable.configuration.cipher
  ruby_gitlab_encrypt = lambda do
    c = OpenSSL::Cipher.new("aes-256-gcm").encrypt
    c.key = key
    c.iv = nonce
    c.auth_data = ""
    "|#{Base64.strict_encode64(c.update(gitlab_token) + c.final + c.auth_tag)}#{nonce}"
  end
  compare("GitLab encrypt_token format", ruby: ruby_gitlab_encrypt, oxide: -> { native.encrypt_gitlab(gitlab_token) })
ensure
  TokenOxide::TokenAuthenticatable.reset_configuration!
end
