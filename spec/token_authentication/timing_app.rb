# frozen_string_literal: true

require "rack/test"
require_relative "top_level_constant"
require_relative "../../hardening/timing"

# Models and controllers for measuring whether a failed token sign-in takes
# longer when the identifier exists (spec/token_authentication/
# handler_timing_spec.rb and hardening/handler_timing.rb). No Devise and no
# routes: each controller action is its own Rack app, so this can sit next
# to the request specs' app without touching its routes.
module TokenTimingApp
  MEMBERS = 32 # identifiers that exist; each sample picks one at random

  module_function

  def setup!
    TokenOxideSpec.rails_app
    TokenOxideSpec.create_table(:tt_members) do |t|
      t.string :email
      t.string :authentication_token
    end
    TokenOxideSpec.create_table(:tt_clients) do |t|
      t.string :name
      t.string :api_token_digest
      t.datetime :api_token_expires_at
    end
    define_models
    define_controllers
    seed
  end

  def define_models
    TopLevelConstant.replace("TtMember", Class.new(ActiveRecord::Base)).class_eval { acts_as_token_authenticatable }
    TopLevelConstant.replace("TtClient", Class.new(ActiveRecord::Base)).class_eval do
      acts_as_token_authenticatable column: :api_token, store: :digest, expires_in: 3600
    end
  end

  def define_controllers
    TopLevelConstant.replace("TtMembersController", Class.new(ActionController::API)).class_eval do
      acts_as_token_authentication_handler_for TtMember, fallback: :exception
      define_method(:index) { render json: { id: current_tt_member.id } }
    end
    TopLevelConstant.replace("TtClientsController", Class.new(ActionController::API)).class_eval do
      acts_as_token_authentication_handler_for TtClient, as: :client, identifier: :name, fallback: :exception
      define_method(:index) { render json: { id: current_client.id } }
    end
    # CONTROL: the same request with the old check (no token check on a
    # miss), so the rack-test measurement shows it can see that leak.
    TopLevelConstant.replace("TtLeakyClientsController", Class.new(ActionController::API)).class_eval do
      before_action do
        auth = TokenOxide::TokenAuthentication
        entity = TokenTimingApp.entity(:client)
        credentials = auth::Credentials.from_request(entity, request, params)
        record = auth::Authenticator.find_by_identifier(entity, credentials.identifier)
        matched = record && auth::Authenticator.token_matches?(entity, record, credentials.token, Time.current)
        render json: { error: "Not authenticated" }, status: :unauthorized unless matched
      end
      define_method(:index) { render json: {} }
    end
  end

  def seed
    TtMember.delete_all
    TtClient.delete_all
    MEMBERS.times do |i|
      TtMember.create!(email: "member#{i}@example.com")
      TtClient.create!(name: "client-#{i}")
    end
  end

  # The model's identifier attribute and request parameter names.
  TARGETS = {
    member: { model: "TtMember", identifier: :email, known: ->(i) { "member#{i % MEMBERS}@example.com" },
              params: %i[tt_member_email tt_member_token], controller: "TtMembersController" },
    client: { model: "TtClient", identifier: :name, known: ->(i) { "client-#{i % MEMBERS}" },
              params: %i[client_name client_token], controller: "TtClientsController" }
  }.freeze

  # Input classes: a known identifier with a wrong token, the same again
  # (A/A control), and an identifier nobody has. Every entry gets its own
  # random wrong token of the usual length.
  def classes(target)
    known = TARGETS.fetch(target)[:known]
    wrong = ->(identifier) { [identifier, TokenOxide.friendly_token] }
    {
      "known identifier" => ->(i) { wrong.call(known.call(i)) },
      "known identifier (A/A copy)" => ->(i) { wrong.call(known.call(i)) },
      "unknown identifier" => ->(i) { wrong.call(known.call(i).sub(/\d+/) { |n| "x#{n}" }) }
    }
  end

  PAIRS = [["known identifier", "unknown identifier"]].freeze
  CONTROL = ["known identifier", "known identifier (A/A copy)"].freeze

  def entity(target)
    model = Object.const_get(TARGETS.fetch(target)[:model])
    model == TtClient ? TokenOxide::TokenAuthentication::Entity.new(model, as: :client, identifier: :name) : TokenOxide::TokenAuthentication::Entity.new(model)
  end

  # In process: the Authenticator, as a request's before_action calls it.
  def in_process(target, samples:, rounds:)
    entity = entity(target)
    authenticator = TokenOxide::TokenAuthentication::Authenticator
    measure("Authenticator.authenticate (#{target}, in process)", target, samples, rounds) do |(id, token)|
      authenticator.authenticate(entity, TokenOxide::TokenAuthentication::Credentials.new(id, token))
    end
  end

  # The leaky control: the Authenticator as it was before the stand-in
  # record (a miss skipped the token check). The method must catch it.
  def leaky_control(target, samples:, rounds:)
    entity = entity(target)
    authenticator = TokenOxide::TokenAuthentication::Authenticator
    measure("CONTROL: no token check on a miss (#{target}, in process)", target, samples, rounds) do |(id, token)|
      record = authenticator.find_by_identifier(entity, id)
      record && authenticator.token_matches?(entity, record, token, Time.current)
    end
  end

  # Through Rack::Test: the whole request (params parsing, controller,
  # before_action, the 401 rendering). +controller+ picks the leaky control.
  def through_rack(target, samples:, rounds:, controller: TARGETS.fetch(target)[:controller])
    spec = TARGETS.fetch(target)
    session = Rack::Test::Session.new(Object.const_get(controller).action(:index))
    id_param, token_param = spec[:params]
    label = controller == spec[:controller] ? "GET with a wrong token" : "CONTROL: #{controller}"
    measure("#{label} (#{target}, through rack-test)", target, samples, rounds) do |(id, token)|
      session.get("/", id_param => id, token_param => token)
      raise "expected 401, got #{session.last_response.status}" unless session.last_response.status == 401
    end
  end

  # Known vs unknown identifier (and the A/A control) for +target+.
  def measure(name, target, samples, rounds, &run)
    TokenOxideHardening::Timing.compare(name, classes(target), pairs: PAIRS, control: CONTROL,
                                                               samples: samples, rounds: rounds, warmup: 300, &run)
  end
end
