# frozen_string_literal: true

require "openssl"
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
    include Messages::Rotations

    parent = defined?(::ActiveSupport::MessageVerifier::InvalidSignature) ? ::ActiveSupport::MessageVerifier::InvalidSignature : TokenOxide::Error
    InvalidSignature = Class.new(parent)

    # Whose defaults ours follow (nil without ActiveSupport).
    ACTIVE_SUPPORT_CLASS = defined?(::ActiveSupport::MessageVerifier) ? ::ActiveSupport::MessageVerifier : nil
    private_constant :ACTIVE_SUPPORT_CLASS

    # MessageVerifier.new(secret, digest: "SHA1", serializer:, url_safe: false,
    #   force_legacy_metadata_serializer:, on_rotation: nil)
    # The serializer and envelope not given follow ActiveSupport's
    # process-wide settings (Messages::Defaults).
    #
    # @param secret [String] the HMAC key (a key generator's output, not a password)
    # @param on_rotation [Proc, nil] called when a rotated-in verifier read a message
    # @param options [Hash] +digest:+ (an OpenSSL digest name, default "SHA1"),
    #   +serializer:+, +url_safe:+, +force_legacy_metadata_serializer:+
    # @raise [ArgumentError] when +secret+ is nil or +digest+ is unknown to OpenSSL
    # @raise [TypeError] when +secret+ is not a String
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
      # Not `secret.to_str`: its NoMethodError inspects the receiver, which for
      # a hostile 10k-deep Array recurses deep enough to meet a GC at the
      # stack's end ("[BUG] system stack overflow during GC").
      key = String.try_convert(secret) or raise TypeError, "secret must be a String, not #{secret.class}"
      __setup(key, @digest, @url_safe, kind, @force_legacy_metadata_serializer, openssl_hex_length(key))
    end

    # A signed token for +value+ (US-ASCII String, `ENCODED--HEXHMAC`).
    # +purpose+ is checked on verification; +expires_at+ (a Time) or
    # +expires_in+ (seconds or a Duration) set the expiry.
    #
    # @param value [Object] anything the serializer can dump
    # @param purpose [String, Symbol, nil] the purpose a reader must name
    # @param expires_at [Time, nil] the moment the token stops being valid
    # @param expires_in [Numeric, ActiveSupport::Duration, nil] a lifetime from now
    # @return [String] the signed token
    def generate(value, purpose: nil, expires_at: nil, expires_in: nil)
      __generate(value, purpose, expires_at, expires_in)
    end

    # The value, or nil when the token is invalid, expired or for another
    # purpose. A payload the serializer cannot read raises its error.
    #
    # @param message [String, nil] a token from #generate
    # @param purpose [String, Symbol, nil] must be the purpose it was generated with
    # @param on_rotation [Proc, nil] overrides the verifier's callback for this read
    # @return [Object, nil] the value, or nil
    def verified(message, purpose: nil, on_rotation: nil)
      __verified(message, purpose, on_rotation)
    end

    # Like #verified, but raises InvalidSignature instead of returning nil.
    #
    # @param (see #verified)
    # @return [Object] the value
    # @raise [InvalidSignature] when the token is invalid, expired or for another purpose
    def verify(message, purpose: nil, on_rotation: nil)
      __verify(message, purpose, on_rotation)
    end

    # dup/clone: Ruby copies the instance variables but allocates an empty
    # native half, which gets its own copy of the keyed state here. The
    # rotation list is the copy's own: rotating one leaves the other alone.
    def initialize_copy(other)
      super
      __copy_from(other)
      @rotations = @rotations.dup
    end

    private

    # SHA1/256/384/512 are native; any other OpenSSL digest (MD5, SHA224,
    # SHA3-256...) signs through OpenSSL, as ActiveSupport does with
    # `OpenSSL::HMAC.hexdigest(digest, ...)`. Returns the hex length of its
    # signatures, or nil for the native ones.
    NATIVE_DIGEST = /\ASHA-?(?:1|256|384|512)\z/i.freeze
    private_constant :NATIVE_DIGEST

    def openssl_hex_length(secret)
      return if NATIVE_DIGEST.match?(@digest)

      @openssl_digest = openssl_digest(@digest)
      @openssl_secret = secret
      @openssl_digest.digest_length * 2
    end

    # OpenSSL's own error echoes the name, which may be a key passed in the
    # wrong place: the name is shown only when it looks like one.
    def openssl_digest(name)
      OpenSSL::Digest.new(name)
    rescue StandardError
      shown = name.match?(/\A[\w-]{1,16}\z/) ? ": #{name.inspect}" : ""
      raise ArgumentError, "unsupported digest algorithm#{shown} (not known to OpenSSL)"
    end

    # The serializer object in use (ActiveSupport's codecs have this private reader).
    attr_reader :serializer

    # Called by the extension for the OpenSSL digests: the raw HMAC of +data+.
    def __openssl_hmac(data)
      OpenSSL::HMAC.digest(@openssl_digest, @openssl_secret, data)
    end

    # MessageVerifier (7.2.3+/8.0.2+) retries base64 decoding with the other
    # alphabet, also for the legacy envelope's inner message.
    def decode_legacy_message(string)
      catch(:invalid_message_format) { return decode_base64(string, false) }
      decode_base64(string, true)
    end
  end
end
