# frozen_string_literal: true

require "json"
require "base64"
require "time"

module TokenOxide
  # Settings and helpers shared by MessageVerifier and MessageEncryptor,
  # mirroring ActiveSupport's process-wide message switches.
  #
  # The two message switches are nil unless set here: then new verifiers and
  # encryptors follow ActiveSupport's own settings (see Messages::Defaults).
  module Messages
    class << self
      # Serializer used when none is given, overriding ActiveSupport's
      # (Rails: config.active_support.message_serializer). nil: follow it.
      attr_accessor :default_serializer

      # Overrides ActiveSupport::Messages::Metadata.use_message_serializer_for_metadata
      # for objects built afterwards. false writes the pre-7.1 envelope (what
      # Rails <= 7.0 and 6.1 read), true the 7.1+ one; nil: follow ActiveSupport.
      attr_reader :use_message_serializer_for_metadata

      # ActiveSupport.escape_html_entities_in_json: "<", ">" and "&" as \u003c...
      attr_reader :escape_html_entities_in_json

      # false gives Rails 8.1's `escape_js_separators_in_json = false`
      # (U+2028/U+2029 written raw). true is Rails 7.x and 8.0.
      attr_reader :escape_js_separators_in_json

      def use_message_serializer_for_metadata=(value)
        @use_message_serializer_for_metadata = value.nil? ? nil : (value ? true : false)
      end

      def escape_html_entities_in_json=(value)
        @escape_html_entities_in_json = value ? true : false
        push_settings
      end

      def escape_js_separators_in_json=(value)
        @escape_js_separators_in_json = value ? true : false
        push_settings
      end

      # `ActiveSupport::JSON.encode(value)`, natively.
      def encode_json(value)
        Native::JSON.encode(value)
      end

      # `JSON.parse(text)`, natively where possible.
      def decode_json(text)
        Native::JSON.parse(text)
      end

      # ActiveSupport's JSON encoder stringifies keys that are neither
      # String nor Symbol (into a new Hash, so keys equal after +to_s+ merge).
      def stringify_json_keys(hash) # :nodoc:
        hash.each_with_object({}) do |(key, value), result|
          key = key.to_s unless key.is_a?(Symbol) || key.is_a?(String)
          result[key] = value
        end
      end

      # The envelope's +exp+ text where the native code does not compute it
      # (Durations with months or years, Rationals, TimeWithZone, DateTime...):
      # exactly ActiveSupport's `pick_expiry`.
      # +as_time+: the Time itself, for serializers that store one (MessagePack).
      def expiry_text(expires_at, expires_in, as_time: false) # :nodoc:
        time =
          if expires_at
            expires_at.utc
          elsif expires_in
            now = Time.now.utc
            now.respond_to?(:advance) ? now.advance(seconds: expires_in) : now + expires_in
          end
        as_time ? time : time&.iso8601(3)
      end

      private

      def push_settings
        Native.configure_messages(@escape_html_entities_in_json, @escape_js_separators_in_json)
      end
    end

    @default_serializer = nil
    @use_message_serializer_for_metadata = nil
    @escape_html_entities_in_json = true
    @escape_js_separators_in_json = true
    push_settings
  end
end

require "token_oxide/messages/serializers"
require "token_oxide/messages/defaults"
require "token_oxide/messages/metadata"
require "token_oxide/messages/rotations"
