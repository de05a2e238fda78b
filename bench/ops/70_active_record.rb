# frozen_string_literal: true

require "openssl"
require_relative "../fixtures"
begin
  require "active_record"
  require "sqlite3"
rescue LoadError
  nil # the Active Record ops are skipped with a note
end

# Active Record ops on an in-memory SQLite database. Active Record 6.1 has no
# generates_token_for, so the Ruby side is Rails 7.1's TokenFor logic in plain
# Ruby (RubyTokenFor below) over AS 6.1's MessageVerifier with the same key
# derivation; the token_oxide side is TokenOxide::Model with its verifier.
module TokenOxideBench
  module ActiveRecordBench
    SECRET_KEY_BASE = "bench-secret-key-base-#{"0123456789abcdef" * 6}"

    module_function

    def database
      @database ||= begin
        ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: ":memory:")
        ActiveRecord::Migration.verbose = false
        ActiveRecord::Schema.define do
          create_table :bench_users, force: true do |t|
            t.string :email
            t.string :auth_token
          end
        end
        true
      end
    end

    # The generated_token_verifier a Rails 7.1 app builds, on AS 6.1: PBKDF2-
    # HMAC-SHA256(secret_key_base, "active_record/token_for", 1000, 64), SHA1
    # HMAC, JSON (AS 6.1 writes its pre-7.1 envelope).
    def ruby_verifier
      key = OpenSSL::PKCS5.pbkdf2_hmac(SECRET_KEY_BASE, "active_record/token_for", 1000, 64, OpenSSL::Digest::SHA256.new)
      ActiveSupport::MessageVerifier.new(key, digest: "SHA1", serializer: Fixtures::AsJson)
    end

    # Rails 7.1's ActiveRecord::TokenFor, written out in plain Ruby.
    module RubyTokenFor
      Definition = Struct.new(:defining_class, :purpose, :expires_in, :block) do
        def full_purpose
          @full_purpose ||= [defining_class.name, purpose, expires_in].join("\n")
        end

        def payload_for(model)
          block ? [model.id, model.instance_eval(&block).as_json] : [model.id]
        end

        def generate_token(model)
          defining_class.ruby_token_verifier.generate(payload_for(model), expires_in: expires_in, purpose: full_purpose)
        end

        def resolve_token(token)
          payload = defining_class.ruby_token_verifier.verified(token, purpose: full_purpose)
          model = yield(payload[0]) if payload
          model if model && payload_for(model) == payload
        end
      end

      def self.included(base)
        base.extend(ClassMethods)
        base.class_attribute :ruby_token_definitions, instance_accessor: false, default: {}
        base.class_attribute :ruby_token_verifier, instance_accessor: false
      end

      module ClassMethods
        def generates_token_for(purpose, expires_in: nil, &block)
          self.ruby_token_definitions = ruby_token_definitions.merge(purpose => Definition.new(self, purpose, expires_in, block))
        end

        def find_by_token_for(purpose, token)
          ruby_token_definitions.fetch(purpose).resolve_token(token) { |id| find_by(primary_key => id) }
        end
      end

      def generate_token_for(purpose)
        self.class.ruby_token_definitions.fetch(purpose).generate_token(self)
      end
    end

    def classes
      @classes ||= begin
        database
        ruby_user = Class.new(ActiveRecord::Base) do
          self.table_name = "bench_users"
          include RubyTokenFor
          generates_token_for(:password_reset, expires_in: 15 * 60) { email }
          # Active Record 6.1's own has_secure_token and token source, called
          # explicitly so a Railtie that patched ActiveRecord::Base (bin/demo
          # boots one) cannot swap token_oxide in on the Ruby side.
          define_singleton_method(:generate_unique_secure_token) { |length: 24| SecureRandom.base58(length) }
          ActiveRecord::SecureToken::ClassMethods.instance_method(:has_secure_token).bind(self).call(:auth_token)
        end
        oxide_user = Class.new(ActiveRecord::Base) do
          self.table_name = "bench_users"
          include TokenOxide::Model
          generates_token_for(:password_reset, expires_in: 15 * 60) { email }
          has_secure_token :auth_token
        end
        ruby_user.ruby_token_verifier = ruby_verifier
        oxide_user.generated_token_verifier = TokenOxide::TokenForVerifier.build(SECRET_KEY_BASE)
        TokenOxideBench.const_set(:RubyUser, ruby_user)
        TokenOxideBench.const_set(:OxideUser, oxide_user)
        unless oxide_user.method(:has_secure_token).owner.name.to_s.start_with?("TokenOxide")
          raise "TokenOxide::Model did not take over has_secure_token; the create op would time Rails' own"
        end

        [ruby_user, oxide_user]
      end
    end
  end

  AR_NEEDS = %w[ActiveRecord::Base SQLite3 TokenOxide::Model TokenOxide::MessageVerifier TokenOxide::TokenForVerifier].freeze

  op "generate_token_for (SQLite model)", group: "active_record", needs: AR_NEEDS, target: 5,
                                          note: "Ruby side: Rails 7.1 TokenFor logic over AS 6.1 MessageVerifier" do
    ruby_user, oxide_user = ActiveRecordBench.classes
    ruby_record = ruby_user.create!(email: "alice@example.com")
    oxide_record = oxide_user.find(ruby_record.id)
    {
      ruby: -> { ruby_record.generate_token_for(:password_reset) },
      oxide: -> { oxide_record.generate_token_for(:password_reset) },
      check: lambda do |r, o|
        ruby_user.find_by_token_for(:password_reset, r) == ruby_record &&
          oxide_user.find_by_token_for(:password_reset, o) == oxide_record
      end
    }
  end

  op "find_by_token_for (SQLite model)", group: "active_record", needs: AR_NEEDS,
                                         note: "includes the SQLite query (same on both sides)" do
    ruby_user, oxide_user = ActiveRecordBench.classes
    ruby_record = ruby_user.create!(email: "bob@example.com")
    oxide_record = oxide_user.find(ruby_record.id)
    ruby_token = ruby_record.generate_token_for(:password_reset)
    oxide_token = oxide_record.generate_token_for(:password_reset)
    {
      ruby: -> { ruby_user.find_by_token_for(:password_reset, ruby_token) },
      oxide: -> { oxide_user.find_by_token_for(:password_reset, oxide_token) },
      check: ->(r, o) { r&.id == ruby_record.id && o&.id == ruby_record.id }
    }
  end

  op "has_secure_token create! (SQLite model)", group: "active_record", needs: AR_NEEDS,
                                                note: "Ruby side: AR 6.1 has_secure_token; dominated by the INSERT" do
    ruby_user, oxide_user = ActiveRecordBench.classes
    token = /\A[1-9A-HJ-NP-Za-km-z]{24}\z/
    {
      ruby: -> { ruby_user.create!(email: "carol@example.com") },
      oxide: -> { oxide_user.create!(email: "carol@example.com") },
      check: ->(r, o) { r.auth_token.match?(token) && o.auth_token.match?(token) && r.persisted? && o.persisted? }
    }
  end
end
