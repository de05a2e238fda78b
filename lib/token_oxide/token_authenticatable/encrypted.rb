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

      # :optional and :migrating fall back to the plaintext column while the
      # encrypted one is not there yet (as GitLab); :required needs it.
      def stored_column
        mode == :required ? encrypted_field : field.to_s
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
        check_columns! if mode == :required

        plaintext.ensure_token(record)
      end

      def get_token(record)
        return plaintext.get_token(record) if mode == :migrating

        decrypted_token(record)
      end

      def set_token(record, token)
        raise ArgumentError, "the token must be a non-blank String" if TokenAuthentication::Presence.blank?(token)

        current_mode = mode
        record[encrypted_field] = encrypt(token)
        record[field] = token if current_mode == :migrating
        record[field] = nil if current_mode == :optional
        token
      end

      # Raises UndecryptableToken in every mode when the encrypted column
      # holds a value that does not decrypt, so ensure_<field> keeps it.
      def token_set?(record)
        token = decrypted_token(record)
        token ||= plaintext.get_token(record) if mode == :migrating
        !TokenAuthentication::Presence.blank?(token) && matches_prefix?(record, token)
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

      def encode_present(token)
        encrypt(token)
      end

      def plaintext
        @plaintext ||= Insecure.new(klass, field, options)
      end

      # The token in the encrypted column; for :optional the plaintext column
      # only when the encrypted one is blank. A value that does not decrypt
      # raises UndecryptableToken (reading it as "no token" would let
      # ensure_<field> write a new token over it).
      def decrypted_token(record)
        stored = record.read_attribute(encrypted_field)
        return (plaintext.get_token(record) if mode == :optional) if stored.nil? || stored.to_s.empty?

        decrypt_stored!(record, stored.to_s)
      end

      def decrypt_stored!(record, stored)
        token = nil
        TokenAuthenticatable.configuration.ciphers.each { |cipher| break if (token = cipher.decrypt(stored)) }
        raise UndecryptableToken.new(klass.name, record.id, encrypted_field) unless token

        refuse_legacy_static_iv!(record, stored)
        token
      end

      # A value that authenticates under GitLab's static IV is a real token:
      # never read it as "no token" (that would lose it), say what to do.
      def refuse_legacy_static_iv!(record, stored)
        return if TokenAuthenticatable.configuration.read_legacy_static_iv
        return unless Native::TokenCipher.format_of(stored) == :gitlab_static_iv

        raise LegacyStaticIvToken.new(klass.name, record.id, encrypted_field)
      end

      def find_record(token, relation)
        case mode
        when :required then relation.find_by(encrypted_field => lookup_values(token))
        when :optional then relation.find_by(encrypted_field => lookup_values(token)) || find_plaintext(token, relation)
        else relation.find_by(field => token)
        end
      end

      # :optional reads the plaintext column only where the encrypted one is
      # blank, and finds by it under the same rule.
      def find_plaintext(token, relation)
        relation.where(encrypted_field => [nil, ""]).find_by(field => token)
      end

      # Replacing a token is refused over a value that does not decrypt
      # (force: true skips the check).
      def assert_replaceable!(record)
        stored = record.read_attribute(encrypted_field) if record.has_attribute?(encrypted_field)
        decrypt_stored!(record, stored.to_s) unless stored.nil? || stored.to_s.empty?
      end

      def comparable(record, other)
        [get_token(record), other]
      end
    end
  end
end
