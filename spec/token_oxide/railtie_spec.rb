# frozen_string_literal: true

require "spec_helper"

# The Railtie's decisions, with stand-in apps: which verifier a Rails 7.1+ app
# ends up with, and how the 6.1/7.0 backport derives its key.
RSpec.describe "TokenOxide::Railtie" do
  before(:all) { TokenOxideSpec.rails_app }

  let(:railtie) { TokenOxide::Railtie }

  let(:secret_key_base) { "railtie-spec-" + ("ab" * 60) }
  let(:key) { TokenOxide::TokenForVerifier.derive_key(secret_key_base) }
  let(:key_generator) do
    TokenOxide::CachingKeyGenerator.new(
      TokenOxide::KeyGenerator.new(secret_key_base, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA256)
    )
  end
  let(:base) { Class.new { class << self; attr_accessor :generated_token_verifier; end } }

  # An app whose message_verifier("active_record/token_for") is +rails_verifier+.
  def fake_app(rails_verifier, token_oxide_config = {})
    config = ActiveSupport::OrderedOptions.new
    config.token_oxide = ActiveSupport::OrderedOptions.new.merge!(token_oxide_config)
    config.active_support = ActiveSupport::OrderedOptions.new
    kg = key_generator
    skb = secret_key_base
    Struct.new(:config) do
      define_method(:message_verifier) { |_name| rails_verifier }
      define_method(:key_generator) { kg }
      define_method(:secret_key_base) { skb }
    end.new(config)
  end

  # Stand-ins for the 7.1+ decisions where no such Rails is installed; with
  # Rails 7.1+ present, spec/rails72/booted_apps_spec.rb checks them in real apps.
  describe "on Rails 7.1+ (Active Record has its own TokenFor), with stand-in apps" do
    before do
      skip "Active Record #{ActiveRecord.version} is installed: real booted apps in spec/rails72/ replace these stand-ins" if defined?(ActiveRecord::TokenFor)
    end

    it "swaps Rails' verifier for the Rust one when both sign the same bytes" do
      rails_verifier = TokenOxide::MessageVerifier.new(key, digest: "SHA1", serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
      base.generated_token_verifier = rails_verifier
      railtie.accelerate_native_verifier(base, fake_app(rails_verifier))
      ours = base.generated_token_verifier
      expect(ours).to be_a(TokenOxide::MessageVerifier)
      expect(ours).not_to equal(rails_verifier)
      expect(ours.generate([1], purpose: "User\nx\n")).to eq(rails_verifier.generate([1], purpose: "User\nx\n"))
    end

    it "keeps Rails' verifier when the Rust one would sign differently" do
      rails_verifier = ActiveSupport::MessageVerifier.new(key) # Marshal, legacy envelope
      base.generated_token_verifier = rails_verifier
      railtie.accelerate_native_verifier(base, fake_app(rails_verifier))
      expect(base.generated_token_verifier).to equal(rails_verifier)
    end

    it "keeps Rails' verifier when it has rotations (old secrets the probe cannot check)" do
      rails_verifier = TokenOxide::MessageVerifier.new(key, digest: "SHA1", serializer: :json_allow_marshal)
      rails_verifier.rotate("old-secret" * 7)
      base.generated_token_verifier = rails_verifier
      railtie.accelerate_native_verifier(base, fake_app(rails_verifier))
      expect(base.generated_token_verifier).to equal(rails_verifier)
    end

    it "keeps Rails' verifier when a setting cannot be reproduced" do
      rails_verifier = TokenOxide::MessageVerifier.new(key, digest: "SHA1", serializer: :json_allow_marshal)
      allow(railtie).to receive(:rails_verifier_options).and_return(serializer: :message_pack)
      base.generated_token_verifier = rails_verifier
      railtie.accelerate_native_verifier(base, fake_app(rails_verifier))
      expect(base.generated_token_verifier).to equal(rails_verifier)
    end

    it "leaves a verifier the app assigned itself alone" do
      custom = ActiveSupport::MessageVerifier.new("custom" * 11)
      base.generated_token_verifier = custom
      railtie.accelerate_native_verifier(base, fake_app(TokenOxide::MessageVerifier.new(key)))
      expect(base.generated_token_verifier).to equal(custom)
    end

    it "copies url_safe, digest and serializer from Rails' verifier, and then swaps" do
      # The 7.1+ envelope spelled out: the stand-in is a 7.1+ app's verifier,
      # whatever ActiveSupport's process-wide default is on this leg.
      rails_verifier = TokenOxide::MessageVerifier.new(key, digest: "SHA256", url_safe: true, serializer: :json_allow_marshal,
                                                            force_legacy_metadata_serializer: false)
      expect(railtie.rails_verifier_options(rails_verifier)).to include(digest: "SHA256", url_safe: true)
      base.generated_token_verifier = rails_verifier
      railtie.accelerate_native_verifier(base, fake_app(rails_verifier))
      expect(base.generated_token_verifier).not_to equal(rails_verifier)
      expect(base.generated_token_verifier.generate([1, "~?>"], purpose: "P")).to eq(rails_verifier.generate([1, "~?>"], purpose: "P"))
    end

    it "copies the process-wide serializer and envelope settings" do
      stub_const("ActiveSupport::Messages::Codec", Class.new { def self.default_serializer = :json })
      stub_const("ActiveSupport::Messages::Metadata", Class.new { def self.use_message_serializer_for_metadata = false })
      expect(railtie.native_verifier_options).to eq(serializer: :json, force_legacy_metadata_serializer: true)
    end
  end

  describe "the probe" do
    # One probe alone encoded to an unpadded length under Marshal and the
    # pre-7.1 envelope, so a url_safe-only difference went unseen.
    it "tells strict from URL-safe base64 in both envelopes and every serializer" do
      %i[marshal json json_allow_marshal].product([true, false]) do |serializer, legacy|
        strict = TokenOxide::MessageVerifier.new(key, serializer: serializer, force_legacy_metadata_serializer: legacy)
        url_safe = TokenOxide::MessageVerifier.new(key, serializer: serializer, force_legacy_metadata_serializer: legacy, url_safe: true)
        expect(railtie.same_output?(strict, url_safe)).to be(false), "#{serializer}, legacy envelope: #{legacy}"
        expect(railtie.same_output?(strict, TokenOxide::MessageVerifier.new(key, serializer: serializer,
                                                                            force_legacy_metadata_serializer: legacy))).to be(true)
      end
    end
  end

  describe "on Active Record 6.1/7.0 (backport)" do
    it "derives PBKDF2-SHA256 of secret_key_base, like a 7.1+ app under load_defaults >= 7.0" do
      skip "this Active Support's key generator has a digest setting (7.0)" if ActiveSupport::KeyGenerator.respond_to?(:hash_digest_class)
      verifier = railtie.backport_verifier(fake_app(nil))
      reference = TokenOxide::MessageVerifier.new(key, digest: "SHA1", serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
      expect(verifier.generate([3, "v"], purpose: "P")).to eq(reference.generate([3, "v"], purpose: "P"))
    end

    it "on 7.0 uses the app's own key generator (and so its digest setting)" do
      allow(ActiveSupport::KeyGenerator).to receive(:hash_digest_class).and_return(OpenSSL::Digest::SHA1)
      app = fake_app(nil)
      sha1_generator = TokenOxide::KeyGenerator.new(secret_key_base, iterations: 1000, hash_digest_class: OpenSSL::Digest::SHA1)
      app.define_singleton_method(:key_generator) { sha1_generator }
      verifier = railtie.backport_verifier(app)
      reference = TokenOxide::MessageVerifier.new(sha1_generator.generate_key("active_record/token_for"), serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
      expect(verifier.generate([3], purpose: "P")).to eq(reference.generate([3], purpose: "P"))
    end

    it "honours config.token_oxide.key_generator_hash_digest_class" do
      verifier = railtie.backport_verifier(fake_app(nil, key_generator_hash_digest_class: OpenSSL::Digest::SHA1))
      sha1_key = OpenSSL::PKCS5.pbkdf2_hmac(secret_key_base, "active_record/token_for", 1000, 64, OpenSSL::Digest::SHA1.new)
      reference = TokenOxide::MessageVerifier.new(sha1_key, digest: "SHA1", serializer: :json_allow_marshal, force_legacy_metadata_serializer: false)
      expect(verifier.generate([3], purpose: "P")).to eq(reference.generate([3], purpose: "P"))
    end

    it "sets ActiveRecord::Base.generated_token_verifier only when none is set" do
      custom = ActiveSupport::MessageVerifier.new("custom" * 11)
      base.generated_token_verifier = custom
      railtie.install_verifier(base, fake_app(nil))
      expect(base.generated_token_verifier).to equal(custom)
      base.generated_token_verifier = nil
      railtie.install_verifier(base, fake_app(nil))
      expect(base.generated_token_verifier).to be_a(TokenOxide::LazyVerifier)
      expect(base.generated_token_verifier.verifier).to be_a(TokenOxide::MessageVerifier)
    end

    it "asks for secret_key_base only at the first token, and signs the same bytes as the eager verifier" do
      app = fake_app(nil)
      asked = 0
      skb = secret_key_base
      app.define_singleton_method(:secret_key_base) { asked += 1; skb }
      app.define_singleton_method(:key_generator) { asked += 1; TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(skb, iterations: 1000)) }
      railtie.install_verifier(base, app)
      lazy = base.generated_token_verifier
      expect(asked).to eq(0)
      expect(lazy.built?).to be(false)
      expect(lazy.inspect).not_to include(skb)
      token = lazy.generate([3, "v"], purpose: "P")
      expect(asked).to eq(1)
      expect(token).to eq(railtie.backport_verifier(app).generate([3, "v"], purpose: "P"))
      expect(lazy.verified(token, purpose: "P")).to eq([3, "v"])
      lazy.generate([4], purpose: "P")
      expect(asked).to eq(2) # the second count is backport_verifier above, not the lazy one rebuilding
    end

    it "raises the app's missing-secret error at first use, and builds once the secret is there" do
      app = fake_app(nil)
      secret = nil
      app.define_singleton_method(:secret_key_base) { secret || raise(ArgumentError, "Missing `secret_key_base`") }
      app.define_singleton_method(:key_generator) { TokenOxide::CachingKeyGenerator.new(TokenOxide::KeyGenerator.new(secret_key_base, iterations: 1000)) }
      railtie.install_verifier(base, app)
      expect(railtie.secret_present?(app)).to be(false)
      if ActiveSupport::KeyGenerator.respond_to?(:hash_digest_class)
        skip "Active Support 7.0 derives through the app's key generator; the booted-app spec covers its secret check"
      end
      expect { base.generated_token_verifier.generate([1]) }.to raise_error(ArgumentError, /Missing `secret_key_base`/)
      secret = secret_key_base
      expect(railtie.secret_present?(app)).to be(true)
      expect(base.generated_token_verifier.warm_up!).to be_a(TokenOxide::MessageVerifier)
      expect(base.generated_token_verifier.built?).to be(true)
    end
  end
end
