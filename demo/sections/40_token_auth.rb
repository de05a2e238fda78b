# frozen_string_literal: true

# Token authentication for an API controller, end to end: a model storing only
# token digests, an ActionController::API controller with
# acts_as_token_authentication_handler_for, and requests through Rack.
#
# The demo runs outside rspec and must not disturb a Rails app another section
# may have booted: it uses its own in-memory SQLite connection (an abstract
# record class, so ActiveRecord::Base's connection is untouched) and calls the
# controller action as a Rack app, so no routes are drawn.
require "openssl"
require "rack/mock"
require "active_record"
require "action_controller"

class TokenAuthDemoRecord < ActiveRecord::Base
  self.abstract_class = true
  establish_connection(adapter: "sqlite3", database: ":memory:")
end

class TokenAuthDemoClient < TokenAuthDemoRecord
  self.table_name = "demo_api_clients"
  acts_as_token_authenticatable column: :api_token, store: :digest, expires_in: 3600
end

class TokenAuthDemoController < ActionController::API
  acts_as_token_authentication_handler_for TokenAuthDemoClient, as: :client, identifier: :name, fallback: :exception

  def show
    render json: { client: current_client.name }
  end
end

# The same check written by hand the José Valim gist way, for comparison:
# look up by identifier, digest the presented token with OpenSSL, compare.
class TokenAuthDemoGistController < ActionController::API
  before_action :authenticate_client_from_token!

  def show
    render json: { client: @client.name }
  end

  private

  def authenticate_client_from_token!
    name = request.headers["X-Client-Name"].presence
    token = request.headers["X-Client-Token"].presence
    client = name && TokenAuthDemoClient.find_by(name: name)
    key = TokenOxide::TokenAuthentication::TokenDigester.key_for(:api_token, TokenOxide::TokenAuthentication.configuration.digest_secret)
    ok = client && token && client.api_token_expires_at > Time.current &&
         ActiveSupport::SecurityUtils.secure_compare(client.api_token_digest, OpenSSL::HMAC.hexdigest("SHA256", key, token))
    ok ? @client = client : head(:unauthorized)
  end
end

section "Token authentication for API controllers" do
  # Guard: a booted Rails app (or Devise) already provides the digest secret.
  rails_secret = defined?(::Rails) && ::Rails.respond_to?(:application) && ::Rails.application
  unless rails_secret || defined?(::Devise)
    TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = "demo-secret-key-base-#{'0' * 40}" }
  end
  # Off by default (simple_token_authentication never reads it); the demo shows that form too.
  TokenOxide::TokenAuthentication.configure { |c| c.authorization_header = true }

  TokenAuthDemoRecord.connection.create_table(:demo_api_clients, force: true) do |t|
    t.string :name
    t.string :api_token_digest
    t.datetime :api_token_expires_at
  end
  client = TokenAuthDemoClient.create!(name: "billing")
  token = client.api_token # plaintext exists only here, right after creation
  show "issued token (shown once)", token
  show "stored api_token_digest", client.api_token_digest
  show "token after reload", TokenAuthDemoClient.find(client.id).api_token.inspect

  app = TokenAuthDemoController.action(:show)
  good = { "HTTP_X_CLIENT_NAME" => "billing", "HTTP_X_CLIENT_TOKEN" => token }
  ok = Rack::MockRequest.new(app).get("/", good)
  show "X-Client-Name/X-Client-Token", "#{ok.status} #{ok.body}"
  via_authorization = Rack::MockRequest.new(app).get("/", "HTTP_AUTHORIZATION" => %(Token token="#{token}", name="billing"))
  show "Authorization: Token token=, name=", "#{via_authorization.status} #{via_authorization.body}"
  bad = Rack::MockRequest.new(app).get("/", good.merge("HTTP_X_CLIENT_TOKEN" => token.reverse))
  show "wrong token", "#{bad.status} #{bad.body}  (WWW-Authenticate: #{bad.headers['WWW-Authenticate']})"
  client.update_column(:api_token_expires_at, Time.current - 1)
  expired = Rack::MockRequest.new(app).get("/", good)
  show "expired token", "#{expired.status} #{expired.body}"
  client.update_column(:api_token_expires_at, Time.current + 3600)

  puts
  gist_app = TokenAuthDemoGistController.action(:show)
  raise "gist controller disagrees" unless Rack::MockRequest.new(gist_app).get("/", good).status == 200

  key = TokenOxide::TokenAuthentication::TokenDigester.key_for(:api_token, TokenOxide::TokenAuthentication.configuration.digest_secret)
  compare("token digest (HMAC-SHA256 hex)",
          ruby: -> { OpenSSL::HMAC.hexdigest("SHA256", key, token) },
          oxide: -> { TokenOxide::Digest.hmac_sha256_hexdigest(key, token) })
  compare("whole authenticated request",
          ruby: -> { Rack::MockRequest.new(gist_app).get("/", good) },
          oxide: -> { Rack::MockRequest.new(app).get("/", good) })
end
