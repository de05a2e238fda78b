# frozen_string_literal: true

require "spec_helper"
require "json"

# Devise.token_generator and Devise.friendly_token from the Rust core, in the
# shared booted app (Devise 4.8 on the Debian 12 leg; Debian 13 has no Devise).
RSpec.describe TokenOxide::DeviseTokenGenerator do
  before(:all) do
    TokenOxideSpec.rails_app
    skip "needs Devise (Debian 12 leg; Debian 13 does not package it)" unless defined?(Devise::TokenGenerator)
    TokenOxideSpec.create_table(:devise_gen_users) { |t| t.string :reset_password_token }
    Object.const_set(:DeviseGenUser, Class.new(ActiveRecord::Base) { self.table_name = "devise_gen_users" }) unless defined?(DeviseGenUser)
  end

  # Devise's own generator, built as its engine builds it.
  def devise_generator(secret = Devise.secret_key)
    Devise::TokenGenerator.new(ActiveSupport::CachingKeyGenerator.new(ActiveSupport::KeyGenerator.new(secret)))
  end

  def devise_friendly_token(length)
    Devise.method(:friendly_token).super_method.call(length) # Devise's own, under our prepend
  end

  it "is what the Railtie installed as Devise.token_generator, with Devise's digests" do
    expect(Devise.token_generator).to be_a(described_class)
    reference = devise_generator
    %i[reset_password_token confirmation_token unlock_token].product(["abc", "Zx8s-_Q", "é ü"]) do |column, value|
      expect(Devise.token_generator.digest(DeviseGenUser, column, value)).to eq(reference.digest(DeviseGenUser, column, value))
    end
  end

  JSON.parse(File.read(File.join(FIXTURES, "devise.json"))).select { |c| c["kind"] == "token_digest" }.each do |c|
    it "gives the vector's digest (#{c["id"]}, #{c["column"]})" do
      generator = described_class.new(TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(c["secret_key"] || c["secret_key_base"], iterations: c["iterations"])),
                                      c["hmac_digest"])
      expect(generator.digest(nil, c["column"], c["value"])).to eq(c["expected_digest_hex"])
    end
  end

  it "digests a blank value to false, as Devise's value.present? && ... does" do
    ["", nil, "  "].each do |blank|
      expect(Devise.token_generator.digest(DeviseGenUser, :reset_password_token, blank)).to be(false)
      expect(devise_generator.digest(DeviseGenUser, :reset_password_token, blank)).to be(false)
    end
  end

  it "generates a raw token and its digest, drawing again while the digest is taken" do
    taken = Devise.token_generator.digest(DeviseGenUser, :reset_password_token, "first-draw")
    DeviseGenUser.create!(reset_password_token: taken)
    draws = ["first-draw", "second-draw"]
    allow(Devise).to receive(:friendly_token) { draws.shift }
    raw, enc = Devise.token_generator.generate(DeviseGenUser, :reset_password_token)
    expect(raw).to eq("second-draw")
    expect(enc).to eq(devise_generator.digest(DeviseGenUser, :reset_password_token, "second-draw"))
  ensure
    DeviseGenUser.delete_all
  end

  it "is not installed over a generator with other digests, and leaves one the app set alone" do
    other = devise_generator("another secret" * 8)
    other.instance_variable_set(:@digest, "SHA512")
    allow(described_class).to receive(:new).and_wrap_original do |original, key_generator, digest|
      original.call(TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new("not the secret", iterations: 2)), digest)
    end
    expect(described_class.counterpart(other)).to be_nil
    custom = Object.new
    previous = Devise.token_generator
    Devise.token_generator = custom
    expect(described_class.install).to equal(custom)
  ensure
    Devise.token_generator = previous
  end

  it "makes Devise.friendly_token with the Rust generator, with Devise's alphabet and length for every length" do
    expect(Devise.singleton_class.ancestors).to include(TokenOxide::DeviseFriendlyToken)
    allow(TokenOxide).to receive(:friendly_token).and_call_original
    expect(Devise.friendly_token).to match(/\A[A-Za-z0-9_-]{20}\z/)
    expect(TokenOxide).to have_received(:friendly_token).with(20)
    (0..64).each do |length|
      ours = Devise.friendly_token(length)
      expect(ours.length).to eq(devise_friendly_token(length).length), "length #{length}"
      expect(ours).not_to match(/[lIO0+=\/]/)
    end
  end
end
