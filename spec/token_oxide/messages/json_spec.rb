# frozen_string_literal: true

require "spec_helper"
require "active_support"
require "active_support/json"
require "active_support/core_ext/time"
require "bigdecimal"

# The native encoder must write what ActiveSupport::JSON.encode writes (6.1
# here: same JSON gem, same escaping rules as 7.2), and the native reader
# must return what JSON.parse returns.
RSpec.describe "TokenOxide native JSON" do
  encode = ->(value) { TokenOxide::Native::JSON.encode(value) }
  parse = ->(text) { TokenOxide::Native::JSON.parse(text) }

  struct = Struct.new(:a, :b)
  plain = Class.new do
    def initialize
      @secret_sauce = "visible in as_json"
    end
  end

  samples = [
    nil, true, false, 0, -1, 2**62, 2**64, -(2**80), 0.1, -2.5, 1e20, 1e-5, 1.0e15, 123456789012345.6, -0.0,
    Float::INFINITY, -Float::INFINITY, Float::NAN, "", "plain", "<script>alert('x')</script> & \u2028\u2029",
    "quote \" backslash \\ slash / tab \t nl \n cr \r ff \f bs \b nul \u0000 us \u001f del \u007f",
    "näme 😀 \u00e9", :symbol, :"with space", [], [1, [2, [3, {}]]],
    { "a" => 1, :b => 2, "c<" => ">" }, { 1 => "int key", nil => "nil key", 1.5 => "float key" },
    { 1 => "x", "1" => "y" }, Time.utc(2024, 5, 1, 12, 0, 0.5r), Date.new(2024, 5, 1),
    BigDecimal("1.25"), Rational(1, 3), struct.new(1, "two"), plain.new,
    "é".encode("ISO-8859-1"), "ascii binary".b, { "nested" => { "deep" => [1, 2, { "x" => nil }] } },
  ]

  samples.each_with_index do |value, i|
    it "encodes sample #{i} (#{value.class}) like ActiveSupport::JSON.encode" do
      expect(encode.call(value)).to eq(ActiveSupport::JSON.encode(value))
    end
  end

  it "encodes 20000 random floats like ActiveSupport (Float#to_s)" do
    rng = Random.new(42)
    floats = Array.new(20_000) do |i|
      case i % 4
      when 0 then rng.rand * 10**rng.rand(-30..30)
      when 1 then [rng.bytes(8)].pack("a8").unpack1("D")
      when 2 then rng.rand(-1e6..1e6).round(rng.rand(0..6))
      else (rng.rand * 2**53).floor.to_f * 10**rng.rand(-5..5)
      end
    end
    expect(encode.call(floats)).to eq(ActiveSupport::JSON.encode(floats))
  end

  it "raises JSON::GeneratorError for invalid UTF-8 like the JSON gem" do
    expect { encode.call("\xff") }.to raise_error(JSON::GeneratorError)
    expect { JSON.generate(["\xff"]) }.to raise_error(JSON::GeneratorError)
  end

  texts = [
    "5", " 5 ", "-0", "-0.0", "1E2", "1e400", "123456789012345678901234567890", '"a\\u00e9\\ud83d\\ude00\\n\\/"',
    '{"a":1,"b":[true,false,null],"a":3}', "\"\xff\"", '["\\q"]', '["\\udc00"]', '["\\ud800\\u0041"]',
    "[1 /* c */, 2 // x\n]", "[#{"[" * 99}#{"]" * 99}]", '{"k":{"k":{"k":"v"}}}', "0.1", "-1.5e-7", "[]", "{}",
  ]
  texts.each do |text|
    it "parses #{text[0, 40].inspect} like JSON.parse" do
      expect(parse.call(text)).to eq(JSON.parse(text))
      expect(parse.call(text).to_s.encoding).to eq(JSON.parse(text).to_s.encoding)
    end
  end

  ["", "01", "NaN", "[1,]", "{\"a\":1,}", "tru", "\"\\ud800\"", "[" * 101 + "]" * 101, "\"a\tb\""].each do |bad|
    it "raises what JSON.parse raises for #{bad[0, 20].inspect}" do
      expected = begin
        JSON.parse(bad)
      rescue JSON::ParserError => e
        e.class
      end
      expect { parse.call(bad) }.to raise_error(expected)
    end
  end
end
