# frozen_string_literal: true

require "active_support/concern"
require "active_support/core_ext/object/json"
require "active_support/message_verifier"

module TokenOxide
  module Model
    # generates_token_for / generate_token_for / find_by_token_for(!) with the
    # Rails 7.1+ token format: the signed payload is [id] or [id, block.as_json],
    # the purpose "DefiningClass\npurpose\nexpires_in". Signing and checking are
    # done by +generated_token_verifier+ (a TokenOxide::MessageVerifier built by
    # the Railtie or TokenOxide::TokenForVerifier), so tokens are byte-identical
    # to those of a Rails 7.2/8 app with the same secret_key_base.
    module TokenFor
      extend ActiveSupport::Concern

      included do
        # On Rails 7.1+ Active Record declares these already; keep its values.
        unless singleton_class.method_defined?(:token_definitions)
          class_attribute :token_definitions, instance_accessor: false, instance_predicate: false, default: {}
        end
        unless singleton_class.method_defined?(:generated_token_verifier)
          class_attribute :generated_token_verifier, instance_accessor: false, instance_predicate: false
        end
      end

      # One generates_token_for declaration. Same members as Rails' struct so
      # code that reads token_definitions keeps working.
      TokenDefinition = Struct.new(:defining_class, :purpose, :expires_in, :block) do
        def full_purpose
          @full_purpose ||= [defining_class.name, purpose, expires_in].join("\n")
        end

        def message_verifier
          defining_class.generated_token_verifier ||
            raise(TokenOxide::Error, "#{defining_class.name}.generated_token_verifier is not set: load " \
                                     "TokenOxide::Railtie or assign TokenOxide::TokenForVerifier.build(secret_key_base)")
        end

        def payload_for(model)
          block ? [model.id, model.instance_eval(&block).as_json] : [model.id]
        end

        def generate_token(model)
          message_verifier.generate(payload_for(model), expires_in: signing_expires_in, purpose: full_purpose)
        end

        # expires_in as handed to the verifier. A Duration made only of
        # fixed-length units (seconds to weeks: "now" is UTC, which has no DST)
        # moves the clock by exactly its seconds, so the verifier gets that
        # Integer and skips calendar arithmetic; months and years stay Durations.
        # The purpose string keeps the Duration's own to_s.
        def signing_expires_in
          return @signing_expires_in if defined?(@signing_expires_in)

          @signing_expires_in = TokenFor.fixed_seconds(expires_in)
        end

        # Yields the signed id to the finder; the record counts only if its
        # payload (id and block value) is still the one that was signed.
        def resolve_token(token)
          payload = message_verifier.verified(token, purpose: full_purpose)
          model = yield(payload[0]) if payload
          model if model && payload_for(model) == payload
        end
      end

      module ClassMethods
        # Rails' generates_token_for: declares a token purpose.
        #
        # @param purpose [Symbol] the name passed to generate_token_for and find_by_token_for
        # @param expires_in [ActiveSupport::Duration, Numeric, nil] the token's lifetime
        # @yield in the record's context; the token stops working when the value it returns changes
        # @return [void]
        def generates_token_for(purpose, expires_in: nil, &block)
          self.token_definitions = token_definitions.merge(purpose => TokenDefinition.new(self, purpose, expires_in, block))
        end

        # Also works on relations (User.where(active: true).find_by_token_for):
        # Active Record runs class methods inside the relation's scope, and
        # find_by / find honour it.
        #
        # @param purpose [Symbol] a purpose declared with generates_token_for
        # @param token [String, nil]
        # @return [ActiveRecord::Base, nil] the record, or nil when the token is bad or expired
        # @raise [KeyError] when +purpose+ was never declared
        def find_by_token_for(purpose, token)
          key = TokenFor.primary_key_of(self)
          token_definitions.fetch(purpose).resolve_token(token) { |id| find_by(key => TokenFor.lookup_id(key, id)) }
        end

        # Like find_by_token_for, but raises instead of returning nil.
        #
        # @param (see #find_by_token_for)
        # @return [ActiveRecord::Base]
        # @raise [ActiveSupport::MessageVerifier::InvalidSignature] when the token is bad or expired
        # @raise [ActiveRecord::RecordNotFound] when its record no longer exists
        def find_by_token_for!(purpose, token)
          token_definitions.fetch(purpose).resolve_token(token) { |id| find(id) } ||
            raise(::ActiveSupport::MessageVerifier::InvalidSignature)
        end
      end

      # @param purpose [Symbol] a purpose declared with generates_token_for
      # @return [String] a token that find_by_token_for resolves to this record
      def generate_token_for(purpose)
        self.class.token_definitions.fetch(purpose).generate_token(self)
      end

      class << self
        # Rails raises UnknownPrimaryKey when the model has none. Active Record
        # before 7.1 ignores composite keys (primary_key is nil), so say so.
        def primary_key_of(model)
          key = model.primary_key
          return key if key

          keys = model.connection.primary_keys(model.table_name)
          description =
            if keys.size > 1
              "#{model.table_name} has a composite primary key (#{keys.join(', ')}); " \
                "find_by_token_for needs Active Record 7.1+ for composite keys"
            end
          raise ::ActiveRecord::UnknownPrimaryKey.new(model, description)
        end

        FIXED_LENGTH_UNITS = %i[seconds minutes hours days weeks].freeze

        def fixed_seconds(expires_in)
          return expires_in unless expires_in.is_a?(::ActiveSupport::Duration)
          return expires_in unless (expires_in.parts.keys - FIXED_LENGTH_UNITS).empty?

          seconds = expires_in.value
          seconds == seconds.to_i ? seconds.to_i : expires_in
        end

        # A composite key's id is an Array of values; Rails 8 looks it up as a
        # one-element list of tuples.
        def lookup_id(key, id)
          key.is_a?(Array) ? [id] : id
        end
      end
    end
  end
end
