# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/message_verifier"
require "active_support/key_generator"

# ActiveSupport 7.1+'s MessageVerifiers factory with token_oxide's hook: per
# salt, ours where every link of the chain signs as Rails' does, Rails' chain
# otherwise. (Booted apps: spec/rails72/booted_apps_spec.rb.)
RSpec.describe TokenOxide::VerifierFactory do
  factories = begin
    require "active_support/message_verifiers"
    true
  rescue LoadError
    false
  end

  before do
    skip "needs ActiveSupport 7.1+ (MessageVerifiers); this leg has #{ActiveSupport.version}" unless factories
  end

  let(:key_generator) { ActiveSupport::KeyGenerator.new("factory spec secret " * 4, iterations: 2) }
  let(:old_key_generator) { ActiveSupport::KeyGenerator.new("old factory spec secret " * 4, iterations: 2) }
  let(:reports) { [] }

  def factory
    generator = key_generator
    old = old_key_generator
    ActiveSupport::MessageVerifiers.new do |salt, old_secret: false|
      (old_secret ? old : generator).generate_key(salt)
    end
  end

  # What Rails' own code builds for +salt+ from +verifiers+' settings.
  def rails_built(verifiers, salt)
    ActiveSupport::MessageVerifiers.instance_method(:build_with_rotations).bind_call(verifiers, salt)
  end

  def installed(verifiers)
    expect(described_class.install(verifiers) { |message| reports << message }).to be(true)
    verifiers
  end

  it "hands out token_oxide verifiers whose tokens are Rails' own, both ways" do
    verifiers = installed(factory.rotate(serializer: :json, url_safe: true, digest: "SHA256"))
    ours = verifiers["session/salt"]
    reference = rails_built(verifiers, "session/salt")
    expect(ours).to be_a(TokenOxide::MessageVerifier)
    expect(reference).to be_instance_of(ActiveSupport::MessageVerifier)
    token = ours.generate({ "id" => 1 }, purpose: "login")
    expect(token).to eq(reference.generate({ "id" => 1 }, purpose: "login"))
    expect(reference.verified(token, purpose: "login")).to eq("id" => 1)
    expect(verifiers["session/salt"]).to equal(ours) # built once per salt, as Rails caches it
    expect(reports).to eq([])
  end

  it "builds the rotations with ours too, probes each link, and reads the rotated-out secret's tokens" do
    verifiers = installed(factory.rotate(serializer: :json).rotate(serializer: :marshal, old_secret: true))
    ours = verifiers["rotating"]
    reference = rails_built(verifiers, "rotating")
    old_link = reference.instance_variable_get(:@rotations).first
    expect(ours).to be_a(TokenOxide::MessageVerifier)
    expect(described_class.links(ours).size).to eq(2)
    expect(ours.verified(old_link.generate([1, "old"]))).to eq([1, "old"])
    expect(ours.verified(reference.generate([2, "new"]))).to eq([2, "new"])
  end

  it "calls the factory's on_rotation when a rotated-out link read the token" do
    rotated = []
    verifiers = factory.rotate(serializer: :json).rotate(serializer: :json, old_secret: true)
    verifiers.on_rotation { rotated << :old }
    installed(verifiers)
    old_link = rails_built(verifiers, "cb").instance_variable_get(:@rotations).first
    expect(verifiers["cb"].verified(old_link.generate("v"))).to eq("v")
    expect(rotated).to eq([:old])
  end

  it "keeps Rails' chain for a salt when ours would sign differently, and reports it once" do
    salted = Module.new do
      def self.dump(value) = JSON.generate([SecureRandom.hex(4), value])
      def self.load(string) = JSON.parse(string).last
    end
    verifiers = installed(factory.rotate(serializer: salted))
    kept = verifiers["salted"]
    expect(kept).to be_instance_of(ActiveSupport::MessageVerifier)
    expect(kept.verified(kept.generate("x"))).to eq("x")
    verifiers["salted"]
    expect(reports).to eq([%(token_oxide: kept Rails' MessageVerifier for "salted" (token_oxide's would sign differently))])
  end

  it "keeps Rails' chain when ours cannot be built with the factory's options" do
    verifiers = installed(factory.rotate(serializer: :json))
    allow(TokenOxide::MessageVerifier).to receive(:new).and_raise(ArgumentError, "unsupported")
    expect(verifiers["unbuildable"]).to be_instance_of(ActiveSupport::MessageVerifier)
    expect(reports.last).to include("token_oxide cannot build it")
  end

  it "compares every probe: a URL-safe-only difference is seen" do
    strict = TokenOxide::MessageVerifier.new("k" * 64, serializer: :json)
    url_safe = TokenOxide::MessageVerifier.new("k" * 64, serializer: :json, url_safe: true)
    expect(described_class.same_output?(strict, url_safe)).to be(false)
    expect(described_class.same_output?(strict, TokenOxide::MessageVerifier.new("k" * 64, serializer: :json))).to be(true)
  end

  it "is installed once per factory and only on an ActiveSupport::MessageVerifiers" do
    verifiers = installed(factory.rotate_defaults)
    expect(described_class.install(verifiers)).to be(true)
    expect(verifiers.singleton_class.ancestors.count(TokenOxide::VerifierFactory::Hooks)).to eq(1)
    expect(described_class.install(Object.new)).to be(false)
  end
end
