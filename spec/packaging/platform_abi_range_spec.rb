# frozen_string_literal: true

require "tmpdir"
require "fileutils"
require_relative "../../rakelib/native_gem"

# The platform gem's Ruby requirement is one range, so it may only hold
# consecutive ABIs: 3.1 + 3.3 would install on Ruby 3.2 and fail to load.
RSpec.describe "the platform gem's Ruby ABI range" do
  it "covers exactly the ABIs of one consecutive range" do
    expect(NativeGem.ruby_requirement(%w[3.3])).to eq([">= 3.3", "< 3.4.dev"])
    expect(NativeGem.ruby_requirement(%w[3.3 3.1 3.2])).to eq([">= 3.1", "< 3.4.dev"])

    requirement = Gem::Requirement.new(NativeGem.ruby_requirement(%w[3.1 3.2]))
    expect(%w[3.1.2 3.2.0 3.2.9].map { |v| requirement.satisfied_by?(Gem::Version.new(v)) }).to all(be true)
    expect(%w[3.0.7 3.3.0 3.3.0.preview1].map { |v| requirement.satisfied_by?(Gem::Version.new(v)) }).to all(be false)
  end

  it "refuses ABIs with a gap, naming the missing one and the way out" do
    expect { NativeGem.ruby_requirement(%w[3.1 3.3]) }
      .to raise_error(ArgumentError, /skip 3\.2\b.*TOKEN_OXIDE_ABIS=3\.3/)
  end

  it "refuses ABIs of two Ruby majors" do
    expect { NativeGem.ruby_requirement(%w[3.4 4.0]) }.to raise_error(ArgumentError, /span Ruby 3 and 4/)
  end

  describe "TOKEN_OXIDE_ABIS" do
    around do |example|
      Dir.mktmpdir("token_oxide-abis") do |root|
        @root = root
        %w[3.1 3.3].each do |abi|
          FileUtils.mkdir_p(File.join(root, "lib/token_oxide", abi))
          File.write(File.join(root, "lib/token_oxide", abi, "token_oxide.#{RbConfig::CONFIG["DLEXT"]}"), "")
        end
        example.run
      end
    end

    it "packs every built ABI when unset, and only the named ones when set" do
      dlext = RbConfig::CONFIG["DLEXT"]
      expect(NativeGem.selected_libraries(@root, nil))
        .to eq(["lib/token_oxide/3.1/token_oxide.#{dlext}", "lib/token_oxide/3.3/token_oxide.#{dlext}"])
      expect(NativeGem.selected_libraries(@root, "3.3")).to eq(["lib/token_oxide/3.3/token_oxide.#{dlext}"])
    end

    it "refuses an ABI that is not built" do
      expect { NativeGem.selected_libraries(@root, "3.2") }.to raise_error(ArgumentError, /3\.2, not built \(built: 3\.1, 3\.3\)/)
    end

    it "stops `rake native gem` on a gap before anything is packed" do
      expect { NativeGem.platform_spec(@root, nil) }.to raise_error(ArgumentError, /skip 3\.2/)
    end
  end
end
