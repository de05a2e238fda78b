# frozen_string_literal: true

require "active_support/concern"
require "token_oxide/token_authenticatable/undecryptable_token"
require "token_oxide/token_authenticatable/configuration"
require "token_oxide/token_authenticatable/base"
require "token_oxide/token_authenticatable/insecure"
require "token_oxide/token_authenticatable/digest"
require "token_oxide/token_authenticatable/encrypted"

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
                 require_prefix_for_validation].freeze

    included do
      attr_accessor :cleartext_tokens
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
      end

      def token_authenticatable_methods
        @token_authenticatable_methods ||= Module.new.tap { |mod| include(mod) }
      end
    end
  end
end
