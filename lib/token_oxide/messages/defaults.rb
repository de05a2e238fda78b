# frozen_string_literal: true

module TokenOxide
  module Messages
    # The options a MessageVerifier or MessageEncryptor gets when the caller
    # leaves them out, so that `TokenOxide::X.new(secret)` writes what
    # `ActiveSupport::X.new(secret)` writes in the same process. In order:
    #
    # 1. TokenOxide's own switch, when it was set (not nil):
    #    Messages.default_serializer, Messages.use_message_serializer_for_metadata,
    #    MessageEncryptor.use_authenticated_message_encryption;
    # 2. ActiveSupport's process-wide setting, when ActiveSupport is loaded;
    # 3. a Rails 7.1+ app's value (:json_allow_marshal, the 7.1+ envelope, GCM).
    #
    # Read each time an object is built (never at require time), so a Rails
    # app's config, applied by its initializers, counts.
    #
    # What ActiveSupport has, by version:
    # - 7.1+: Messages::Codec.default_serializer (a class attribute, so read
    #   from the class itself; :marshal unless the app sets
    #   config.active_support.message_serializer) and
    #   Messages::Metadata.use_message_serializer_for_metadata (nil unless set);
    # - 7.0: MessageVerifier.default_message_verifier_serializer and
    #   MessageEncryptor.default_message_encryptor_serializer (:marshal,
    #   :hybrid or :json); the pre-7.1 envelope only;
    # - 6.1: Marshal and the pre-7.1 envelope, nothing to configure;
    # - all: MessageEncryptor.use_authenticated_message_encryption (false
    #   unless a Rails app's load_defaults >= 5.2 sets it).
    module Defaults
      RAILS_71_SERIALIZER = :json_allow_marshal

      module_function

      # The serializer for a TokenOxide object standing in for
      # +active_support_class+ (nil without ActiveSupport); +rails70_reader+
      # names that class's Rails 7.0 setting.
      def serializer(active_support_class, rails70_reader)
        return Messages.default_serializer unless Messages.default_serializer.nil?
        return RAILS_71_SERIALIZER unless active_support_class

        if active_support_class.respond_to?(:default_serializer)
          active_support_class.default_serializer
        elsif active_support_class.respond_to?(rails70_reader)
          rails70_serializer(active_support_class.public_send(rails70_reader))
        else
          ::Marshal
        end
      end

      # Whether the pre-7.1 envelope is written. An explicit
      # +force_legacy_metadata_serializer:+ (true or false) decides;
      # otherwise the process-wide switch does.
      def force_legacy_metadata_serializer?(options)
        forced = options[:force_legacy_metadata_serializer]
        return forced ? true : false unless forced.nil?

        !use_message_serializer_for_metadata?
      end

      def use_message_serializer_for_metadata?
        setting = Messages.use_message_serializer_for_metadata
        return setting unless setting.nil?
        return true unless defined?(::ActiveSupport::MessageVerifier)

        metadata = defined?(::ActiveSupport::Messages::Metadata) && ::ActiveSupport::Messages::Metadata
        # 6.1 and 7.0 have no such switch: they only know the pre-7.1 envelope.
        return false unless metadata.respond_to?(:use_message_serializer_for_metadata)

        metadata.use_message_serializer_for_metadata ? true : false
      end

      # +setting+: TokenOxide::MessageEncryptor's own switch (nil: not set).
      def use_authenticated_message_encryption?(setting)
        return setting ? true : false unless setting.nil?
        return true unless defined?(::ActiveSupport::MessageEncryptor)

        ::ActiveSupport::MessageEncryptor.use_authenticated_message_encryption ? true : false
      end

      # Rails 7.0's names for its serializers, as its MessageVerifier and
      # MessageEncryptor resolve them: ActiveSupport's own objects, so reads
      # and writes are theirs exactly.
      def rails70_serializer(name)
        case name
        when :marshal, nil then ::Marshal
        when :json then ::ActiveSupport::JSON
        when :hybrid
          require "active_support/json_with_marshal_fallback"
          ::ActiveSupport::JsonWithMarshalFallback
        else name
        end
      end
    end
  end
end
