# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # Active Support's `blank?` for request and stored token values, without
    # needing Active Support: nil, a non-String, "" and whitespace-only
    # Strings ("  ", "\t\n", U+3000) are blank. simple_token_authentication
    # and Devise decide with `blank?`/`present?`, so a whitespace-only param
    # falls through to the header and a whitespace-only stored token is
    # replaced on save.
    module Presence
      BLANK = /\A[[:space:]]*\z/.freeze

      module_function

      def blank?(value)
        return true unless value.is_a?(String)
        return true if value.empty?

        value.valid_encoding? && value.match?(BLANK)
      rescue Encoding::CompatibilityError
        false # a non-ASCII-compatible encoding (UTF-16): not whitespace we can tell, so not blank
      end

      # +value+ when it is a non-blank String, else nil.
      def string(value)
        value unless blank?(value)
      end
    end
  end
end
