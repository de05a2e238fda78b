# frozen_string_literal: true

require "spec_helper"
require "json"

# Object keys come from a small cache of interned Strings; whatever the
# cache holds, parsed Hashes must equal the JSON gem's, with frozen UTF-8
# String keys.
RSpec.describe "TokenOxide JSON object keys" do
  def parse(text)
    TokenOxide::Native::JSON.parse(text)
  end

  it "gives the JSON gem's keys for many distinct names (more than the cache holds, colliding)" do
    names = (1..300).map { |i| "key_#{i}" } + ["", "ü", "a" * 32, "b" * 33, "\u2028", "user_id"]
    text = JSON.generate(names.to_h { |n| [n, n] })
    2.times do
      parsed = parse(text)
      expect(parsed).to eq(JSON.parse(text))
      expect(parsed.keys).to all(be_frozen)
      expect(parsed.keys.map(&:encoding).uniq).to eq([Encoding::UTF_8])
    end
  end

  it "keeps keys right across GC and compaction" do
    text = '{"user_id":1,"scope":"login","nested":{"user_id":2}}'
    first = parse(text)
    GC.start
    GC.compact if GC.respond_to?(:compact)
    again = parse(text)
    expect(again).to eq({ "user_id" => 1, "scope" => "login", "nested" => { "user_id" => 2 } })
    expect(again.keys).to eq(first.keys)
    expect(again.keys.first).to equal(first.keys.first) # the same interned String
  end

  it "treats keys that differ only in bytes after a shared prefix as different" do
    text = '{"abc":1,"abd":2,"ab":3,"abcd":4}'
    expect(parse(text)).to eq({ "abc" => 1, "abd" => 2, "ab" => 3, "abcd" => 4 })
    expect(parse('{"abd":5}')).to eq({ "abd" => 5 })
  end

  it "reads empty keys (an empty slice is handed to Ruby as a real empty C string)" do
    expect(parse('{"":1,"a":{"":[]}}')).to eq({ "" => 1, "a" => { "" => [] } })
    verifier = TokenOxide::MessageVerifier.new("secret", serializer: :json)
    expect(verifier.verified(verifier.generate({ "" => "x" }, purpose: :p), purpose: :p)).to eq({ "" => "x" })
  end
end
