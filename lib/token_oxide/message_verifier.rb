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
  # The class is defined by the extension, which does the signing, JSON,
  # envelope and verification work; this file adds construction, the
  # keyword-declaring entry points, rotation and the Ruby serializer path.
  class MessageVerifier
    include Messages::Metadata

    parent = defined?(::ActiveSupport::MessageVerifier::InvalidSignature) ? ::ActiveSupport::MessageVerifier::InvalidSignature : TokenOxide::Error
    InvalidSignature = Class.new(parent)

    # Whose defaults ours follow (nil without ActiveSupport).
    ACTIVE_SUPPORT_CLASS = defined?(::ActiveSupport::MessageVerifier) ? ::ActiveSupport::MessageVerifier : nil
    private_constant :ACTIVE_SUPPORT_CLASS

    # MessageVerifier.new(secret, digest: "SHA1", serializer:, url_safe: false,
    #   force_legacy_metadata_serializer:, on_rotation: nil)
    # The serializer and envelope not given follow ActiveSupport's
    # process-wide settings (Messages::Defaults).
    def initialize(secret, on_rotation: nil, **options)
      raise ArgumentError, "Secret should not be nil." unless secret

      @args = [secret]
      @options = options
      @on_rotation = on_rotation
      @rotations = []
      @serializer, kind = Messages::Serializers.resolve(
        options[:serializer] || Messages::Defaults.serializer(ACTIVE_SUPPORT_CLASS, :default_message_verifier_serializer)
      )
      @url_safe = options[:url_safe] ? true : false
      @force_legacy_metadata_serializer = Messages::Defaults.force_legacy_metadata_serializer?(options)
      @digest = options[:digest]&.to_s || "SHA1"
      secret = secret.to_str
      __setup(secret, @digest, @url_safe, kind, @force_legacy_metadata_serializer)
    end

    # A signed token for +value+ (US-ASCII String, `ENCODED--HEXHMAC`).
    # +purpose+ is checked on verification; +expires_at+ (a Time) or
    # +expires_in+ (seconds or a Duration) set the expiry.
    def generate(value, purpose: nil, expires_at: nil, expires_in: nil)
      __generate(value, purpose, expires_at, expires_in)
    end

    # The value, or nil when the token is invalid, expired or for another
    # purpose. A payload the serializer cannot read raises its error.
    def verified(message, purpose: nil, on_rotation: nil)
      __verified(message, purpose, on_rotation)
    end

    # Like #verified, but raises InvalidSignature instead of returning nil.
    def verify(message, purpose: nil, on_rotation: nil)
      __verify(message, purpose, on_rotation)
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

    private

    # MessageVerifier (7.2.3+/8.0.2+) retries base64 decoding with the other
    # alphabet, also for the legacy envelope's inner message.
    def decode_legacy_message(string)
      catch(:invalid_message_format) { return decode_base64(string, false) }
      decode_base64(string, true)
    end

    public

    # Never shows the secret.
    def inspect
      Kernel.instance_method(:to_s).bind_call(self)
    end
    alias to_s inspect
  end
end
