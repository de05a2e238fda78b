# frozen_string_literal: true

module TokenOxide
  module Messages
    # The preconfigured serializers (:marshal, :json, :json_allow_marshal),
    # each writing one format and reading others as ActiveSupport's
    # SerializerWithFallback does. The JSON ones are ActiveSupport::JSON
    # compatible and native; MessageVerifier skips them entirely on its
    # native path, they are used for rotations and unusual payloads.
    module Serializers
      MARSHAL_SIGNATURE = "\x04\x08".b.freeze
      JSON_START_WITH = /\A(?:[{\["]|-?\d|true|false|null)/.freeze

      # Shared `load` with format detection and fallback.
      module WithFallback
        def load(dumped)
          format = detect_format(dumped)
          if format == self.format
            _load(dumped)
          elsif format && fallback?(format)
            Serializers::BY_NAME.fetch(format)._load(dumped)
          else
            raise "Unsupported serialization format"
          end
        end

        private

        def detect_format(dumped)
          if dumped.start_with?(MARSHAL_SIGNATURE)
            :marshal
          elsif JSON_START_WITH.match?(dumped)
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
      end

      # Writing and reading ActiveSupport::JSON-compatible JSON natively; a
      # payload whose format cannot be determined is taken as JSON.
      module JsonFormat
        def format = :json
        def dump(object) = Native::JSON.encode(object)
        def _load(dumped) = Native::JSON.parse(dumped)

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

      BY_NAME = {
        marshal: MarshalWithFallback,
        json: JsonWithFallback,
        json_allow_marshal: JsonWithFallbackAllowMarshal,
      }.freeze

      # The serializer object for a +serializer:+ option and the name the
      # native code knows it by ("json", "json_allow_marshal" or "ruby").
      def self.resolve(option)
        serializer = option.is_a?(Symbol) ? BY_NAME.fetch(option) { raise ArgumentError, "unsupported serializer: #{option.inspect}" } : option
        native_kind =
          if serializer.equal?(JsonWithFallback) then "json"
          elsif serializer.equal?(JsonWithFallbackAllowMarshal) then "json_allow_marshal"
          else "ruby"
          end
        [serializer, native_kind]
      end

      # Serializers that get the modern single-serialized envelope.
      def self.envelope_serializer?(serializer)
        BY_NAME.value?(serializer) || serializer.equal?(::JSON) || serializer.equal?(::Marshal) ||
          (defined?(::ActiveSupport::JSON) && serializer.equal?(::ActiveSupport::JSON))
      end
    end
  end
end
