# frozen_string_literal: true

require "base64"
require "securerandom"
require "zlib"
require "active_support/core_ext/object/blank"

module TokenOxide
  module TokenAuthenticatable
    # GitLab Cells' routable token (the `routable_token:` option):
    #
    #   <prefix><urlsafe base64, unpadded, of: 16 random bytes + payload + 1 byte payload length>
    #   "." "01" "." <length of that base64 in base36, 2 digits> <crc32 of all before, base36, 7 digits>
    #
    # The payload is "key:value" lines sorted by key, Integer values in base36,
    # blank values dropped; key c is the cell id (TokenAuthenticatable's
    # cell_id setting) and overrides a c in the declaration, as in GitLab.
    class RoutableToken
      VERSION = "01"
      RANDOM_BYTES = 16
      VALID_KEYS = %i[c g o p u t].freeze
      REQUIRED_KEYS = %i[o].freeze
      MAXIMUM_PAYLOAD_SIZE = 159

      PayloadTooLarge = Class.new(TokenOxide::Error)
      InvalidRoutingKeys = Class.new(ArgumentError)
      MissingRequiredRoutingKeys = Class.new(ArgumentError)

      # Raises at declaration (GitLab raises at the first generation) so a
      # misspelt key fails the class load rather than a request.
      def self.validate_payload!(payload)
        raise ArgumentError, "routable_token: payload: must be a Hash of key => Proc" unless payload.is_a?(Hash)

        missing = REQUIRED_KEYS - payload.keys
        raise MissingRequiredRoutingKeys, "routable_token: missing required routing keys: #{missing.map(&:inspect).join(", ")}" if missing.any?

        invalid = payload.keys - VALID_KEYS
        raise InvalidRoutingKeys, "routable_token: invalid routing keys: #{invalid.map(&:inspect).join(", ")} (valid: #{VALID_KEYS.map(&:inspect).join(", ")})" if invalid.any?

        not_callable = payload.reject { |_, value| value.respond_to?(:call) }.keys
        raise ArgumentError, "routable_token: payload values must respond to #call (#{not_callable.map(&:inspect).join(", ")})" if not_callable.any?
      end

      def initialize(payload, prefix: "", cell_id: nil)
        self.class.validate_payload!(payload)
        @payload = payload
        @prefix = prefix.to_s
        @cell_id = cell_id
      end

      # +random+ is for reproducing a known token in specs; leave it out.
      def generate(record, random: SecureRandom.random_bytes(RANDOM_BYTES))
        raise ArgumentError, "random must be #{RANDOM_BYTES} bytes" unless random.bytesize == RANDOM_BYTES

        body = encode(payload_text(record), random.b)
        body + crc(body)
      end

      # Whether +token+ ends in the checksum of everything before it (what a
      # router checks before it trusts the payload).
      def self.checksum_valid?(token)
        return false unless token.is_a?(String) && token.size > 7

        body = token[0...-7]
        TokenOxide.secure_compare(token[-7..], Zlib.crc32(body).to_s(36).rjust(7, "0"))
      end

      private

      def payload_text(record)
        values = @payload.merge(c: ->(_) { @cell_id })
                         .transform_values { |generator| format(generator.call(record)) }
                         .reject { |_, value| value.blank? } # compact_blank, as GitLab
        text = values.sort.map { |key, value| "#{key}:#{value}" }.join("\n")
        raise PayloadTooLarge, "routable_token: routing payload is #{text.size} characters, at most #{MAXIMUM_PAYLOAD_SIZE}" if text.size > MAXIMUM_PAYLOAD_SIZE

        text
      end

      def format(value)
        value.is_a?(Integer) ? value.to_s(36) : value
      end

      # The length byte counts characters, as GitLab's payload.size does.
      def encode(text, random)
        raw = random + text.b + [text.size].pack("C")
        base64 = Base64.urlsafe_encode64(raw, padding: false)
        "#{@prefix}#{base64}.#{VERSION}.#{base64.size.to_s(36).rjust(2, "0")}"
      end

      def crc(body)
        Zlib.crc32(body).to_s(36).rjust(7, "0")
      end
    end
  end
end
