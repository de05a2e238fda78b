# frozen_string_literal: true

require "spec_helper"
require "open3"
require "rbconfig"
require "active_support"
require "active_support/message_verifier"
require "active_support/core_ext/numeric/time"
require "active_support/testing/time_helpers"

# Expiry reads the realtime clock directly only while `Time.now` is Ruby's
# own method; any stub makes it call `Time.now` again. Each case checks both
# that the outcome follows the stub (as ActiveSupport's verifier, which calls
# Time.now itself, does) and which path was taken. The watch that tells the
# two apart (lib/token_oxide/time_now_watch.rb) uses public Ruby API only, so
# the direct read is expected on every Ruby version.
RSpec.describe "TokenOxide expiry clock" do
  include ActiveSupport::Testing::TimeHelpers

  # What builtin_time_now? must say while Time.now is Ruby's own.
  let(:direct) { true }

  it "takes the direct read while Time.now is Ruby's own (Ruby #{RUBY_VERSION})" do
    expect(TokenOxide::Native.builtin_time_now?).to be(true)
    expect(Time.singleton_class.ancestors.first).to be(TokenOxide::TimeNowWatch::MethodHooks)
  end

  let(:frozen) { Time.utc(2030, 6, 1, 12, 0, 0) }
  let(:verifier) { TokenOxide::MessageVerifier.new("secret", serializer: :json) }
  let(:rails) { ActiveSupport::MessageVerifier.new("secret", serializer: JSON) }

  def exp_of(token)
    JSON.parse(Base64.strict_decode64(token.split("--").first)).dig("_rails", "exp")
  end

  # Generation and expiry under a clock that the block moves with +advance+.
  def expect_clock_followed(advance)
    token = verifier.generate("v", expires_in: 60)
    rails_token = rails.generate("v", expires_in: 60)
    expect(exp_of(token)).to eq("2030-06-01T12:01:00.000Z")
    advance.call(59)
    expect(verifier.verified(token)).to eq("v")
    expect(rails.verified(rails_token)).to eq("v")
    advance.call(1)
    expect(verifier.verified(token)).to be_nil
    expect(rails.verified(rails_token)).to be_nil
  end

  it "reads the clock (directly, or through Time.now) while Time.now is Ruby's own, and that clock is Time.now's" do
    expect(TokenOxide::Native.builtin_time_now?).to be(direct)
    token = verifier.generate("v", expires_in: 3600)
    expected = (Time.now.utc + 3600)
    expect(Time.iso8601(exp_of(token))).to be_within(5).of(expected)
    expect(verifier.verified(token)).to eq("v")
    expect(verifier.verified(verifier.generate("v", expires_in: -1))).to be_nil
  end

  it "follows ActiveSupport's travel_to and returns to the direct read after travel_back" do
    travel_to frozen do
      expect(TokenOxide::Native.builtin_time_now?).to be(false)
      expect_clock_followed(->(seconds) { travel seconds.seconds })
    end
    expect(TokenOxide::Native.builtin_time_now?).to be(direct)
  end

  it "follows a Timecop-style alias_method/define_method stub and returns after it is aliased back" do
    now = frozen
    Time.singleton_class.alias_method :__clock_spec_now, :now
    Time.singleton_class.define_method(:now) { now }
    begin
      expect(TokenOxide::Native.builtin_time_now?).to be(false)
      expect_clock_followed(->(seconds) { now += seconds })
    ensure
      Time.singleton_class.alias_method :now, :__clock_spec_now
      Time.singleton_class.remove_method :__clock_spec_now
    end
    expect(TokenOxide::Native.builtin_time_now?).to be(direct)
    expect(verifier.verified(verifier.generate("v", expires_in: 60))).to eq("v")
  end

  it "sees every stub in a row, not only the first (each new method is checked)" do
    3.times do |i|
      travel_to(frozen + i.days) do
        token = verifier.generate("v", expires_in: 60)
        expect(Time.iso8601(exp_of(token))).to eq(frozen + i.days + 60)
      end
      expect(TokenOxide::Native.builtin_time_now?).to be(direct)
    end
  end

  it "keeps telling the original from stubs after GC and compaction" do
    GC.start
    GC.compact if GC.respond_to?(:compact)
    expect(TokenOxide::Native.builtin_time_now?).to be(direct)
    travel_to(frozen) do
      expect(TokenOxide::Native.builtin_time_now?).to be(false)
      expect(exp_of(verifier.generate("v", expires_in: 60))).to eq("2030-06-01T12:01:00.000Z")
    end
    expect(TokenOxide::Native.builtin_time_now?).to be(direct)
  end

  # Each in its own process: what they do to Time cannot be undone.
  def run_isolated(body, before_load: "")
    script = <<~RUBY
      #{before_load}
      require "token_oxide"
      require "json"
      require "base64"
      verifier = TokenOxide::MessageVerifier.new("secret", serializer: :json)
      exp = ->(token) { JSON.parse(Base64.strict_decode64(token.split("--").first)).dig("_rails", "exp") }
      #{body}
    RUBY
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", File.expand_path("../../../lib", __dir__), "-e", script)
    expect(status).to be_success, err
    JSON.parse(out)
  end

  it "follows a module prepended to Time.singleton_class" do
    result = run_isolated(<<~RUBY)
      before = TokenOxide::Native.builtin_time_now?
      clock = Module.new do
        attr_accessor :frozen
        def now(...) = frozen || super
      end
      Time.singleton_class.prepend(clock)
      Time.frozen = Time.utc(2030, 6, 1, 12, 0, 0)
      token = verifier.generate("v", expires_in: 60)
      Time.frozen += 59
      at59 = verifier.verified(token)
      Time.frozen += 1
      at60 = verifier.verified(token)
      puts JSON.generate([before, TokenOxide::Native.builtin_time_now?, exp.(token), at59, at60])
    RUBY
    expect(result).to eq([direct, false, "2030-06-01T12:01:00.000Z", "v", nil])
  end

  it "follows `now` defined later in a module prepended while it had none" do
    result = run_isolated(<<~RUBY)
      clock = Module.new
      Time.singleton_class.prepend(clock)
      after_prepend = TokenOxide::Native.builtin_time_now?
      clock.define_method(:now) { |*| Time.at(1_900_000_000).utc }
      puts JSON.generate([after_prepend, TokenOxide::Native.builtin_time_now?, exp.(verifier.generate("v", expires_in: 60))])
    RUBY
    expect(result).to eq([false, false, "2030-03-17T17:47:40.000Z"])
  end

  it "keeps its hooks when an app defines its own Time.singleton_method_added" do
    result = run_isolated(<<~RUBY)
      seen = []
      Time.define_singleton_method(:singleton_method_added) { |name| seen << name }
      Time.define_singleton_method(:now) { |*| Time.at(1_900_000_000).utc }
      puts JSON.generate([TokenOxide::Native.builtin_time_now?, exp.(verifier.generate("v", expires_in: 60)), seen])
    RUBY
    expect(result).to eq([false, "2030-03-17T17:47:40.000Z", %w[singleton_method_added now]])
  end

  it "follows `now` removed from Time (Object's answers) and cannot be extended around" do
    result = run_isolated(<<~RUBY)
      hooks_frozen = TokenOxide::TimeNowWatch::MethodHooks.frozen? && TokenOxide::TimeNowWatch::PrependHook.frozen?
      class Object
        def self.now(*) = Time.at(1_900_000_000).utc
      end
      Time.singleton_class.send(:remove_method, :now)
      puts JSON.generate([hooks_frozen, TokenOxide::Native.builtin_time_now?, exp.(verifier.generate("v", expires_in: 60))])
    RUBY
    expect(result).to eq([true, false, "2030-03-17T17:47:40.000Z"])
  end

  it "never reads the clock itself when Time.now is not Ruby's own at load" do
    stub = <<~RUBY
      class << Time
        def now(*) = Time.at(1_900_000_000).utc
      end
    RUBY
    result = run_isolated(<<~RUBY, before_load: stub)
      installed = Time.singleton_class.ancestors.include?(TokenOxide::TimeNowWatch::MethodHooks)
      puts JSON.generate([installed, TokenOxide::Native.builtin_time_now?, exp.(verifier.generate("v", expires_in: 60))])
    RUBY
    expect(result).to eq([false, false, "2030-03-17T17:47:40.000Z"])
  end

  it "follows rspec-mocks' stub of Time.now and returns to the direct read after it is reset" do
    allow(Time).to receive(:now).and_return(frozen)
    expect(TokenOxide::Native.builtin_time_now?).to be(false)
    expect(exp_of(verifier.generate("v", expires_in: 60))).to eq("2030-06-01T12:01:00.000Z")
    RSpec::Mocks.space.proxy_for(Time).reset
    expect(TokenOxide::Native.builtin_time_now?).to be(true)
  end
end
