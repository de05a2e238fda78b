# frozen_string_literal: true

module TokenOxide
  module TokenAuthenticatable
    # How one token field is generated, stored, read and looked up. The
    # subclasses (Insecure, Digest, Encrypted) differ only in storage.
    class Base
      # Generation gives up after this many collisions in a row: with random
      # tokens one collision is already unheard of, so hitting the limit means
      # the generator is broken (e.g. returns a constant).
      MAX_GENERATION_ATTEMPTS = 10

      attr_reader :klass, :field, :options

      def initialize(klass, field, options)
        @klass = klass
        @field = field
        @options = options
      end

      # Columns holding secrets (hidden from #inspect by the concern).
      def sensitive_fields
        [field.to_s]
      end

      def expires_at_field
        "#{field}_expires_at"
      end

      # The columns this field needs (MissingTokenColumn names the first one
      # missing, before any SQL runs).
      def required_columns
        [stored_column, *(expires_at_field if expirable?)]
      end

      def check_columns!
        TokenOxide::MissingTokenColumn.check!(klass, required_columns, "add_authentication_token_field #{field.inspect}",
                                              "rails g token_oxide:token_field #{klass.name} #{field}")
      end

      def stored_column
        field.to_s
      end

      def unique?
        options.fetch(:unique, true) ? true : false
      end

      def expirable?
        options[:expires_at] ? true : false
      end

      # The stored form of +token+ (Model.encode, e.g. for with_encrypted_tokens);
      # nil for a blank one, which no stored value means.
      def encode(token)
        return if TokenAuthentication::Presence.blank?(token)

        encode_present(token)
      end

      def token_with_expiration(record)
        TokenWithExpiration.new(self, record)
      end

      def ensure_token(record)
        write_new_token(record) unless token_set?(record)
        get_token(record)
      end

      def ensure_token!(record)
        reset_token!(record) unless token_set?(record)
        get_token(record)
      end

      # Raises UndecryptableToken rather than replace a stored value that does
      # not decrypt; force: true replaces it anyway (the old token is lost).
      def reset_token!(record, force: false)
        assert_replaceable!(record) unless force
        token = write_new_token(record)
        record.save!
        token
      end

      def rewrite_token(record, force: false)
        assert_replaceable!(record) unless force
        write_new_token(record)
      end

      def expires_at(record)
        record.read_attribute(expires_at_field) if record.has_attribute?(expires_at_field)
      end

      def expired?(record)
        return false unless expirable?

        exp = expires_at(record)
        exp ? exp < Time.now : false
      end

      # The record owning +token+ (nil for anything but a non-blank String,
      # so an Array from params can never become an IN query and a
      # whitespace-only token is never digested or encrypted for a lookup).
      # Expired tokens are not found unless +unscoped+.
      def find_token_authenticatable(token, unscoped = false)
        return if TokenAuthentication::Presence.blank?(token)

        record = find_record(token, relation(unscoped))
        record if record && matches_prefix?(record, token)
      end

      # Constant-time check of a presented token against the stored one.
      def matches?(record, other)
        return false if TokenAuthentication::Presence.blank?(other)

        stored, presented = comparable(record, other)
        return false if stored.nil? || stored.empty?

        TokenOxide.secure_compare(presented, stored)
      end

      private

      def encode_present(token)
        token
      end

      # Only the encrypted strategy can hold a value it cannot read.
      def assert_replaceable!(_record); end

      def prefix_for(record)
        name = options[:format_with_prefix]
        name ? record.send(name).to_s : "" # may name a private method, as in GitLab
      end

      def matches_prefix?(record, token)
        !options[:require_prefix_for_validation] || token.start_with?(prefix_for(record))
      end

      def write_new_token(record)
        token = generate_available_token(record)
        set_token(record, token)
        record[expires_at_field] = call_with_record(options[:expires_at], record) if expirable?
        token
      end

      def call_with_record(callable, record)
        callable = callable.to_proc
        callable.arity.zero? ? callable.call : callable.call(record)
      end

      def generate_available_token(record)
        MAX_GENERATION_ATTEMPTS.times do
          token = generate_token(record)
          return token unless unique? && find_token_authenticatable(token, true)
        end
        raise TokenOxide::Error,
              "#{klass.name}##{field}: no unique token after #{MAX_GENERATION_ATTEMPTS} attempts (is the token_generator random?)"
      end

      # GitLab's order: token_generator:, else a routable token when
      # routable_token: applies to the record, else Devise.friendly_token
      # (ours when Devise is not loaded: same alphabet and length).
      def generate_token(record)
        generator = options[:token_generator]
        return "#{prefix_for(record)}#{generator.call}" if generator
        return routable_token(record) if routable?(record)

        "#{prefix_for(record)}#{friendly_token}"
      end

      def friendly_token
        defined?(::Devise) && ::Devise.respond_to?(:friendly_token) ? ::Devise.friendly_token : TokenOxide.friendly_token
      end

      def routable?(record)
        routing = options[:routable_token]
        return false unless routing

        condition = routing[:if]
        condition ? call_with_record(condition, record) : true
      end

      def routable_token(record)
        RoutableToken.new(options[:routable_token][:payload], prefix: prefix_for(record),
                                                              cell_id: TokenAuthenticatable.configuration.cell_id).generate(record)
      end

      # Lookups see only unexpired tokens; uniqueness checks see everything.
      # "Now" comes from Ruby's clock so time travel in tests works.
      # expiration_enforced?: is asked with the class, as in GitLab (a
      # setting-wide switch, not a per-record one); it only affects lookups.
      def expiration_enforced?
        check = options[:expiration_enforced?]
        check ? (check.to_proc.call(klass) ? true : false) : true
      end

      def relation(unscoped)
        return klass.unscoped if unscoped
        return klass.all unless expirable? && expiration_enforced?

        column = klass.arel_table[expires_at_field]
        klass.where(column.eq(nil).or(column.gteq(Time.now)))
      end
    end
  end
end
