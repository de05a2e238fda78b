# frozen_string_literal: true

require "active_support"
require "active_support/security_utils"

RSpec.describe "TokenOxide constant-time comparison" do
  let(:as) { ActiveSupport::SecurityUtils }

  it "agrees with ActiveSupport::SecurityUtils.secure_compare on many inputs" do
    rng = Random.new(42)
    2_000.times do
      a = rng.bytes(rng.rand(0..64))
      b = case rng.rand(4)
          when 0 then a.dup
          when 1 then a.empty? ? "x" : a.dup.tap { |s| s.setbyte(rng.rand(s.bytesize), (s.getbyte(0) + 1) % 256) }
          when 2 then rng.bytes(a.bytesize)
          else rng.bytes(rng.rand(0..64))
          end
      expect(TokenOxide.secure_compare(a, b)).to eq(as.secure_compare(a, b))
    end
  end

  it "compares bytes, not characters or encodings" do
    expect(TokenOxide.secure_compare("é", "é".b)).to be(true)
    expect(TokenOxide.secure_compare("abc", "abc".encode("UTF-16LE"))).to be(false)
    expect(TokenOxide.secure_compare("", "")).to be(true)
  end

  it "detects a difference at any position of a 1 KiB secret" do
    a = "k" * 1024
    [0, 1, 511, 1022, 1023].each do |i|
      b = a.dup
      b.setbyte(i, 0)
      expect(TokenOxide.secure_compare(a, b)).to be(false)
    end
    expect(TokenOxide.secure_compare(a, a.dup)).to be(true)
  end

  it "fixed_length_secure_compare raises like ActiveSupport on unequal lengths" do
    expect(TokenOxide.fixed_length_secure_compare("abc", "abc")).to be(true)
    expect(TokenOxide.fixed_length_secure_compare("abc", "abd")).to be(false)
    # With OpenSSL loaded (always, in a Rails app) ActiveSupport delegates to
    # OpenSSL.fixed_length_secure_compare, whose message we reproduce.
    as_error = begin
      as.fixed_length_secure_compare("abc", "ab")
    rescue ArgumentError => e
      e
    end
    expect(as_error).to be_a(ArgumentError)
    expect { TokenOxide.fixed_length_secure_compare("abc", "ab") }.to raise_error(ArgumentError, as_error.message)
  end

  it "raises TypeError for non-Strings" do
    expect { TokenOxide.secure_compare(nil, "a") }.to raise_error(TypeError)
    expect { TokenOxide.secure_compare("a", 1) }.to raise_error(TypeError)
    expect { TokenOxide.fixed_length_secure_compare(:a, "a") }.to raise_error(TypeError)
  end
end
