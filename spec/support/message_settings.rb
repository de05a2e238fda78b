# frozen_string_literal: true

# Sets ActiveSupport's and TokenOxide's process-wide message settings for the
# length of a block and puts the previous values back, so that specs toggling
# them leave no trace (the suite also boots a Rails app, whose initializers set
# them). Only the settings the loaded ActiveSupport has can be set.
module MessageSettings
  module_function

  # ActiveSupport 7.1+: Messages::Codec.default_serializer.
  def codec?
    defined?(::ActiveSupport::Messages::Codec) && ::ActiveSupport::Messages::Codec.respond_to?(:default_serializer)
  end

  # ActiveSupport 7.1+: Messages::Metadata.use_message_serializer_for_metadata.
  def metadata_switch?
    defined?(::ActiveSupport::Messages::Metadata) &&
      ::ActiveSupport::Messages::Metadata.respond_to?(:use_message_serializer_for_metadata=)
  end

  ACCESSORS = {
    as_serializer: -> { [::ActiveSupport::Messages::Codec, :default_serializer] if MessageSettings.codec? },
    as_metadata: -> { [::ActiveSupport::Messages::Metadata, :use_message_serializer_for_metadata] if MessageSettings.metadata_switch? },
    as_gcm: -> { [::ActiveSupport::MessageEncryptor, :use_authenticated_message_encryption] },
    oxide_serializer: -> { [TokenOxide::Messages, :default_serializer] },
    oxide_metadata: -> { [TokenOxide::Messages, :use_message_serializer_for_metadata] },
    oxide_gcm: -> { [TokenOxide::MessageEncryptor, :use_authenticated_message_encryption] },
  }.freeze

  # Runs the block with the settings given. TokenOxide's own switches are
  # cleared (nil: follow ActiveSupport) unless given too.
  def with(**settings)
    settings = { oxide_serializer: nil, oxide_metadata: nil, oxide_gcm: nil }.merge(settings)
    saved = {}
    settings.each do |name, value|
      owner, reader = ACCESSORS.fetch(name).call || raise(ArgumentError, "ActiveSupport #{ActiveSupport.version} has no #{name}")
      saved[name] = owner.public_send(reader)
      owner.public_send(:"#{reader}=", value)
    end
    yield
  ensure
    saved.each do |name, value|
      owner, reader = ACCESSORS.fetch(name).call
      owner.public_send(:"#{reader}=", value)
    end
  end
end
