# frozen_string_literal: true

# The Rails DSL on plain Active Record (no Rails::Application: section 40 boots
# the one a process may have): include TokenOxide::Model, give it a verifier.
require "active_record"
require "bcrypt"
require "active_support/core_ext/securerandom"
require "token_oxide/model"

section "Rails DSL: has_secure_token, generates_token_for, password reset (Active Record #{ActiveRecord.version}, SQLite)" do
  ActiveModel::SecurePassword.min_cost = true
  secret_key_base = "demo-secret-key-base-" + ("0123456789abcdef" * 6)

  # Its own connection, so ActiveRecord::Base stays free for section 40.
  dsl_record = Class.new(ActiveRecord::Base) { self.abstract_class = true }
  Demo.const_set(:DslRecord, dsl_record)
  dsl_record.establish_connection(adapter: "sqlite3", database: ":memory:")
  dsl_record.connection.create_table(:users) do |t|
    t.string :email
    t.string :password_digest
    t.string :api_key
    t.datetime :confirmed_at
  end

  # The declarations a Rails model would carry; the verifier is set per class.
  declarations = proc do
    self.table_name = "users"
    include TokenOxide::Model

    has_secure_password
    has_secure_token :api_key, prefix: "sk_"
    generates_token_for(:email_confirmation, expires_in: 1.day) { email }
  end
  user_class = Class.new(dsl_record, &declarations)
  user_class.generated_token_verifier = TokenOxide::TokenForVerifier.build(secret_key_base)
  Demo.const_set(:DslUser, user_class)

  user = DslUser.create!(email: "ada@example.com", password: "first password")
  show "has_secure_token :api_key, prefix:", user.api_key

  token = user.generate_token_for(:email_confirmation)
  show "generate_token_for(:email_confirmation)", token
  show "where(confirmed_at: nil).find_by_token_for", DslUser.where(confirmed_at: nil).find_by_token_for(:email_confirmation, token)&.email.inspect
  user.update!(confirmed_at: Time.now)
  show "... after confirming (same token)", DslUser.where(confirmed_at: nil).find_by_token_for(:email_confirmation, token).inspect

  reset = user.password_reset_token
  show "password_reset_token", reset
  show "find_by_password_reset_token", DslUser.find_by_password_reset_token(reset)&.email.inspect
  user.update!(password: "second password")
  show "... after the password changed", DslUser.find_by_password_reset_token(reset).inspect
  show "... find_by_password_reset_token!", begin
    DslUser.find_by_password_reset_token!(reset)
  rescue ActiveSupport::MessageVerifier::InvalidSignature => e
    e.class.name
  end

  # The pure-Ruby path: the same declarations on a sibling model whose
  # verifier is Active Support #{ActiveSupport.version}'s MessageVerifier (same
  # PBKDF2 key; its own pre-7.1 token format). The verifier comes from the
  # class that declared the purpose, so this must be a separate model, not a
  # subclass.
  ruby_key = OpenSSL::KDF.pbkdf2_hmac(secret_key_base, salt: "active_record/token_for", iterations: 1000, length: 64, hash: "SHA256")
  ruby_user_class = Class.new(dsl_record, &declarations)
  ruby_user_class.generated_token_verifier = ActiveSupport::MessageVerifier.new(ruby_key)
  Demo.const_set(:DslRubyVerifierUser, ruby_user_class)
  ruby_user = DslRubyVerifierUser.find(user.id)
  ruby_token = ruby_user.generate_token_for(:password_reset)
  oxide_token = user.generate_token_for(:password_reset)
  unless ruby_user_class.token_definitions.fetch(:password_reset).message_verifier.instance_of?(ActiveSupport::MessageVerifier)
    raise "the pure-Ruby side must sign with Active Support's MessageVerifier"
  end
  show "pure-Ruby path token (AS #{ActiveSupport.version})", ruby_token

  puts
  compare("generate_token_for(:password_reset)",
          ruby: -> { ruby_user.generate_token_for(:password_reset) },
          oxide: -> { user.generate_token_for(:password_reset) })
  compare("find_by_token_for(:password_reset)",
          ruby: -> { DslRubyVerifierUser.find_by_token_for(:password_reset, ruby_token) },
          oxide: -> { DslUser.find_by_token_for(:password_reset, oxide_token) })
  compare("has_secure_token generator (24)",
          ruby: -> { SecureRandom.base58(24) },
          oxide: -> { DslUser.generate_unique_secure_token })
end
