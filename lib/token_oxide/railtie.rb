# frozen_string_literal: true

require "rails/railtie"
require "token_oxide"
require "token_oxide/lazy_verifier"

module TokenOxide
  # Makes `gem "token_oxide"` a drop-in for a Rails app:
  #
  # * Active Record 6.1/7.0: backports generates_token_for (with the 7.1+ token
  #   format), has_secure_token's on:/prefix: and has_secure_password's reset
  #   token, and builds generated_token_verifier like a 7.1+ app.
  # * Active Record 7.1+: keeps Rails' own modules but swaps their verifier for
  #   the Rust one (after checking it signs byte-identically) and makes
  #   has_secure_token draw from the Rust generator; adds prefix: and the 8.1
  #   reset-token options where the installed Rails lacks them.
  #
  # `config.token_oxide.accelerate = false` leaves Rails' own code paths alone
  # (on 6.1/7.0 the backported DSL stays, since only the Rust verifier makes
  # the 7.1+ format there).
  #
  # Booting never needs secret_key_base: the backported verifier derives its
  # key on first use (TokenOxide::LazyVerifier). `config.token_oxide.eager_keys
  # = true` (or calling TokenOxide.warm_up!) derives it at boot instead, when
  # the secret is there, so workers forked after boot share it.
  class Railtie < ::Rails::Railtie
    config.token_oxide = ActiveSupport::OrderedOptions.new
    config.token_oxide.accelerate = true
    config.token_oxide.eager_keys = false

    initializer "token_oxide.model" do |app|
      Model.accelerate = app.config.token_oxide.accelerate != false
      ActiveSupport.on_load(:active_record) { Railtie.install_model(self) }
    end

    # After Active Record's own hook (7.1+; absent names are ignored), so its
    # verifier exists when ours is weighed against it.
    initializer "token_oxide.generated_token_verifier", after: "active_record.generated_token_verifier" do
      config.after_initialize do |app|
        ActiveSupport.on_load(:active_record) { Railtie.install_verifier(self, app) }
        TokenOxide.warm_up! if app.config.token_oxide.eager_keys && Railtie.secret_present?(app)
      end
    end

    # Payloads for the probe in same_output?.
    PROBES = (0..2).map { |n| [1, { "token_oxide" => "probe#{'!' * n}" }] }.freeze
    PROBE_PURPOSE = "token_oxide/probe"

    class << self
      def native_token_for?(base)
        defined?(::ActiveRecord::TokenFor) && base < ::ActiveRecord::TokenFor
      end

      def install_model(base)
        base.include(Model::SecureToken)
        base.include(Model::TokenFor) unless native_token_for?(base)
        base.include(Model::PasswordReset) unless native_reset_token_options?
      end

      # Active Model 8.1 has reset_token: { expires_in: } itself.
      def native_reset_token_options?
        defined?(::ActiveModel::SecurePassword::DEFAULT_RESET_TOKEN_EXPIRES_IN) ? true : false
      end

      def install_verifier(base, app)
        if native_token_for?(base)
          accelerate_native_verifier(base, app) if Model.accelerate
        else
          base.generated_token_verifier ||= LazyVerifier.new { backport_verifier(app) }
        end
      end

      # Whether the app has a secret_key_base (asking Rails for it raises
      # ArgumentError when there is none, e.g. production without credentials).
      def secret_present?(app)
        app.secret_key_base.is_a?(String)
      rescue ArgumentError
        false
      end

      # Rails 7.1+: build ours from the app's own key generator (and so its
      # digest setting), and use it only if it signs exactly like the verifier
      # Rails made; a verifier the app assigned itself is left alone.
      def accelerate_native_verifier(base, app)
        rails_verifier = app.message_verifier(TokenForVerifier::SALT)
        current = base.generated_token_verifier
        return unless current.nil? || current.equal?(rails_verifier)
        # Tokens signed by rotated-out secrets could not be probed: keep Rails'.
        return if rotations?(rails_verifier)

        options = native_verifier_options.merge(rails_verifier_options(rails_verifier))
        ours = TokenForVerifier.build(key_generator: app.key_generator, **options)
        base.generated_token_verifier = ours if same_output?(rails_verifier, ours)
      rescue StandardError, LoadError
        nil # a setting we cannot reproduce (e.g. :message_pack without msgpack): keep Rails' verifier
      end

      def rotations?(verifier)
        rotations = verifier.instance_variable_get(:@rotations)
        rotations.respond_to?(:empty?) && !rotations.empty?
      end

      # What Rails' verifier was built with, where it shows it (Active
      # Support 7.1+ keeps these in instance variables), so that an app's
      # message_verifiers.rotate(url_safe:, digest:, serializer:) is copied;
      # the probe still has the last word.
      def rails_verifier_options(verifier)
        options = {}
        digest = verifier.instance_variable_get(:@digest)
        options[:digest] = digest if digest.is_a?(String)
        options[:url_safe] = true if verifier.instance_variable_get(:@url_safe)
        serializer = verifier.instance_variable_get(:@serializer)
        options[:serializer] = serializer_name(serializer) if serializer
        options
      end

      # Rails' preconfigured serializers by their names (:json, :marshal...),
      # which is how ours knows them; any other serializer object as it is.
      def serializer_name(serializer)
        table = ::ActiveSupport::Messages::SerializerWithFallback::SERIALIZERS if defined?(::ActiveSupport::Messages::SerializerWithFallback::SERIALIZERS)
        (table && table.key(serializer)) || serializer
      end

      # The process-wide message settings a 7.1+ app's verifiers inherit.
      def native_verifier_options
        options = {}
        if defined?(::ActiveSupport::Messages::Codec) && ::ActiveSupport::Messages::Codec.respond_to?(:default_serializer)
          options[:serializer] = ::ActiveSupport::Messages::Codec.default_serializer
        end
        metadata = defined?(::ActiveSupport::Messages::Metadata) && ::ActiveSupport::Messages::Metadata
        if metadata.respond_to?(:use_message_serializer_for_metadata)
          options[:force_legacy_metadata_serializer] = !metadata.use_message_serializer_for_metadata
        end
        options
      end

      # Probes without expiry are deterministic, so equal bytes mean equal
      # key, digest, serializer and envelope. They are one byte apart because
      # strict and URL-safe base64 differ only in padding when the text has
      # no "+" or "/": of three consecutive lengths at least one is padded,
      # in either envelope (one probe alone missed url_safe: under Marshal
      # and the pre-7.1 envelope).
      def same_output?(rails_verifier, ours)
        PROBES.all? do |probe|
          rails_verifier.generate(probe, purpose: PROBE_PURPOSE) == ours.generate(probe, purpose: PROBE_PURPOSE)
        end
      end

      # Rails 7.0's key generator already has the digest setting a 7.1 app
      # will use (SHA256 under load_defaults 7.0), so use it as it is; 6.1's is
      # SHA1-only, and the 7.1+ format is the load_defaults >= 7.0 one: SHA256
      # (config.token_oxide.key_generator_hash_digest_class overrides it).
      def backport_verifier(app)
        digest_class = app.config.token_oxide.key_generator_hash_digest_class
        if digest_class.nil? && ::ActiveSupport::KeyGenerator.respond_to?(:hash_digest_class)
          TokenForVerifier.build(key_generator: app.key_generator)
        else
          TokenForVerifier.build(app.secret_key_base, hash_digest_class: digest_class || OpenSSL::Digest::SHA256)
        end
      end
    end
  end

  # Derives the generates_token_for keys now instead of at the first token:
  # call it at boot (e.g. in Puma's before_fork) so forked workers share them.
  # Loads Active Record's base class; raises Rails' own error when the app has
  # no secret_key_base. Returns the verifier.
  def self.warm_up!
    verifier = ::ActiveRecord::Base.generated_token_verifier
    verifier.respond_to?(:warm_up!) ? verifier.warm_up! : verifier
  end
end
