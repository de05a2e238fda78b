# frozen_string_literal: true

module TokenOxide
  # Every setting token_oxide has, one line each: group, name, default, doc.
  # TokenOxide::Configuration (config.token_oxide / TokenOxide.configure),
  # the install generator's initializer and the README's "Configuration"
  # table come from this list (spec/token_oxide/configuration_spec.rb checks
  # the README and the group classes against it). Add a line to add a setting.
  #
  # Group nil is the top level (config.token_oxide.<name>); :token_authentication
  # and :token_authenticatable are the objects behind
  # TokenOxide::TokenAuthentication.configure and
  # TokenOxide::TokenAuthenticatable.configure (config.token_oxide.<group>.<name>),
  # whose classes hold those defaults. boot: true marks a setting Rails reads
  # while booting, before config/initializers run: set it in config/application.rb.
  module Settings
    Setting = Struct.new(:group, :name, :default, :doc, :boot, keyword_init: true) do
      # The default as the README and the initializer show it.
      def shown_default
        default.is_a?(Proc) ? "Rails.env.production?" : default.inspect
      end

      def path
        ["config.token_oxide", group, name].compact.join(".")
      end
    end

    PRODUCTION = -> { defined?(::Rails) && ::Rails.respond_to?(:env) && ::Rails.env ? ::Rails.env.production? : false }

    def self.setting(group, name, default, doc, boot: false)
      Setting.new(group: group, name: name, default: default, doc: doc, boot: boot).freeze
    end

    ALL = [
      setting(nil, :accelerate, true, "false leaves Rails' own token code paths alone (6.1/7.0 keep the backported DSL)", boot: true),
      setting(nil, :accelerate_message_verifiers, true, "Rails 7.1+: Rails.application.message_verifiers hands out token_oxide verifiers where they sign the same bytes", boot: true),
      setting(nil, :accelerate_signed_ids, true, "signed_id / find_signed through the Rust verifier where it signs the same bytes", boot: true),
      setting(nil, :accelerate_devise, true, "Devise.token_generator and Devise.friendly_token from the Rust core"),
      # Cookie jars, the session and Active Storage (lib/token_oxide/cookie_jars.rb, railtie.rb).
      setting(nil, :accelerate_cookies, true, "signed/encrypted cookie jars and the cookie session through token_oxide where they give the same bytes", boot: true),
      setting(nil, :accelerate_active_storage, true, "Active Storage's signed ids through token_oxide where they give the same bytes", boot: true),
      setting(nil, :key_generator_hash_digest_class, nil, "Active Record 6.1: the digest of the generates_token_for key (nil = SHA256, as load_defaults >= 7.0)"),
      setting(nil, :eager_keys, PRODUCTION, "derive every key at boot when its secret is present (TokenOxide.warm_up!), so forked workers share them"),

      setting(:token_authentication, :fallback, nil, "handler fallback: :devise, :exception or :none (nil = :devise when Devise maps the model, else :exception)"),
      setting(:token_authentication, :identifiers, {}, "{ user: :username }: the attribute each handler name identifies a record by (default :email)"),
      setting(:token_authentication, :header_names, {}, "{ user: { authentication_token: \"X-Token\", email: \"X-Login\" } }"),
      setting(:token_authentication, :sign_in_token, false, "Devise sign_in store: (false keeps token requests out of the session)"),
      setting(:token_authentication, :skip_devise_trackable, true, "set devise.skip_trackable so token requests do not bump sign-in counters"),
      setting(:token_authentication, :authorization_header, false, "true also reads Authorization: Token token=\"...\" / Bearer ... (off: simple_token_authentication never reads it)"),
      setting(:token_authentication, :digest_secret, nil, "store: :digest key: :secret_key_base, :devise_secret_key or a String (nil = Devise.secret_key when Devise has one, else secret_key_base; warns at boot when Devise is loaded)"),

      setting(:token_authenticatable, :db_key_base, nil, "the secret encrypted and digested token fields derive from (required outside development/test)"),
      setting(:token_authenticatable, :db_key_base_from_secret_key_base, false, "true: use secret_key_base when db_key_base is unset, in any environment"),
      setting(:token_authenticatable, :previous_db_key_bases, [], "retired key bases, still read and found"),
      setting(:token_authenticatable, :key_iterations, 2**16, "PBKDF2-HMAC-SHA256 rounds of the tox1 keys"),
      setting(:token_authenticatable, :encryption_salt, "token_oxide/token_authenticatable/encryption", "KeyGenerator salt of the AES key"),
      setting(:token_authenticatable, :nonce_salt, "token_oxide/token_authenticatable/nonce", "KeyGenerator salt of the nonce HMAC key"),
      setting(:token_authenticatable, :key_generator, nil, "any object with generate_key(salt, size) (nil = TokenOxide::KeyGenerator over db_key_base)"),
      setting(:token_authenticatable, :digest_salt, nil, "salt of digest: true fields (nil = db_key_base[0, 32], as GitLab)"),
      setting(:token_authenticatable, :cell_id, nil, "GitLab Cells: the cell id written as key c of routable_token: payloads (nil = no c key)"),
      setting(:token_authenticatable, :write_format, :token_oxide, ":gitlab writes GitLab's dynamic-nonce format instead"),
      setting(:token_authenticatable, :read_legacy_static_iv, false, "true reads and finds GitLab's static-IV values")
    ].freeze

    GROUPS = [nil, :token_authentication, :token_authenticatable].freeze

    def self.in_group(group)
      ALL.select { |s| s.group == group }
    end

    def self.names(group)
      in_group(group).map(&:name)
    end
  end

  # Raised for a setting token_oxide does not have (a typo such as
  # config.token_oxide.bogus); the message lists the known ones. A
  # NoMethodError, as assigning an unknown setting always raised on the
  # configure objects.
  class UnknownSetting < NoMethodError
    def self.for(name, group)
      base = name.to_s.delete_suffix("=")
      path = ["config.token_oxide", group, base].compact.join(".")
      known = Settings.names(group) + (group.nil? ? Settings::GROUPS.compact : [])
      new("unknown token_oxide setting #{path}; known: #{known.join(', ')}", name)
    end
  end

  module Settings
    # Makes a configuration object raise UnknownSetting for any name it does
    # not have (instead of NoMethodError without the list).
    module Strict
      def method_missing(name, *args, &block)
        raise UnknownSetting.for(name, self.class::SETTINGS_GROUP) if args.size <= 1 && !block

        super
      end

      def respond_to_missing?(_name, _include_private = false) = false
    end
  end
end
