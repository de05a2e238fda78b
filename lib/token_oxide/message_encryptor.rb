# frozen_string_literal: true

require "token_oxide/message_verifier"

begin
  require "active_support/message_encryptor"
rescue LoadError
  nil
end

module TokenOxide
  # Drop-in for ActiveSupport::MessageEncryptor (7.2/8.x API and format):
  # AES-256-GCM messages `b64(ciphertext)--b64(iv)--b64(tag)` and
  # AES-256-CBC messages signed like a MessageVerifier token, with the same
  # metadata envelope, purpose and expiry rules. AES, the IVs (12 random
  # bytes per GCM message), the JSON serializers and the cookie jars'
  # NullSerializer are native.
  #
  #   encryptor = TokenOxide::MessageEncryptor.new(key) # 32-byte key
  #   message = encryptor.encrypt_and_sign({ "id" => 1 }, purpose: :remember_me, expires_in: 3600)
  #   encryptor.decrypt_and_verify(message, purpose: :remember_me) # => {"id"=>1}
  class MessageEncryptor
    include Messages::Metadata
    include Messages::Rotations

    parent = defined?(::ActiveSupport::MessageEncryptor::InvalidMessage) ? ::ActiveSupport::MessageEncryptor::InvalidMessage : TokenOxide::Error
    InvalidMessage = Class.new(parent)

    DEFER = Object.new.freeze # native result meaning "the Ruby path decides"
    private_constant :DEFER

    AUTH_TAG_LENGTH = 16
    SEPARATOR = "--"
    CIPHERS = { "aes-256-gcm" => 12, "aes-256-cbc" => 16 }.freeze # cipher => IV length

    # The CBC signer's serializer: the encrypted text is signed as is.
    module NullSerializer
      def self.load(value) = value
      def self.dump(value) = value
    end

    # Whose defaults ours follow (nil without ActiveSupport).
    ACTIVE_SUPPORT_CLASS = defined?(::ActiveSupport::MessageEncryptor) ? ::ActiveSupport::MessageEncryptor : nil
    private_constant :ACTIVE_SUPPORT_CLASS

    class << self
      # Overrides ActiveSupport::MessageEncryptor.use_authenticated_message_encryption
      # (Rails' config.active_support.use_authenticated_message_encryption,
      # true under load_defaults >= 5.2, false otherwise) for the default
      # cipher: true GCM, false CBC, nil (the default) follow ActiveSupport.
      attr_accessor :use_authenticated_message_encryption

      # The cipher of an encryptor built now without +cipher:+.
      #
      # @return [String] "aes-256-gcm" or "aes-256-cbc"
      def default_cipher
        Messages::Defaults.use_authenticated_message_encryption?(use_authenticated_message_encryption) ? "aes-256-gcm" : "aes-256-cbc"
      end

      # Key length of +cipher+ (32 for the AES-256 ciphers supported).
      #
      # @param cipher [String, Symbol] a cipher name
      # @return [Integer] the key size in bytes
      # @raise [TypeError] when +cipher+ is not a String or Symbol
      # @raise [ArgumentError] when the cipher is not supported
      def key_len(cipher = default_cipher)
        # Only names are inspected: an arbitrary object's to_s/inspect could be huge or recursive.
        raise TypeError, "cipher must be a String or Symbol, not #{cipher.class}" unless cipher.is_a?(String) || cipher.is_a?(Symbol)
        raise ArgumentError, "unsupported cipher: #{cipher.to_s.inspect} (use aes-256-gcm or aes-256-cbc)" unless CIPHERS.key?(cipher.to_s.downcase)

        32
      end
    end
    # MessageEncryptor.new(secret, sign_secret = nil, cipher:, digest: "SHA1",
    #   serializer:, url_safe: false, force_legacy_metadata_serializer:, on_rotation: nil)
    # The cipher, serializer and envelope not given follow ActiveSupport's
    # process-wide settings (Messages::Defaults).
    #
    # @param secret [String] the cipher key, +key_len+ bytes
    # @param sign_secret [String, nil] the HMAC key of the CBC cipher (default: +secret+)
    # @param on_rotation [Proc, nil] called when a rotated-in encryptor read a message
    # @param options [Hash] +cipher:+, +digest:+, +serializer:+, +url_safe:+,
    #   +force_legacy_metadata_serializer:+
    # @raise [ArgumentError] when the cipher is not supported
    def initialize(secret, sign_secret = nil, on_rotation: nil, **options)
      @args = [secret, sign_secret]
      @options = options
      @on_rotation = on_rotation
      @rotations = []
      @secret = secret
      @cipher = (options[:cipher] || self.class.default_cipher).to_s.downcase
      self.class.key_len(@cipher)
      @aead_mode = @cipher == "aes-256-gcm"
      # @native_payload: the serializer's kind for the native code, nil when
      # the Ruby serializer does the work.
      @serializer, @native_payload = Messages::Serializers.resolve(
        options[:serializer] || Messages::Defaults.serializer(ACTIVE_SUPPORT_CLASS, :default_message_encryptor_serializer)
      )
      @url_safe = options[:url_safe] ? true : false
      @force_legacy_metadata_serializer = Messages::Defaults.force_legacy_metadata_serializer?(options)
      @verifier = MessageVerifier.new(sign_secret || secret, **options, serializer: NullSerializer) unless @aead_mode
      # GCM with a native serializer: one native call each way.
      @native_gcm = @aead_mode && @native_payload && @secret.is_a?(String)
    end

    # Encrypts and authenticates +value+ with a fresh IV.
    #
    # @param value [Object] anything the serializer can dump
    # @param expires_at [Time, nil] the moment the message stops being readable
    # @param expires_in [Numeric, ActiveSupport::Duration, nil] a lifetime from now
    # @param purpose [String, Symbol, nil] the purpose a reader must name
    # @return [String] the encrypted message
    def encrypt_and_sign(value, expires_at: nil, expires_in: nil, purpose: nil)
      # The passthrough serializer writes Strings natively; anything else
      # takes the Ruby path, which fails as ActiveSupport does.
      native = @native_payload && (@native_payload != :passthrough || value.is_a?(String))
      if native && @native_gcm
        return Native::Messages.encrypt_gcm(@secret, value, @native_payload, purpose, expires_at, expires_in,
                                            @force_legacy_metadata_serializer, @url_safe)
      end

      data =
        if native
          Native::Messages.serialize(value, @native_payload, purpose, expires_at, expires_in, @force_legacy_metadata_serializer)
        else
          serialize_with_metadata(value, purpose, expires_at, expires_in)
        end
      sign(encrypt(data))
    end

    # The value, nil when the purpose does not match or the message expired;
    # raises InvalidMessage when it cannot be decrypted or read.
    #
    # @param message [String, nil] a message from #encrypt_and_sign
    # @param purpose [String, Symbol, nil] must be the purpose it was written with
    # @param on_rotation [Proc, nil] overrides the encryptor's callback for this read
    # @return [Object, nil] the value, or nil
    # @raise [InvalidMessage] when the message was tampered with or the key is wrong
    def decrypt_and_verify(message, purpose: nil, on_rotation: nil)
      if @native_gcm && @rotations.empty?
        result = Native::Messages.decrypt_gcm_value(@secret, message, @url_safe, purpose, @native_payload, InvalidMessage, DEFER)
        return result unless DEFER.equal?(result)
      end
      tag, payload = read_message_tagged(message, purpose, on_rotation || @on_rotation)
      case tag
      when :value then payload
      when :content then nil
      else raise InvalidMessage, payload.to_s
      end
    end

    # dup/clone: the copy gets its own rotation list (and CBC signer), so
    # rotating one leaves the other alone.
    def initialize_copy(other)
      super
      @rotations = @rotations.dup
      @verifier = @verifier.dup if @verifier
    end

    def read_message_tagged(message, purpose, on_rotation = nil) # :nodoc:
      first = read_own(message, purpose)
      return first unless first[0] == :format || first[0] == :serialization

      @rotations.each do |rotation|
        result = rotation.read_message_tagged(message, purpose)
        next if result[0] == :format || result[0] == :serialization

        on_rotation&.call if result[0] == :value
        return result
      end
      first
    end

    private

    # The serializer object in use (ActiveSupport's codecs have this private reader).
    attr_reader :serializer

    def read_own(message, purpose)
      if @native_gcm
        result = Native::Messages.decrypt_gcm(@secret, message, @url_safe, purpose, @native_payload)
        return result[0] == :slow ? __read_payload(result[1], purpose) : result if result
      end

      error = catch(:invalid_message_format) do
        plaintext = decrypt(verify(message))
        return (Native::Messages.deserialize(plaintext, purpose, @native_payload) if @native_payload) ||
               __read_payload(plaintext, purpose)
      end
      [:format, error.to_s]
    end

    def sign(data)
      @verifier ? @verifier.generate(data) : data
    end

    def verify(data)
      return data unless @verifier

      tag, payload = @verifier.read_message_tagged(data, nil)
      throw :invalid_message_format, payload.to_s unless tag == :value
      payload
    end

    def check_key!
      raise ArgumentError, "key must be 32 bytes" unless @secret.is_a?(String) && @secret.bytesize == 32
    end

    def encode(data)
      @url_safe ? ::Base64.urlsafe_encode64(data, padding: false) : ::Base64.strict_encode64(data)
    end

    def encrypt(data)
      check_key!
      iv = TokenOxide.random_bytes(CIPHERS.fetch(@cipher))
      if @aead_mode
        ciphertext, tag = Native.aes256_gcm_encrypt(@secret, iv, "", data)
        "#{encode(ciphertext)}#{SEPARATOR}#{encode(iv)}#{SEPARATOR}#{encode(tag)}"
      else
        "#{encode(Native.aes256_cbc_encrypt(@secret, iv, data))}#{SEPARATOR}#{encode(iv)}"
      end
    end

    def decrypt(encrypted_message)
      encrypted_data, iv, auth_tag = extract_parts(encrypted_message)
      throw :invalid_message_format, "truncated auth_tag" if @aead_mode && auth_tag.bytesize != AUTH_TAG_LENGTH
      check_key!
      plaintext =
        if @aead_mode
          Native.aes256_gcm_decrypt(@secret, iv, "", encrypted_data, auth_tag)
        else
          Native.aes256_cbc_decrypt(@secret, iv, encrypted_data)
        end
      # OpenSSL's own messages, which Rails passes on: none for a GCM tag
      # that does not authenticate, "bad decrypt" for CBC padding.
      throw :invalid_message_format, (@aead_mode ? "" : "bad decrypt") unless plaintext
      plaintext
    end

    def length_after_encode(length_before_encode)
      @url_safe ? (4 * length_before_encode / 3.0).ceil : 4 * (length_before_encode / 3.0).ceil
    end

    # Parts are located by their encoded lengths from the end, as Rails does.
    def extract_part(encrypted_message, rindex, length)
      index = rindex - length
      throw :invalid_message_format, "missing separator" unless encrypted_message[index - SEPARATOR.length, SEPARATOR.length] == SEPARATOR

      encrypted_message[index, length]
    end

    def extract_parts(encrypted_message)
      parts = []
      rindex = encrypted_message.length
      if @aead_mode
        tag_length = length_after_encode(AUTH_TAG_LENGTH)
        parts << extract_part(encrypted_message, rindex, tag_length)
        rindex -= SEPARATOR.length + tag_length
      end
      iv_length = length_after_encode(CIPHERS.fetch(@cipher))
      parts << extract_part(encrypted_message, rindex, iv_length)
      rindex -= SEPARATOR.length + iv_length
      parts << encrypted_message[0, rindex]
      parts.reverse!.map! { |part| decode_base64(part, @url_safe) }
    end
  end
end
