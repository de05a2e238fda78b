# frozen_string_literal: true

require "spec_helper"
require "rbconfig"
require "open3"
require "openssl"
require "active_support"
require "active_support/json"
require "active_support/message_verifier"

# Deeply nested values: encoding stops with SystemStackError when the running
# thread's or fiber's machine stack is nearly used up (ActiveSupport's
# recursive encoder raises the same), never with a process abort; reading a
# message nested deeper than JSON.parse allows raises JSON::NestingError, as
# ActiveSupport's verifier does. The encoding probes run in a child process
# under GC.stress, so an abort fails the example instead of killing RSpec.
RSpec.describe "TokenOxide messages with deeply nested values" do
  depths = [50, 300, 800, 3000, 10_000]

  # Runs +body+ (Ruby source) in a child with the gem and ActiveSupport loaded;
  # returns [stdout lines, stderr, status].
  def child(body)
    script = <<~RUBY
      $stdout.sync = true
      require "token_oxide"
      require "active_support"
      require "active_support/json"
      def nested(depth) = (1..depth).inject(nil) { |inner, _| { "a" => inner } }
      def outcome
        yield
        "ok"
      rescue Exception => e # rubocop:disable Lint/RescueException
        e.class.name
      end
      #{body}
    RUBY
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../../../lib", __dir__), "-e", script)
    [out.lines.map(&:chomp), err, status]
  end

  { "the main thread" => "work.call", "a Thread" => "Thread.new(&work).value",
    "a Fiber" => "Fiber.new(&work).resume" }.each do |where, run|
    it "generate in #{where} under GC.stress: a token or SystemStackError at every depth, like ActiveSupport" do
      lines, err, status = child(<<~RUBY)
        verifier = TokenOxide::MessageVerifier.new("s" * 32, serializer: :json)
        #{depths.inspect}.each do |depth|
          value = nested(depth)
          work = lambda do
            GC.stress = true
            ours = outcome { verifier.generate(value) }
            GC.stress = false
            [ours, outcome { ActiveSupport::JSON.encode(value) }]
          end
          ours, rails = #{run}
          puts [depth, ours, rails].join(" ")
        end
      RUBY
      expect(status).to be_success, "child died (#{status}) after #{lines.last.inspect}: #{err[/^.*\[BUG\].*$/] || err[-500..]}"
      results = lines.to_h { |line| depth, ours, rails = line.split; [depth.to_i, [ours, rails]] }
      expect(results.keys).to eq(depths)
      results.each do |depth, (ours, rails)|
        expect(%w[ok SystemStackError]).to include(ours), "depth #{depth}: #{ours}"
        expect(%w[ok SystemStackError]).to include(rails), "depth #{depth}: ActiveSupport #{rails}"
      end
      expect(results[50]).to eq(%w[ok ok])
      expect(results[10_000]).to eq(%w[SystemStackError SystemStackError])
      # At least as deep as ActiveSupport gets in the same place.
      deepest = ->(side) { results.select { |_, r| r[side] == "ok" }.keys.max }
      expect(deepest.call(0)).to be >= deepest.call(1)
    end
  end

  it "the process goes on normally after a SystemStackError from generate (in a fiber, under GC.stress)" do
    # :json, not the default: with ActiveSupport 6.1 loaded the default is
    # Marshal, and Ruby 3.1's own Marshal.dump of this value aborts the process
    # in a fiber under GC.stress ("system stack overflow during GC").
    lines, err, status = child(<<~RUBY)
      verifier = TokenOxide::MessageVerifier.new("s" * 32, serializer: :json)
      deep = nested(10_000)
      3.times do
        Fiber.new do
          GC.stress = true
          puts outcome { verifier.generate(deep) }
          GC.stress = false
        end.resume
      end
      puts verifier.verified(verifier.generate({ "id" => 1 }, purpose: :x), purpose: :x).inspect
    RUBY
    expect(status).to be_success, err[-500..]
    expect(lines).to eq(%w[SystemStackError SystemStackError SystemStackError] + ['{"id"=>1}'])
  end

  context "reading messages nested deeper than JSON.parse allows (max_nesting 100)" do
    let(:secret) { "s" * 32 }
    let(:verifier) { TokenOxide::MessageVerifier.new(secret, serializer: :json) }

    def signed(payload)
      data = [payload].pack("m0")
      "#{data}--#{OpenSSL::HMAC.hexdigest("SHA1", "s" * 32, data)}"
    end

    def nested_json(levels) = ("[" * levels) + ("]" * levels)

    it "a bare value: 100 levels read, 101 raise JSON::NestingError" do
      expect(verifier.verified(signed(nested_json(100)))).to be_a(Array)
      expect { verifier.verified(signed(nested_json(101))) }.to raise_error(JSON::NestingError)
      expect { verifier.verify(signed(nested_json(101))) }.to raise_error(JSON::NestingError)
    end

    it "a value in the 7.1+ envelope: the envelope's two levels count (98 read, 99 raise)" do
      envelope = ->(levels) { %({"_rails":{"data":#{nested_json(levels)},"pur":"p"}}) }
      expect(verifier.verified(signed(envelope.call(98)), purpose: "p")).to be_a(Array)
      expect { verifier.verified(signed(envelope.call(99)), purpose: "p") }.to raise_error(JSON::NestingError)
      expect { verifier.verified(signed(envelope.call(99)[0..-2] + ',"x":1}'), purpose: "p") }.to raise_error(JSON::NestingError)
    end

    # Rails 7.1+'s :json serializer is ActiveSupport::JSON.encode/decode (6.1 has
    # no such option: the same two methods are given as its serializer).
    let(:json_serializer) do
      ActiveSupport::VERSION::MAJOR >= 7 ? :json : Module.new.tap do |m|
        m.define_singleton_method(:dump) { |v| ActiveSupport::JSON.encode(v) }
        m.define_singleton_method(:load) { |s| ActiveSupport::JSON.decode(s) }
      end
    end

    it "ActiveSupport's verifier raises the same for the same bare message" do
      rails = ActiveSupport::MessageVerifier.new(secret, serializer: json_serializer)
      expect(rails.verified(signed(nested_json(100)))).to eq(verifier.verified(signed(nested_json(100))))
      expect { rails.verified(signed(nested_json(101))) }.to raise_error(JSON::NestingError)
    end
  end
end
