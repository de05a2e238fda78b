# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/json"

# A Hash with a Symbol and a String key of the same name. Rails 7.2's
# ActiveSupport::JSON.encode calls as_json only when given options, and its
# jsonify keeps Symbol and String keys as they are (other keys go through
# to_s), so both keys are written: {"a":1,"a":2} (checked live on the debian13
# leg). ActiveSupport 6.1 first runs Hash#as_json, which stringifies the keys
# into a new Hash, so it writes one key, the later value: {"a":2}. token_oxide
# writes Rails 7.1+'s bytes.
RSpec.describe "JSON encoding of colliding keys" do
  encode = ->(value) { TokenOxide::Native::JSON.encode(value) }
  rails72 = Gem::Version.new(ActiveSupport.version.to_s) >= Gem::Version.new("7.2")

  cases = {
    { :a => 1, "a" => 2 } => '{"a":1,"a":2}',
    { "a" => 1, :a => 2, :b => 3 } => '{"a":1,"a":2,"b":3}',
    { :b => 0, 1 => 1, "1" => 2, :"1" => 3 } => '{"b":0,"1":2,"1":3}', # 1 and "1" collide after to_s; :"1" stays
    { nil => 1, "" => 2, :"" => 3 } => '{"":2,"":3}',
    { "x" => { :k => "<", "k" => ">" } } => '{"x":{"k":"\\u003c","k":"\\u003e"}}'
  }

  cases.each do |hash, json|
    it "writes #{hash.inspect} as Rails 7.2 does: #{json}" do
      expect(encode.call(hash)).to eq(json)
      expect(JSON.parse(encode.call(hash))).to eq(JSON.parse(json))
    end
  end

  it "equals ActiveSupport::JSON.encode on Rails 7.2, also inside a signed token" do
    skip "needs ActiveSupport 7.2 (this leg has #{ActiveSupport.version}, which collapses the keys); the debian13 leg runs it" unless rails72

    require "active_support/message_verifier"
    cases.each_key { |hash| expect(encode.call(hash)).to eq(ActiveSupport::JSON.encode(hash)) }
    secret = "duplicate-keys-secret-" * 3
    ours = TokenOxide::MessageVerifier.new(secret, serializer: :json)
    theirs = ActiveSupport::MessageVerifier.new(secret, serializer: :json)
    cases.each_key { |hash| expect(ours.generate(hash)).to eq(theirs.generate(hash)) }
  end

  it "differs from ActiveSupport 6.1, which writes one key (documented, not followed)" do
    skip "this leg has ActiveSupport #{ActiveSupport.version}" if rails72

    expect(ActiveSupport::JSON.encode({ :a => 1, "a" => 2 })).to eq('{"a":2}')
    expect(encode.call({ :a => 1, "a" => 2 })).to eq('{"a":1,"a":2}')
  end
end
