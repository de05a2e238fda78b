# frozen_string_literal: true

module TokenOxide
  module TokenAuthenticatable
    # `encrypted: :required | :optional | :migrating` (or a Proc returning
    # one): the token is stored AES-256-GCM encrypted in <field>_encrypted.
    #
    # * :required  - encrypted column only.
    # * :optional  - writes the encrypted column and clears the plaintext one;
    #                reads and finds encrypted first, then plaintext.
    # * :migrating - writes both; reads and finds the plaintext column.
    #
    # Encryption is deterministic so lookups are one indexed query over every
    # value the token may be stored as: token_oxide's tox1 format, then
    # GitLab's dynamic-nonce format and, when the app opts in
    # (read_legacy_static_iv), its static-IV format (see token_storage.rs).
    class Encrypted < Base
      MODES = %i[required optional migrating].freeze

      def encrypted_field
        "#{field}_encrypted"
      end

      def sensitive_fields
        [field.to_s, encrypted_field]
      end

      def mode
        value = options[:encrypted]
        value = value.call if value.is_a?(Proc)
        raise ArgumentError, "encrypted: must be :required, :optional or :migrating (got #{value.inspect})" unless MODES.include?(value)

        value
      end

      def ensure_token(record)
        return super if record.has_attribute?(encrypted_field)
        raise ArgumentError, "#{klass.name}: encrypted: :required needs a #{encrypted_field} column" if mode == :required

        plaintext.ensure_token(record)
      end

      def get_token(record)
        return plaintext.get_token(record) if mode == :migrating

        decrypted_token(record)
      end

      def set_token(record, token)
        raise ArgumentError, "the token must be a non-empty String" unless token.is_a?(String) && !token.empty?

        current_mode = mode
        record[encrypted_field] = encrypt(token)
        record[field] = token if current_mode == :migrating
        record[field] = nil if current_mode == :optional
        token
      end

      def token_set?(record)
        token = decrypted_token(record)
        token ||= plaintext.get_token(record) unless mode == :required
        !token.nil? && !token.empty? && matches_prefix?(record, token)
      end

      # Every stored value that means +token+ (what a lookup searches for),
      # under the current and any previous key base. GitLab's static-IV form
      # only when the app opted in (read_legacy_static_iv).
      def lookup_values(token)
        config = TokenAuthenticatable.configuration
        config.ciphers.flat_map { |cipher| cipher.lookup_values(token, config.read_legacy_static_iv) }
      end

      def encrypt(token)
        config = TokenAuthenticatable.configuration
        config.write_format == :gitlab ? config.cipher.encrypt_gitlab(token) : config.cipher.encrypt(token)
      end

      private

      def plaintext
        @plaintext ||= Insecure.new(klass, field, options)
      end

      def decrypted_token(record)
        stored = record.read_attribute(encrypted_field)
        if stored.is_a?(String) && !stored.empty?
          token = nil
          TokenAuthenticatable.configuration.ciphers.each { |cipher| break if (token = cipher.decrypt(stored)) }
          refuse_legacy_static_iv!(stored) if token
        end
        token || (plaintext.get_token(record) if mode == :optional)
      end

      # A value that authenticates under GitLab's static IV is a real token:
      # never read it as "no token" (that would lose it), say what to do.
      def refuse_legacy_static_iv!(stored)
        return if TokenAuthenticatable.configuration.read_legacy_static_iv
        return unless Native::TokenCipher.format_of(stored) == :gitlab_static_iv

        raise TokenOxide::Error, "#{klass.name}##{encrypted_field} holds a token in GitLab's legacy static-IV format; " \
                                 "set read_legacy_static_iv = true in TokenOxide::TokenAuthenticatable.configure " \
                                 "to read it, then reset the token to re-encrypt it"
      end

      def find_record(token, relation)
        case mode
        when :required then relation.find_by(encrypted_field => lookup_values(token))
        when :optional then relation.find_by(encrypted_field => lookup_values(token)) || relation.find_by(field => token)
        else relation.find_by(field => token)
        end
      end

      def comparable(record, other)
        [get_token(record), other]
      end
    end
  end
end
