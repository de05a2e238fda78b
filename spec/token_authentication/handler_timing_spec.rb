# frozen_string_literal: true

require "spec_helper"
require_relative "timing_app"

# A failed sign-in must not take longer when the identifier exists (that
# would let a client enumerate identifiers). Measured with the method of
# hardening/timing.rb: inputs interleaved at random from pools, an A/A
# control, several rounds, median |t|. The bar is generous (10, where
# dudect's is 4.5); the leaky control (no token check on a miss, the old
# behaviour) shows the measurement can fail.
RSpec.describe "Token handler timing: known vs unknown identifier" do
  bar = 10

  before(:all) do
    TokenOxide::TokenAuthentication.reset_configuration!
    TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = "handler-timing-spec-secret" }
    TokenTimingApp.setup!
  end

  after(:all) { TokenOxide::TokenAuthentication.reset_configuration! }

  # Retaken while the A/A control says the machine was busy (Timing.quiet).
  define_method(:quiet) { |&measure| TokenOxideHardening::Timing.quiet(bar, &measure) }

  %i[member client].each do |target|
    store = target == :member ? "plaintext" : "digest, expiring"
    it "a wrong token costs the same whether or not the identifier exists (#{store} store, in process)" do
      report = quiet { TokenTimingApp.in_process(target, samples: 6_000, rounds: 3) }
      expect(report.noise).to be < bar, "A/A control too noisy to judge:\n#{report.lines.join("\n")}"
      expect(report.worst).to be < bar, report.lines.join("\n")
    end
  end

  it "catches the old behaviour (no token check on a miss), so the measurement can see the leak" do
    report = quiet { TokenTimingApp.leaky_control(:client, samples: 6_000, rounds: 3) }
    expect(report.noise).to be < bar, report.lines.join("\n")
    expect(report.worst).to be > bar, report.lines.join("\n")
  end

  it "never signs in the stand-in record, and still signs in the real one" do
    entity = TokenTimingApp.entity(:member)
    credentials = TokenOxide::TokenAuthentication::Credentials
    stand_in = TokenOxide::TokenAuthentication::StandIn.for(entity)
    expect(stand_in).to be_new_record.or(have_attributes(id: nil))
    stolen = stand_in.authentication_token
    expect(TokenOxide::TokenAuthentication::Authenticator.authenticate(entity, credentials.new("nobody@example.com", stolen))).to be_nil
    member = TtMember.first
    expect(TokenOxide::TokenAuthentication::Authenticator.authenticate(entity, credentials.new(member.email, member.authentication_token)))
      .to eq(member)
  end
end
