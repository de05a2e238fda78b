# frozen_string_literal: true

require "open3"
require "rbconfig"
require "json"

# Short version of `rake hardening`'s 10M-call RSS run, in a fresh process so
# the rest of the suite's allocations do not blur the numbers.
RSpec.describe "Hardening: memory" do
  it "RSS stays flat over 1M generate+verify calls" do
    script = <<~RUBY
      require #{File.expand_path("../../hardening/support", __dir__).dump}
      puts JSON.generate(TokenOxideHardening.rss_over(calls: 1_000_000, warmup: 200_000))
    RUBY
    out, err, status = Open3.capture3(RbConfig.ruby, "-rjson", "-e", script)
    expect(status).to be_success, err
    result = JSON.parse(out)
    # A leak of even 4 bytes per call would add ~4 MB; allocator noise is far below 2 MB.
    expect(result["growth_kb"]).to be < 2048, result.inspect
  end
end
