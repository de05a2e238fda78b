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
  # key on first use (TokenOxide::LazyVerifier). `config.token_oxide.eager_keys`
  # (default on in production) derives every key whose secret is there at
  # boot instead (TokenOxide.warm_up!), so workers forked after boot share them.
  #
  # config.token_oxide is TokenOxide.configuration: every setting is listed
  # in lib/token_oxide/settings.rb, and an unknown one raises.
  class Railtie < ::Rails::Railtie
    # The salt of ActiveStorage.verifier (Rails.application.message_verifier("ActiveStorage")).
    ACTIVE_STORAGE_SALT = "ActiveStorage"

    config.token_oxide = TokenOxide.configuration

    initializer "token_oxide.model" do |app|
      Model.accelerate = app.config.token_oxide.accelerate != false
      Model::SignedId.accelerate = app.config.token_oxide.accelerate_signed_ids != false
      ActiveSupport.on_load(:active_record) { Railtie.install_model(self) }
      # The boot settings are read by now (config/initializers come later).
      app.config.token_oxide.boot_settings_read! if app.config.token_oxide.is_a?(Configuration)
    end

    # Rails 7.1+: Rails.application.message_verifiers hands out token_oxide
    # verifiers per salt where they sign the same bytes (VerifierFactory).
    # Before the app's initializers, which may already ask it for verifiers.
    config.before_initialize do |app|
      Railtie.install_verifier_factory(app)
    end

    # Action Dispatch's signed/encrypted cookie jars and the CookieStore
    # session through token_oxide's codecs, per set of cookie settings
    # after a probe against the codecs Rails builds (CookieJars).
    initializer "token_oxide.cookies" do |app|
      Railtie.install_cookies(app)
    end

    # Devise (when loaded): Devise.token_generator and Devise.friendly_token
    # from the Rust core, after Devise built its generator from secret_key.
    config.after_initialize do |app|
      Railtie.install_devise(app)
      Railtie.warn_unchosen_digest_secret
    end

    # After Active Record's own hook (7.1+; absent names are ignored), so its
    # verifier exists when ours is weighed against it.
    initializer "token_oxide.generated_token_verifier", after: "active_record.generated_token_verifier" do
      config.after_initialize do |app|
        ActiveSupport.on_load(:active_record) { Railtie.install_verifier(self, app) }
        TokenOxide.warm_up! if app.config.token_oxide.eager_keys
      end
    end

    class << self
      def install_verifier_factory(app)
        settings = app.config.token_oxide
        return if settings.accelerate == false || settings.accelerate_message_verifiers == false
        return unless app.respond_to?(:message_verifiers)

        keep_rails = settings.accelerate_active_storage == false ? [ACTIVE_STORAGE_SALT] : []
        VerifierFactory.install(app.message_verifiers, keep_rails: keep_rails) { |message| ::Rails.logger&.info(message) }
      end

      def install_cookies(app)
        settings = app.config.token_oxide
        if settings.accelerate == false || settings.accelerate_cookies == false || !defined?(::ActionDispatch::Request)
          CookieJars.enabled = false unless TokenOxide.autoload?(:CookieJars) # hooks of an earlier app stay off
          return
        end

        CookieJars.install { |message| ::Rails.logger&.info(message) }
      end

      def install_devise(app)
        settings = app.config.token_oxide
        return if settings.accelerate == false || settings.accelerate_devise == false
        return unless defined?(::Devise::TokenGenerator) && ::Devise.respond_to?(:token_generator)

        ::Devise.singleton_class.prepend(DeviseFriendlyToken) unless ::Devise.singleton_class.include?(DeviseFriendlyToken)
        DeviseTokenGenerator.install
      end

      # Adding Devise used to change the digest secret of
      # acts_as_token_authenticatable store: :digest silently (to
      # Devise.secret_key); the default is kept so no stored digest changes,
      # and this asks the app to choose.
      def warn_unchosen_digest_secret
        return unless defined?(::Devise) && !TokenAuthentication.configuration.digest_secret_chosen?

        message = "token_oxide: Devise is loaded and config.token_oxide.token_authentication.digest_secret is not set; " \
                  "acts_as_token_authenticatable store: :digest keys its digests with Devise.secret_key (the default, " \
                  "kept so existing digests match). Set it to :devise_secret_key (or :secret_key_base) to silence this."
        ::Rails.logger&.warn(message)
        Kernel.warn(message)
        message
      end

      def native_token_for?(base)
        defined?(::ActiveRecord::TokenFor) && base < ::ActiveRecord::TokenFor
      end

      def install_model(base)
        base.include(Model::SecureToken)
        base.include(Model::TokenFor) unless native_token_for?(base)
        base.include(Model::PasswordReset) unless native_reset_token_options?
        base.singleton_class.prepend(Model::SignedId) if base.respond_to?(:signed_id_verifier)
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
        # The app's factory already handed out ours (VerifierFactory probed it).
        return if rails_verifier.is_a?(MessageVerifier) && VerifierFactory.installed?(app)

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

      # The probe VerifierFactory uses too (one implementation).
      def same_output?(rails_verifier, ours)
        VerifierFactory.same_output?(rails_verifier, ours)
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
end
