# frozen_string_literal: true

require "active_support/concern"
require "token_oxide/token_authenticatable/undecryptable_token"
require "token_oxide/token_authenticatable/configuration"
require "token_oxide/token_authenticatable/base"
require "token_oxide/token_authenticatable/insecure"
require "token_oxide/token_authenticatable/digest"
require "token_oxide/token_authenticatable/encrypted"
require "token_oxide/token_authenticatable/routable_token"
require "token_oxide/token_authenticatable/token_with_expiration"

module TokenOxide
  # GitLab's TokenAuthenticatable for Active Record models:
  #
  #   class Runner < ApplicationRecord
  #     include TokenOxide::TokenAuthenticatable
  #
  #     add_authentication_token_field :token, encrypted: :required,
  #                                            format_with_prefix: :token_prefix,
  #                                            expires_at: -> { 30.days.from_now }
  #   end
  #
  #   runner.ensure_token            # => "glrt-Yy2dE..." (generated and written once)
  #   Runner.find_by_token(token)    # => runner, or nil (unknown, expired, wrong prefix)
  #   runner.token_matches?(token)   # constant time
  #
  # Storage per strategy: `insecure: true` (default) plaintext in <field>;
  # `digest: true` base64(sha256(token + salt)) in <field>_digest;
  # `encrypted: :required|:optional|:migrating` AES-256-GCM in <field>_encrypted
  # (reads GitLab's stored formats too). Keys: see Configuration.
  module TokenAuthenticatable
    extend ActiveSupport::Concern

    OPTIONS = %i[digest encrypted insecure unique format_with_prefix expires_at token_generator
                 require_prefix_for_validation routable_token expiration_enforced?].freeze
    ROUTABLE_TOKEN_KEYS = %i[payload if].freeze

    included do
      attr_accessor :cleartext_tokens
    end

    # GitLab's SensitiveSerializableHash: as_json, to_json and serializers
    # leave out every token column unless asked for unsafe_serialization_hash.
    def serializable_hash(options = nil)
      options = options ? options.dup : {}
      return super(options.except(:unsafe_serialization_hash)) if options[:unsafe_serialization_hash]

      options[:except] = Array(options[:except]).map(&:to_s) + self.class.token_authenticatable_sensitive_fields.map(&:to_s)
      super(options)
    end

    # Picks the strategy as GitLab does (digest, else encrypted, else
    # insecure) after rejecting unknown and contradictory options.
    def self.fabricate(klass, field, options)
      validate_options!(options)
      if options[:digest]
        Digest.new(klass, field, options)
      elsif options[:encrypted]
        Encrypted.new(klass, field, options)
      else
        Insecure.new(klass, field, options)
      end
    end

    def self.validate_options!(options)
      unknown = options.keys - OPTIONS
      raise ArgumentError, "unknown add_authentication_token_field option(s): #{unknown.map(&:inspect).join(", ")}" if unknown.any?

      chosen = %i[digest encrypted insecure].select { |key| options[key] }
      raise ArgumentError, "Incompatible options set! (#{chosen.map(&:inspect).join(", ")}: pick one storage)" if chosen.size > 1

      encrypted = options[:encrypted]
      if encrypted && !encrypted.is_a?(Proc) && !Encrypted::MODES.include?(encrypted)
        raise ArgumentError, "encrypted: must be :required, :optional, :migrating or a Proc returning one"
      end
      if options.key?(:format_with_prefix) && !options[:format_with_prefix].is_a?(Symbol)
        raise ArgumentError, "format_with_prefix: must be a Symbol naming a method that returns the prefix"
      end
      if options[:require_prefix_for_validation] && !options[:format_with_prefix]
        raise ArgumentError, "require_prefix_for_validation: needs format_with_prefix:"
      end
      if options.key?(:token_generator) && !options[:token_generator].respond_to?(:call)
        raise ArgumentError, "token_generator: must respond to #call"
      end
      if options.key?(:expires_at) && !options[:expires_at].respond_to?(:to_proc)
        raise ArgumentError, "expires_at: must be a Proc or a Symbol"
      end
      if options.key?(:expiration_enforced?) && !options[:expiration_enforced?].respond_to?(:to_proc)
        raise ArgumentError, "expiration_enforced?: must be a Proc or a Symbol (called with the model class)"
      end
      validate_routable_token!(options[:routable_token]) if options.key?(:routable_token)
    end

    def self.validate_routable_token!(routing)
      raise ArgumentError, "routable_token: must be a Hash with payload: (and optionally if:)" unless routing.is_a?(Hash)

      unknown = routing.keys - ROUTABLE_TOKEN_KEYS
      raise ArgumentError, "unknown routable_token: key(s): #{unknown.map(&:inspect).join(", ")}" if unknown.any?
      raise ArgumentError, "routable_token: if: must be a Proc or a Symbol" if routing.key?(:if) && !routing[:if].respond_to?(:to_proc)

      RoutableToken.validate_payload!(routing[:payload])
    end

    class_methods do
      # Field name => strategy, including those inherited from a superclass.
      def token_authenticatable_strategies
        own = @token_authenticatable_strategies || {}
        inherited = superclass.respond_to?(:token_authenticatable_strategies) ? superclass.token_authenticatable_strategies : {}
        inherited.merge(own)
      end

      # @return [Array<Symbol>] the token fields, inherited ones included
      def token_authenticatable_fields
        token_authenticatable_strategies.keys
      end

      # GitLab's lists: the fields declared encrypted, and every column that
      # holds a token or its stored form (<field>, <field>_encrypted,
      # <field>_digest), which serializable_hash leaves out.
      def encrypted_token_authenticatable_fields
        token_authenticatable_strategies.select { |_, strategy| strategy.options[:encrypted] }.keys
      end

      def token_authenticatable_sensitive_fields
        token_authenticatable_strategies.flat_map { |field, strategy| [field.to_s, *strategy.sensitive_fields] }.uniq.map(&:to_sym)
      end

      private

      # Declares a token field: adds ensure_<field>, reset_<field>!, <field>_matches?
      # and (when unique) find_by_<field>.
      #
      # @param token_field [Symbol, String] the field name
      # @param options [Hash] one storage (+insecure:+, +digest:+ or +encrypted:+), and
      #   +unique:+, +format_with_prefix:+, +require_prefix_for_validation:+,
      #   +expires_at:+, +token_generator:+
      # @return [void]
      # @raise [ArgumentError] for an unknown or inconsistent option, or a field declared twice
      def add_authentication_token_field(token_field, options = {})
        field = token_field.to_sym
        if token_authenticatable_strategies.key?(field)
          raise ArgumentError, "#{name || self}: token field #{field.inspect} is already configured"
        end

        strategy = TokenAuthenticatable.fabricate(self, field, options)
        (@token_authenticatable_strategies ||= {})[field] = strategy
        hide_from_inspect(strategy.sensitive_fields)

        define_token_finder(field, strategy) if strategy.unique?
        define_token_methods(field, strategy)
        # As in GitLab: the last declared field's encoding wins.
        define_singleton_method(:encode) { |token| strategy.encode(token) }
        define_encrypted_scope(field) if options[:encrypted]
      end

      def define_encrypted_scope(field)
        return unless respond_to?(:scope)

        column = "#{field}_encrypted"
        scope :with_encrypted_tokens, ->(values) { where(column => Array(values)) }
      end

      # Anchored patterns: a plain "token" would also hide token_expires_at.
      def hide_from_inspect(columns)
        return unless respond_to?(:filter_attributes=)

        self.filter_attributes = filter_attributes + columns.map { |column| /\A#{Regexp.escape(column)}\z/ }
      end

      def define_token_finder(field, strategy)
        define_singleton_method(:"find_by_#{field}") do |token|
          strategy.check_columns!
          strategy.find_token_authenticatable(token)
        end
      end

      # The instance methods live in a module the model includes, so the model
      # can override them and call super. Each checks the columns first
      # (TokenOxide::MissingTokenColumn rather than a raw SQL error).
      def define_token_methods(field, strategy)
        methods = token_authenticatable_methods
        methods.define_method(field) { strategy.check_columns!; strategy.get_token(self) }
        methods.define_method(:"set_#{field}") { |token| strategy.check_columns!; strategy.set_token(self, token) }
        methods.define_method(:"ensure_#{field}") { strategy.check_columns!; strategy.ensure_token(self) }
        methods.define_method(:"ensure_#{field}!") { strategy.check_columns!; strategy.ensure_token!(self) }
        methods.define_method(:"reset_#{field}!") { |force: false| strategy.check_columns!; strategy.reset_token!(self, force: force) }
        methods.define_method(:"rewrite_#{field}") { |force: false| strategy.check_columns!; strategy.rewrite_token(self, force: force) }
        methods.define_method(:"#{field}_matches?") { |other| strategy.check_columns!; strategy.matches?(self, other) }
        methods.define_method(:"#{field}_expires_at") { strategy.check_columns!; strategy.expires_at(self) }
        methods.define_method(:"#{field}_expired?") { strategy.check_columns!; strategy.expired?(self) }
        methods.define_method(:"#{field}_with_expiration") { strategy.check_columns!; strategy.token_with_expiration(self) }
      end

      def token_authenticatable_methods
        @token_authenticatable_methods ||= Module.new.tap { |mod| include(mod) }
      end
    end
  end
end
