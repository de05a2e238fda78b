# frozen_string_literal: true

require "token_oxide/messages"

# Existing `rescue ActiveSupport::MessageVerifier::InvalidSignature` clauses
# must keep working, so InvalidSignature subclasses ActiveSupport's class.
# activesupport is a runtime dependency; without it a plain error is used.
begin
  require "active_support"
  require "active_support/message_verifier"
rescue LoadError
  nil
end

module TokenOxide
  # Drop-in for ActiveSupport::MessageVerifier (7.2/8.x API and token format).
  #
  #   verifier = TokenOxide::MessageVerifier.new(secret, digest: "SHA256")
  #   token = verifier.generate({ "user_id" => 1 }, purpose: :login, expires_in: 900)
  #   verifier.verified(token, purpose: :login) # => {"user_id"=>1}
  #   verifier.verify(tampered)                 # raises InvalidSignature
  #
  # +generate+, +verified+, +verify+ and +valid_message?+ are native (the
  # class is defined by the extension); this file adds construction,
  # rotation and the Ruby serializer path.
  class MessageVerifier
    include Messages::Metadata

    parent = defined?(::ActiveSupport::MessageVerifier::InvalidSignature) ? ::ActiveSupport::MessageVerifier::InvalidSignature : TokenOxide::Error
    InvalidSignature = Class.new(parent)

    # MessageVerifier.new(secret, digest: "SHA1", serializer: :json_allow_marshal,
    #   url_safe: false, force_legacy_metadata_serializer: false, on_rotation: nil)
    def initialize(secret, on_rotation: nil, **options)
      raise ArgumentError, "Secret should not be nil." unless secret

      @args = [secret]
      @options = options
      @on_rotation = on_rotation
      @rotations = []
      @serializer, kind = Messages::Serializers.resolve(options[:serializer] || Messages.default_serializer)
      @url_safe = options[:url_safe] ? true : false
      @force_legacy_metadata_serializer = options[:force_legacy_metadata_serializer] ? true : false
      @digest = options[:digest]&.to_s || "SHA1"
      secret = secret.to_str
      __setup(secret, @digest, @url_safe, kind, @force_legacy_metadata_serializer)
    end

    # Adds a fallback verifier for +verified+/+verify+: options not given are
    # the primary's, a positional argument replaces the secret.
    #
    #   verifier.rotate(old_secret)
    #   verifier.rotate(digest: "SHA256", serializer: :marshal)
    def rotate(*args, **options)
      @rotations << self.class.new(*args, *@args.drop(args.length), **@options, **options)
      self
    end

    # Never shows the secret.
    def inspect
      Kernel.instance_method(:to_s).bind_call(self)
    end
    alias to_s inspect
  end
end
