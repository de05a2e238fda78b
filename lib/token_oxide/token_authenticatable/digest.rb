# frozen_string_literal: true

module TokenOxide
  module TokenAuthenticatable
    # `digest: true`: only base64(sha256(token + salt)) is stored, in
    # <field>_digest (GitLab's CryptoHelper.sha256). The plaintext is kept in
    # memory (record.cleartext_tokens) so it can be shown once after creation.
    class Digest < Base
      def digest_field
        "#{field}_digest"
      end

      def stored_column
        digest_field
      end

      def sensitive_fields
        [digest_field]
      end

      def get_token(record)
        record.cleartext_tokens&.[](field)
      end

      # nil is ignored (as GitLab); a blank String is refused rather than
      # stored as the digest of whitespace.
      def set_token(record, token)
        return unless token
        raise ArgumentError, "the token must be a non-blank String" if TokenAuthentication::Presence.blank?(token)

        record.cleartext_tokens ||= {}
        record.cleartext_tokens[field] = token
        record[digest_field] = digest(token)
        token
      end

      def token_set?(record)
        !TokenAuthentication::Presence.blank?(record.read_attribute(digest_field))
      end

      def digest(token)
        Native.salted_sha256_base64(token, TokenAuthenticatable.configuration.token_digest_salt)
      end

      # The digest under every salt in use (current first, then rotated-out ones).
      def digest_candidates(token)
        TokenAuthenticatable.configuration.token_digest_salts.map { |salt| Native.salted_sha256_base64(token, salt) }
      end

      # Compares digests (the plaintext is not stored), each in constant time.
      def matches?(record, other)
        return false if TokenAuthentication::Presence.blank?(other)

        stored = record.read_attribute(digest_field)
        return false if stored.nil? || stored.empty?

        digest_candidates(other).map { |candidate| TokenOxide.secure_compare(candidate, stored) }.any?
      end

      private

      def encode_present(token)
        digest(token)
      end

      def find_record(token, relation)
        relation.find_by(digest_field => digest_candidates(token))
      end
    end
  end
end
