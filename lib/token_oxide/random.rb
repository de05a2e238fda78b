# frozen_string_literal: true

module TokenOxide
  # The random-token functions. +base58+, +friendly_token+ and +random_bytes+
  # are defined by the extension; this file adds the keyword-argument form.
  #
  #   TokenOxide.base58              # => "3cdV6gVvJBNn6tnRbAa9PrZa" (24 chars, Rails' has_secure_token alphabet)
  #   TokenOxide.friendly_token      # => "xQ7vB-m2_pKRsD4yHzwe"      (Devise.friendly_token rules)
  #   TokenOxide.random_token(8, alphabet: "0123456789") # => "40275913"
  #
  # Every symbol is uniform over its alphabet (rejection sampling, no modulo
  # bias) and comes from a per-thread ChaCha20 generator seeded by the OS and
  # reseeded in every forked child.
  module_function

  # A random string of +length+ characters drawn uniformly from +alphabet+
  # (a String of distinct characters, or an Array of one-character Strings).
  #
  # @param length [Integer] the number of characters
  # @param alphabet [String, Array<String>] the characters to draw from
  # @return [String]
  # @raise [TypeError] when +alphabet+ is neither a String nor an Array of Strings
  # @raise [ArgumentError] when +length+ or +alphabet+ is out of range
  def random_token(length, alphabet:)
    chars = alphabet.is_a?(Array) ? alphabet.join : alphabet
    raise TypeError, "alphabet must be a String or an Array of Strings" unless chars.is_a?(String)

    Native.random_token(length, chars)
  end
end
