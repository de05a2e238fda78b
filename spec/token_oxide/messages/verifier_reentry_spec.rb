# frozen_string_literal: true

require "spec_helper"

# The verifier reuses one decode buffer between reads; a read started from
# Ruby code while another read of the same verifier is in progress (here a
# serializer whose `load` verifies a nested token) must get its own.
RSpec.describe TokenOxide::MessageVerifier, "reading from inside a read" do
  it "keeps the outer payload intact while a nested verify runs on the same verifier" do
    holder = {}
    nesting = Object.new
    nesting.define_singleton_method(:dump) { |value| Marshal.dump(value) }
    nesting.define_singleton_method(:load) do |bytes|
      value = Marshal.load(bytes)
      value.is_a?(Hash) && value[:inner] ? value.merge(inner: holder[:verifier].verified(value[:inner])) : value
    end
    verifier = described_class.new("secret", serializer: nesting)
    holder[:verifier] = verifier
    inner = verifier.generate("x" * 500)
    outer = verifier.generate({ inner: inner, tail: "y" * 40 })
    expect(verifier.verified(outer)).to eq({ inner: "x" * 500, tail: "y" * 40 })
    expect(verifier.verified(outer)).to eq({ inner: "x" * 500, tail: "y" * 40 })
    expect(verifier.verified(inner)).to eq("x" * 500)
  end

  it "reads tokens of different sizes one after another with the reused buffer" do
    verifier = described_class.new("secret", serializer: :json)
    values = ["a" * 2000, "b", { "k" => "c" * 100 }, "d" * 70_000, "e"]
    tokens = values.map { |v| verifier.generate(v) }
    expect(tokens.map { |t| verifier.verified(t) }).to eq(values)
    expect(verifier.verified(tokens[1][0..-2])).to be_nil
    expect(verifier.verified(tokens[1])).to eq("b")
  end
end
