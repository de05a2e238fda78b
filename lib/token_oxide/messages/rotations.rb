# frozen_string_literal: true

module TokenOxide
  module Messages
    # Rotation for MessageVerifier and MessageEncryptor: the fallback codecs
    # tried, in order, when this one cannot read a message (ActiveSupport's
    # Messages::Rotator API). Includers set @args, @options and @rotations.
    module Rotations
      # Adds a fallback codec (old secret, digest, cipher, serializer...);
      # options not given are this codec's, and positional arguments replace
      # this codec's from the first one on.
      #
      #   verifier.rotate(old_secret)
      #   encryptor.rotate(cipher: "aes-256-cbc")
      #
      # @param args [Array] replacement secrets (optional)
      # @param options [Hash] options that differ from this codec's
      # @return [self]
      def rotate(*args, **options)
        fall_back_to(self.class.new(*args, *@args.drop(args.length), **@options, **options))
      end

      # Adds an already built codec as the next fallback (ActiveSupport's
      # MessageVerifiers/MessageEncryptors factories chain rotations with this).
      #
      # @param fallback [#read_message_tagged] another verifier or encryptor
      # @return [self]
      def fall_back_to(fallback)
        @rotations << fallback
        self
      end

      # Sets the callback run when a fallback, not this codec, read a
      # message; chainable:
      #   verifier.rotate(old_secret).on_rotation { Rails.logger.info("old token") }
      #
      # @yield when a fallback read the message
      # @return [self]
      def on_rotation(&callback)
        @on_rotation = callback
        self
      end

      # Never shows the secrets.
      def inspect
        Kernel.instance_method(:to_s).bind_call(self)
      end
      alias to_s inspect
    end
  end
end
