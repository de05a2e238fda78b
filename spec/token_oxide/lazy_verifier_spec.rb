# frozen_string_literal: true

require "spec_helper"
require "open3"

RSpec.describe TokenOxide::LazyVerifier do
  let(:secret) { "lazy-verifier-spec-secret-0123456789abcdef" }

  it "builds the verifier once, at the first token, and then answers as it does" do
    builds = 0
    lazy = described_class.new { builds += 1; TokenOxide::MessageVerifier.new(secret, digest: "SHA256") }
    expect(lazy).not_to be_built
    expect(lazy.inspect).to eq("#<TokenOxide::LazyVerifier not built yet>")

    token = lazy.generate("user-1", purpose: :login)
    expect(lazy.verified(token, purpose: :login)).to eq("user-1")
    expect(lazy.verified(token, purpose: :other)).to be_nil
    expect(TokenOxide::MessageVerifier.new(secret, digest: "SHA256").verified(token, purpose: :login)).to eq("user-1")
    expect(builds).to eq(1)
    expect(lazy.inspect).to eq("#<TokenOxide::LazyVerifier built>")
  end

  it "retries a build that raised (a secret set after boot is picked up)" do
    available = nil
    lazy = described_class.new { TokenOxide::MessageVerifier.new(available || raise(ArgumentError, "no secret yet")) }
    expect { lazy.generate("x") }.to raise_error(ArgumentError, "no secret yet")
    available = secret
    expect(lazy.verified(lazy.generate("x"))).to eq("x")
  end

  it "needs a block" do
    expect { described_class.new }.to raise_error(ArgumentError, /needs a block/)
  end

  # The suite loads Rails, whose railtie requires the file; a plain Ruby
  # process must reach the class through `require "token_oxide"` alone.
  it "is reachable without Rails" do
    lib = File.expand_path("../../lib", __dir__)
    script = 'require "token_oxide"; abort "Rails loaded" if defined?(Rails); ' \
             'print TokenOxide::LazyVerifier.new { TokenOxide::MessageVerifier.new("s" * 32) }.verified(' \
             'TokenOxide::MessageVerifier.new("s" * 32).generate("ok"))'
    out, err, status = Open3.capture3(RbConfig.ruby, "-I", lib, "-e", script)
    expect([status.success?, err]).to eq([true, ""])
    expect(out).to eq("ok")
  end
end
