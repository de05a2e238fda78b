# frozen_string_literal: true

module TokenOxide
  module Messages
    # The general (Ruby) path of the `_rails` metadata envelope, a mirror of
    # ActiveSupport 7.2's Messages::Metadata and Codec. The native code does
    # the same for the JSON serializers and comes here for custom
    # serializers, Marshal payloads and unusual envelopes, so every case
    # ends exactly as ActiveSupport's does.
    #
    # Includers set @serializer, @url_safe and @force_legacy_metadata_serializer.
    module Metadata
      LEGACY_PREFIX = '{"_rails":{"message":'

      # The serialized payload (before base64) for +data+ and its metadata.
      def serialize_with_metadata(data, purpose = nil, expires_at = nil, expires_in = nil) # :nodoc:
        has_metadata = purpose || expires_at || expires_in
        if has_metadata && !use_message_serializer_for_metadata?
          data_string = ::Base64.strict_encode64(serialize(data))
          exp = Messages.expiry_text(expires_at, expires_in)
          Messages.encode_json({ "_rails" => { "message" => data_string, "exp" => exp, "pur" => purpose } })
        else
          if has_metadata
            envelope = { "data" => data }
            exp = Messages.expiry_text(expires_at, expires_in, as_time: Serializers.timestamp_serializer?(@serializer))
            envelope["exp"] = exp if exp
            envelope["pur"] = purpose.to_s if purpose
            data = { "_rails" => envelope }
          end
          serialize(data)
        end
      end

      # Reads a decoded payload; returns [:value, v], [:content, reason],
      # [:format, reason] or [:serialization, exception] (ActiveSupport's
      # throw tags) for the native caller.
      def __read_payload(bytes, purpose) # :nodoc:
        format_error = catch(:invalid_message_format) do
          serialization_error = catch(:invalid_message_serialization) do
            reason = catch(:invalid_message_content) do
              return [:value, deserialize_with_metadata(bytes, purpose: purpose)]
            end
            return [:content, reason.to_s]
          end
          return [:serialization, serialization_error]
        end
        [:format, format_error.to_s]
      end

      private

      # @force_legacy_metadata_serializer already folds in the process-wide
      # switch as it was when the object was built (Messages::Defaults).
      def use_message_serializer_for_metadata?
        !@force_legacy_metadata_serializer && Serializers.envelope_serializer?(@serializer)
      end

      def deserialize_with_metadata(message, purpose: nil)
        if message.start_with?(LEGACY_PREFIX)
          envelope = deserialize_from_json(message)
          extracted = extract_from_metadata_envelope(envelope, purpose: purpose)
          deserialize(decode_legacy_message(extracted["message"]))
        else
          deserialized = deserialize(message)
          if deserialized.is_a?(Hash) && deserialized.key?("_rails")
            extract_from_metadata_envelope(deserialized, purpose: purpose)["data"]
          elsif !purpose
            deserialized
          else
            throw :invalid_message_content, "missing metadata"
          end
        end
      end

      def extract_from_metadata_envelope(envelope, purpose: nil)
        hash = envelope["_rails"]
        throw :invalid_message_content, "expired" if hash["exp"] && Time.now.utc >= parse_expiry(hash["exp"])
        throw :invalid_message_content, "mismatched purpose" if hash["pur"].to_s != purpose.to_s
        hash
      end

      def parse_expiry(expires_at)
        if !expires_at.is_a?(String)
          expires_at
        elsif !defined?(::ActiveSupport.use_standard_json_time_format) || ::ActiveSupport.use_standard_json_time_format
          Time.iso8601(expires_at)
        else
          Time.parse(expires_at)
        end
      end

      def deserialize_from_json(serialized)
        Native::JSON.parse(serialized)
      rescue ::JSON::ParserError => e
        # A bad envelope is a bad message, not a serializer mismatch.
        throw :invalid_message_format, e
      end

      # The legacy envelope's inner message is strict base64.
      def decode_legacy_message(string)
        decode_base64(string, false)
      end

      # Any error is a bad message, as in ActiveSupport 7.2's Codec#decode: a
      # part that is not a String (nil when the encryptor's parts overlap, a
      # number in a legacy envelope's "message") raises NoMethodError here.
      def decode_base64(encoded, url_safe)
        url_safe ? ::Base64.urlsafe_decode64(encoded) : ::Base64.strict_decode64(encoded)
      rescue StandardError => e
        throw :invalid_message_format, e
      end

      def serialize(data)
        @serializer.dump(data)
      end

      def deserialize(serialized)
        @serializer.load(serialized)
      rescue StandardError => e
        throw :invalid_message_serialization, e
      end
    end
  end
end
