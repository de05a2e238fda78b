# frozen_string_literal: true

module TokenOxide
  # A verifier whose key is derived on first use, so that booting an app needs
  # no secret_key_base (`RAILS_ENV=production rails assets:precompile` in a
  # Docker build has none). Until then it holds only the block that builds the
  # real verifier; a missing secret surfaces as Rails' own error at the first
  # token generated or read. `warm_up!` builds it ahead, e.g. before Puma
  # forks its workers, so they share the derived key.
  class LazyVerifier
    # @yieldreturn [MessageVerifier] the real verifier, built on first use
    # @raise [ArgumentError] without a block
    def initialize(&builder)
      raise ArgumentError, "LazyVerifier needs a block that builds the verifier" unless builder

      @builder = builder
      @verifier = nil
      @lock = Mutex.new
    end

    # The real verifier, built once (a failed build is retried next time).
    #
    # @return [MessageVerifier] what the block returned
    # @raise whatever the block raises (e.g. Rails' missing secret_key_base error)
    def verifier
      @verifier || @lock.synchronize { @verifier ||= @builder.call }
    end
    alias warm_up! verifier

    # @return [Boolean] whether the real verifier exists yet
    def built?
      !@verifier.nil?
    end

    def generate(...) = verifier.generate(...)
    def verify(...) = verifier.verify(...)
    def verified(...) = verifier.verified(...)
    def valid_message?(...) = verifier.valid_message?(...)

    def method_missing(name, *args, **kwargs, &block)
      return super unless verifier.respond_to?(name)

      verifier.public_send(name, *args, **kwargs, &block)
    end

    def respond_to_missing?(name, include_private = false)
      (built? && verifier.respond_to?(name, include_private)) || super
    end

    # Never shows the key; says whether it has been derived yet.
    def inspect
      "#<#{self.class.name} #{built? ? 'built' : 'not built yet'}>"
    end
    alias to_s inspect
  end
end
