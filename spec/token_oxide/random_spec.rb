# frozen_string_literal: true

require "securerandom"
require "active_support"
require "active_support/core_ext/securerandom"

RSpec.describe "TokenOxide random tokens" do
  base58_alphabet = SecureRandom::BASE58_ALPHABET.join

  # Chi-square statistic of the symbol counts of +text+ against uniform over +alphabet+.
  def chi_square(text, alphabet)
    counts = Hash.new(0)
    text.each_char { |c| counts[c] += 1 }
    expected = text.length.fdiv(alphabet.length)
    alphabet.each_char.sum { |c| (counts[c] - expected)**2 / expected }
  end

  # The smaller statistic of up to two independent samples: a correct
  # generator exceeds a 99.99th-percentile bound twice in a row about once in
  # 10^8 runs, while a biased one exceeds it every time.
  def chi_square_retried(alphabet)
    first = chi_square(yield, alphabet)
    first < @bound ? first : [first, chi_square(yield, alphabet)].min
  end

  describe ".base58" do
    it "defaults to has_secure_token's 24 characters from Rails' alphabet" do
      token = TokenOxide.base58
      expect(token.length).to eq(24)
      expect(token).to match(/\A[#{base58_alphabet}]{24}\z/o)
      expect(token.encoding).to eq(Encoding::UTF_8)
    end

    it "uses exactly ActiveSupport's SecureRandom::BASE58_ALPHABET" do
      seen = TokenOxide.base58(20_000).chars.uniq.sort.join
      expect(seen).to eq(base58_alphabet.chars.sort.join)
    end

    it "honours the length, including 0" do
      [0, 1, 16, 24, 57, 1000].each { |n| expect(TokenOxide.base58(n).length).to eq(n) }
    end

    it "never repeats a token over 100k draws" do
      tokens = Array.new(100_000) { TokenOxide.base58 }
      expect(tokens.uniq.size).to eq(100_000)
    end

    it "is uniform over the alphabet (chi-square over 1.16M characters, 57 d.o.f.)" do
      # 99.99th percentile of chi-square(57) is about 104: a correct generator
      # fails this about once in 10,000 runs; modulo bias (byte % 58) would
      # give a statistic in the tens of thousands.
      @bound = 104
      expect(chi_square_retried(base58_alphabet) { TokenOxide.base58(1_160_000) }).to be < @bound
    end

    it "rejects bad lengths with ArgumentError/TypeError" do
      expect { TokenOxide.base58(-1) }.to raise_error(ArgumentError, /negative/)
      expect { TokenOxide.base58(100_000_000) }.to raise_error(ArgumentError, /at most/)
      expect { TokenOxide.base58("24") }.to raise_error(TypeError)
      expect { TokenOxide.base58(nil) }.to raise_error(TypeError)
      expect { TokenOxide.base58(1, 2) }.to raise_error(ArgumentError, /wrong number of arguments/)
    end
  end

  describe ".friendly_token" do
    facts = vectors("devise").find { |c| c["kind"] == "friendly_token_facts" }

    it "defaults to 20 characters from Devise's alphabet" do
      token = TokenOxide.friendly_token
      expect(token.length).to eq(20)
      expect(token).to match(/\A[A-Za-z0-9_-]{20}\z/)
      expect(token).not_to match(/[lIO0]/)
    end

    it "follows Devise's length rules (length table recorded from Devise 4.8)" do
      expect(TokenOxide.friendly_token.chars.uniq.all? { |c| facts["alphabet"].include?(c) }).to be(true)
      facts.fetch("output_length_by_requested_length").each do |requested, actual|
        expect(TokenOxide.friendly_token(Integer(requested)).length).to eq(actual), "friendly_token(#{requested})"
      end
    end

    it "matches the live Devise.friendly_token length for 0..64" do
      (0..64).each do |n|
        devise_length = SecureRandom.urlsafe_base64((n * 3) / 4).tr("lIO0", "sxyz").length
        expect(TokenOxide.friendly_token(n).length).to eq(devise_length), "length #{n}"
      end
    end

    it "is uniform over its 60 symbols (chi-square over 1.2M characters, 59 d.o.f.)" do
      alphabet = ([*"A".."Z", *"a".."z", *"0".."9", "-", "_"] - %w[l I O 0]).join
      text = Array.new(60_000) { TokenOxide.friendly_token(20) }.join
      expect(text.chars.uniq.sort).to eq(alphabet.chars.sort)
      @bound = 106 # 99.99th percentile of chi-square(59)
      expect(chi_square_retried(alphabet) { Array.new(60_000) { TokenOxide.friendly_token(20) }.join }).to be < @bound
    end
  end

  describe ".random_token" do
    it "draws from a custom alphabet given as a String or Array" do
      expect(TokenOxide.random_token(50, alphabet: "01")).to match(/\A[01]{50}\z/)
      expect(TokenOxide.random_token(10, alphabet: %w[a b c])).to match(/\A[abc]{10}\z/)
      expect(TokenOxide.random_token(5, alphabet: "αβγ")).to match(/\A[αβγ]{5}\z/)
    end

    it "rejects unusable alphabets" do
      expect { TokenOxide.random_token(5, alphabet: "a") }.to raise_error(ArgumentError, /at least 2/)
      expect { TokenOxide.random_token(5, alphabet: "abca") }.to raise_error(ArgumentError, /repeated/)
      expect { TokenOxide.random_token(5, alphabet: 12) }.to raise_error(TypeError)
    end
  end

  describe ".random_bytes" do
    it "returns binary strings of the requested size" do
      bytes = TokenOxide.random_bytes(32)
      expect(bytes.bytesize).to eq(32)
      expect(bytes.encoding).to eq(Encoding::BINARY)
      expect(TokenOxide.random_bytes(32)).not_to eq(bytes)
    end
  end

  describe "fork safety" do
    it "never gives a forked child the parent's or a sibling's tokens" do
      skip "fork is not available" unless Process.respond_to?(:fork)

      TokenOxide.base58 # warm the parent's generator so children inherit its state
      children = Array.new(8) do
        reader, writer = IO.pipe
        pid = fork do
          reader.close
          writer.write(Array.new(50) { TokenOxide.base58 }.join("\n"))
          writer.close
          exit!(0)
        end
        writer.close
        [pid, reader]
      end
      parent_tokens = Array.new(50) { TokenOxide.base58 }
      child_tokens = children.flat_map do |pid, reader|
        out = reader.read.split("\n")
        reader.close
        Process.wait(pid)
        out
      end
      expect(child_tokens.size).to eq(400)
      all = parent_tokens + child_tokens
      expect(all.uniq.size).to eq(all.size)
    end
  end
end
