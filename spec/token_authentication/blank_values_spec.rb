# frozen_string_literal: true

require "spec_helper"
require_relative "../token_authenticatable/support"

# Blank means Active Support's `blank?` everywhere a token is read: "", and
# whitespace-only values too. Such a value is never digested, never looked
# up and never kept as a stored token (Devise's `value.present? && …`,
# simple_token_authentication's `authentication_token.blank?`).
RSpec.describe "blank token values" do
  WHITESPACE = ["", " ", "  \t\n", "\u3000"].freeze

  describe TokenOxide::TokenAuthentication::Presence do
    it "treats nil, non-Strings, empty and whitespace-only Strings as blank, like Active Support" do
      [nil, 1, ["x"], *WHITESPACE].each do |value|
        expect(described_class.blank?(value)).to be(true), value.inspect
        expect(value.blank?).to be(true) if value.is_a?(String) # Active Support agrees
      end
      [" x ", "tok", "\u00e9"].each do |value|
        expect(described_class.blank?(value)).to be(false)
        expect(value.blank?).to be(false)
      end
    end

    it "does not raise on invalid or non-ASCII-compatible encodings" do
      expect(described_class.blank?("\xff ".b.force_encoding("UTF-8"))).to be(false)
      expect(described_class.blank?(" ".encode("UTF-16LE"))).to be(false)
    end
  end

  describe TokenOxide::TokenAuthentication::TokenDigester do
    it "returns false for whitespace-only tokens, as Devise's token_generator.digest does" do
      WHITESPACE.each do |value|
        expect(described_class.digest(:authentication_token, value, secret: "s")).to be(false)
      end
      expect(described_class.digest(:authentication_token, " x", secret: "s")).to match(/\A\h{64}\z/)
    end

    it "gives the same answer as live Devise for blank values" do
      skip "Devise is not installed on this leg (Debian 13 packages no Devise)" unless defined?(::Devise)

      generator = Devise::TokenGenerator.new(ActiveSupport::KeyGenerator.new("s", iterations: 1))
      WHITESPACE.each do |value|
        expect(generator.digest(Object, :authentication_token, value)).to be(false)
      end
    end
  end

  describe "acts_as_token_authenticatable" do
    before(:all) do
      TokenOxideSpec.rails_app
      TokenOxideSpec.create_table(:ta_blank_people) do |t|
        t.string :email
        t.string :authentication_token
        t.string :authentication_token_digest
      end
    end

    before do
      TokenOxide::TokenAuthentication.reset_configuration!
      TokenOxide::TokenAuthentication.configure { |c| c.digest_secret = "blank-spec-secret" }
    end

    after { TokenOxide::TokenAuthentication.reset_configuration! }

    def model(**options)
      klass = Class.new(ActiveRecord::Base) { self.table_name = "ta_blank_people" }
      stub_const("TaBlankPerson", klass)
      klass.acts_as_token_authenticatable(**options)
      klass
    end

    it "replaces a whitespace-only stored token on save, as simple_token_authentication does" do
      klass = model
      person = klass.create!(email: "a@example.com")
      person.update_column(:authentication_token, "   ")
      person.reload.save!
      expect(person.reload.authentication_token).to match(/\A[A-Za-z0-9_-]{20}\z/)
    end

    it "never matches or digests a whitespace-only presented token" do
      klass = model(store: :digest)
      person = klass.create!(email: "a@example.com")
      expect(TokenOxide::TokenAuthentication::TokenDigester).not_to receive(:key_for)
      WHITESPACE.each { |value| expect(person.authentication_token_matches?(value)).to be(false) }
    end

    it "does not query by digest for a whitespace-only token (identifier: false)" do
      klass = model(store: :digest)
      klass.create!(email: "a@example.com")
      entity = Struct.new(:model, :token_options).new(klass, klass.token_authentication_options)
      expect(klass).not_to receive(:find_by)
      expect(TokenOxide::TokenAuthentication::Authenticator.find_by_digest(entity, "  ")).to be_nil
    end
  end

  describe "add_authentication_token_field" do
    before(:all) do
      TokenOxideSpec.database
      TaSpecSupport.configure!
      TaSpecSupport.table(:ta_blanks, digest: true, encrypted: true)
    end

    after(:all) { TokenOxide::TokenAuthenticatable.reset_configuration! }

    before { TaSpecSupport.clear(:ta_blanks) }

    { insecure: { insecure: true }, digest: { digest: true }, encrypted: { encrypted: :required } }.each do |storage, opts|
      it "(#{storage}) never looks up, digests or encrypts a whitespace-only token" do
        klass = TaSpecSupport.model(:TaSpecBlank, :ta_blanks) { add_authentication_token_field :token, **opts }
        record = klass.new
        record.ensure_token
        record.save!
        expect(TokenOxide::Native).not_to receive(:salted_sha256_base64)
        expect(klass).not_to receive(:find_by)
        WHITESPACE.each do |value|
          expect(klass.find_by_token(value)).to be_nil
          expect(record.token_matches?(value)).to be(false)
        end
      end
    end

    it "(insecure) replaces a whitespace-only stored token on ensure_, as GitLab's present? check does" do
      klass = TaSpecSupport.model(:TaSpecBlank, :ta_blanks) { add_authentication_token_field :token }
      record = klass.create!(token: "  ")
      expect(record.ensure_token).to match(/\A[A-Za-z0-9_-]{20}\z/)
    end

    it "(digest) refuses to store the digest of a blank token" do
      klass = TaSpecSupport.model(:TaSpecBlank, :ta_blanks) { add_authentication_token_field :token, digest: true }
      expect { klass.new.set_token(" ") }.to raise_error(ArgumentError, /non-blank/)
      expect(klass.new.set_token(nil)).to be_nil
    end
  end
end
