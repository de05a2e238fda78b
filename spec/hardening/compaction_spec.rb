# frozen_string_literal: true

require "spec_helper"
require "open3"
require "json"
require "rbconfig"

# A raw Ruby reference kept across calls without being marked or pinned
# crashes the process once compaction moves its object, so the run is in a
# child process: a segfault fails this example instead of killing RSpec.
RSpec.describe "GC compaction" do
  it "leaves every public operation correct after compaction and under GC.auto_compact" do
    skip "GC.verify_compaction_references is not available on this Ruby" unless GC.respond_to?(:verify_compaction_references)

    script = File.expand_path("../../hardening/compaction.rb", __dir__)
    out, err, status = Open3.capture3(RbConfig.ruby, script, "3", "10")
    expect(status).to be_success, "exit #{status.exitstatus.inspect}, signal #{status.termsig.inspect}:\n#{err[0, 2000]}"
    result = JSON.parse(out)
    expect(result["operations"]).to include("verify_purpose_and_expiry", "encrypt_gcm_purpose_expiry", "verify_rotation")
    expect(result["verify_compaction_references"]).to eq("rounds" => 3, "wrong" => [])
    expect(result["auto_compact"]).to include("iterations" => 10, "wrong" => [])
    expect(result["auto_compact"]["compactions"]).to be_positive
  end
end
