# frozen_string_literal: true

module TokenOxide
  module Messages
    # The preconfigured serializers (:marshal, :json, :json_allow_marshal,
    # :message_pack, :message_pack_allow_marshal), each writing one format and
    # reading others as ActiveSupport's SerializerWithFallback does, including
    # its `message_serializer_fallback.active_support` notification. The JSON
    # ones are ActiveSupport::JSON compatible and native; MessageVerifier skips
    # them entirely on its native path, they are used for rotations and
    # unusual payloads.
    module Serializers
      MARSHAL_SIGNATURE = "\x04\x08".b.freeze
      MESSAGE_PACK_SIGNATURE = "\xCC\x80".b.freeze # ActiveSupport::MessagePack's (128.to_msgpack)
      JSON_START_WITH = /\A(?:[{\["]|-?\d|true|false|null)/.freeze

      # Shared `load` with format detection and fallback.
      module WithFallback
        def load(dumped)
          format = detect_format(dumped)
          if format == self.format
            _load(dumped)
          elsif format && fallback?(format)
            load_fallback(format, dumped)
          else
            raise "Unsupported serialization format"
          end
        end

        private

        # ActiveSupport 7.1+ reports every fallback read (it is how an app
        # finds the messages still in an old format before dropping it).
        def load_fallback(format, dumped)
          fallback = Serializers::BY_NAME.fetch(format)
          return fallback._load(dumped) unless defined?(::ActiveSupport::Notifications)

          payload = { serializer: Serializers::BY_NAME.key(self), fallback: format, serialized: dumped }
          ::ActiveSupport::Notifications.instrument("message_serializer_fallback.active_support", payload) do
            payload[:deserialized] = fallback._load(dumped)
          end
        end

        def detect_format(dumped)
          if MessagePackWithFallback.dumped?(dumped)
            :message_pack
          elsif MarshalWithFallback.dumped?(dumped)
            :marshal
          elsif JsonWithFallback.dumped?(dumped)
            :json
          end
        end

        def fallback?(format)
          format != :marshal
        end
      end

      module MarshalWithFallback
        extend WithFallback
        def self.format = :marshal
        def self.dump(object) = Marshal.dump(object)
        def self._load(dumped) = Marshal.load(dumped) # rubocop:disable Security/MarshalLoad
        def self.dumped?(dumped) = dumped.start_with?(MARSHAL_SIGNATURE)
      end

      # Writing and reading ActiveSupport::JSON-compatible JSON natively; a
      # payload whose format cannot be determined is taken as JSON.
      module JsonFormat
        def format = :json
        def dump(object) = Native::JSON.encode(object)
        def _load(dumped) = Native::JSON.parse(dumped)
        def dumped?(dumped) = JSON_START_WITH.match?(dumped)

        private

        def detect_format(dumped)
          super || :json
        end
      end

      module JsonWithFallback
        extend WithFallback
        extend JsonFormat
      end

      module JsonWithFallbackAllowMarshal
        extend WithFallback
        extend JsonFormat

        def self.fallback?(_format)
          true
        end
        private_class_method :fallback?
      end

      # ActiveSupport::MessagePack's format, written by ActiveSupport's own
      # encoder (its extension types for Symbol, Time, BigDecimal, ... are the
      # format), so the bytes are AS 7.1+'s by construction. Needs
      # ActiveSupport 7.1+ and the msgpack gem (>= 1.7); without them these
      # serializers raise on dump and MessagePack data is not recognised.
      module MessagePackFormat
        def self.available?
          return @available if defined?(@available)

          @available = begin
            require "active_support/message_pack"
            true
          rescue LoadError
            false
          end
        end

        def self.require!
          return if available?

          raise LoadError, "the :message_pack serializers need ActiveSupport 7.1+ and the msgpack gem (>= 1.7)"
        end

        def format = :message_pack

        def dump(object)
          MessagePackFormat.require!
          ::ActiveSupport::MessagePack.dump(object)
        end

        def _load(dumped)
          MessagePackFormat.require!
          ::ActiveSupport::MessagePack.load(dumped)
        end

        # Without ActiveSupport::MessagePack nothing is taken for MessagePack.
        # The bytes are looked at first, so reading a JSON or Marshal message
        # never loads msgpack (and ActiveSupport's time extensions).
        def dumped?(dumped)
          dumped.start_with?(MESSAGE_PACK_SIGNATURE) && MessagePackFormat.available?
        end
      end

      module MessagePackWithFallback
        extend WithFallback
        extend MessagePackFormat
      end

      module MessagePackWithFallbackAllowMarshal
        extend WithFallback
        extend MessagePackFormat

        def self.fallback?(_format)
          true
        end
        private_class_method :fallback?
      end

      BY_NAME = {
        marshal: MarshalWithFallback,
        json: JsonWithFallback,
        json_allow_marshal: JsonWithFallbackAllowMarshal,
        message_pack: MessagePackWithFallback,
        message_pack_allow_marshal: MessagePackWithFallbackAllowMarshal,
      }.freeze

      # Serializers whose envelope keeps +exp+ a Time (ActiveSupport's
      # TIMESTAMP_SERIALIZERS): MessagePack has a type for it.
      def self.timestamp_serializer?(serializer)
        serializer.equal?(MessagePackWithFallback) || serializer.equal?(MessagePackWithFallbackAllowMarshal) ||
          (defined?(::ActiveSupport::MessagePack) && serializer.equal?(::ActiveSupport::MessagePack))
      end

      # The serializer object for a +serializer:+ option and the kind the
      # native code knows it by (:json, :json_allow_marshal, :passthrough),
      # nil when the Ruby serializer object does the work.
      def self.resolve(option)
        serializer = option.is_a?(Symbol) ? BY_NAME.fetch(option) { raise ArgumentError, "unsupported serializer: #{option.inspect}" } : option
        # As ActiveSupport, a missing msgpack gem shows when the codec is built.
        MessagePackFormat.require! if serializer.is_a?(MessagePackFormat)
        native_kind =
          if serializer.equal?(JsonWithFallback) then :json
          elsif serializer.equal?(JsonWithFallbackAllowMarshal) then :json_allow_marshal
          elsif passthrough?(serializer) then :passthrough
          end
        [serializer, native_kind]
      end

      # The identity serializers: Action Dispatch's cookie jars give their
      # codecs ActiveSupport's (they serialize the cookie themselves), and
      # our CBC encryptor its signer ours. The native code writes their
      # Strings as they are and reads them back as binary Strings.
      def self.passthrough?(serializer)
        (defined?(::TokenOxide::MessageEncryptor::NullSerializer) && serializer.equal?(::TokenOxide::MessageEncryptor::NullSerializer)) ||
          (defined?(::ActiveSupport::MessageEncryptor::NullSerializer) && serializer.equal?(::ActiveSupport::MessageEncryptor::NullSerializer))
      end

      # Serializers that get the modern single-serialized envelope.
      def self.envelope_serializer?(serializer)
        BY_NAME.value?(serializer) || serializer.equal?(::JSON) || serializer.equal?(::Marshal) ||
          (defined?(::ActiveSupport::JSON) && serializer.equal?(::ActiveSupport::JSON)) ||
          (defined?(::ActiveSupport::MessagePack) && serializer.equal?(::ActiveSupport::MessagePack))
      end
    end
  end
end
