# frozen_string_literal: true

require_relative "../../hardening/support"

# Short version of `rake hardening`'s 10M-character run. A correct generator
# fails a p > 1e-6 bar once in a million runs per statistic; the modulo-biased
# control below lands under 1e-9, so the bar still catches real bias.
RSpec.describe "Hardening: randomness" do
  results = TokenOxideHardening.randomness(1_200_000)

  results.each do |r|
    it "#{r[:name]}: single symbols and symbol pairs are uniform (#{r[:characters]} characters)" do
      expect(r[:only_alphabet]).to be(true)
      expect(r[:p]).to be > 1e-6, "chi-square #{r[:chi_square]} with #{r[:dof]} d.o.f."
      expect(r[:pair_p]).to be > 1e-6, "pair chi-square #{r[:pair_chi_square]} with #{r[:pair_dof]} d.o.f."
    end
  end

  it "the statistic rejects a modulo-biased generator (the test can fail)" do
    expect(TokenOxideHardening.biased_control(1_200_000)[:p]).to be < 1e-9
  end
end
