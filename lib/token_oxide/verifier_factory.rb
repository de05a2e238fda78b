# frozen_string_literal: true

module TokenOxide
  # Makes a Rails 7.1+ `ActiveSupport::MessageVerifiers` factory (the app's
  # `Rails.application.message_verifiers`, behind `message_verifier(name)`)
  # hand out token_oxide verifiers, one salt at a time and only where they
  # are proven to be the same: for each salt the factory builds Rails' chain
  # (the verifier and its rotations) as it always does, then the same chain
  # with token_oxide's class, and keeps ours only if every link signs the
  # probes byte for byte as Rails' link does and reads Rails' tokens. Any
  # difference, or an error building ours, keeps Rails' chain for that salt,
  # reported once through +report+.
  #
  #   TokenOxide::VerifierFactory.install(Rails.application.message_verifiers) { |msg| Rails.logger.info(msg) }
  #
  # Codecs are built on first use of a salt, as Rails builds them, so
  # installing needs no secret. The factory's rotation settings are untouched.
  module VerifierFactory
    PROBES = (0..2).map { |n| [1, { "token_oxide" => "probe#{"!" * n}" }] }.freeze
    PROBE_PURPOSE = "token_oxide/probe"
    PROBE_READ = { purpose: PROBE_PURPOSE, on_rotation: -> {} }.freeze

    class << self
      # Whether this ActiveSupport's factory has the hooks this relies on.
      def supported?(factory)
        defined?(::ActiveSupport::MessageVerifiers) && factory.is_a?(::ActiveSupport::MessageVerifiers) &&
          factory.class.private_method_defined?(:build_with_rotations) && factory.class.private_method_defined?(:build)
      end

      # Whether +app+'s message_verifiers factory has the hook.
      def installed?(app)
        app.respond_to?(:message_verifiers) && app.message_verifiers.singleton_class.include?(Hooks)
      end

      # Returns true when installed, false when this factory cannot take it.
      # Salts in +keep_rails+ always get Rails' chain (the per-area switches,
      # e.g. "ActiveStorage" when accelerate_active_storage is false).
      def install(factory, keep_rails: [], &report)
        return false unless supported?(factory)
        return true if factory.singleton_class.include?(Hooks)

        factory.instance_variable_set(:@token_oxide_report, report)
        factory.instance_variable_set(:@token_oxide_keep_rails, keep_rails.map(&:to_s).freeze)
        factory.singleton_class.prepend(Hooks)
        true
      end

      # Probes without expiry are deterministic, so equal bytes mean equal
      # key, digest, serializer and envelope. They are one byte apart because
      # strict and URL-safe base64 differ only in padding when the text has
      # no "+" or "/": of three consecutive lengths at least one is padded,
      # in either envelope (one probe alone missed url_safe: under Marshal
      # and the pre-7.1 envelope).
      def same_output?(rails_verifier, ours)
        PROBES.all? do |probe|
          rails_verifier.generate(probe, purpose: PROBE_PURPOSE) == ours.generate(probe, purpose: PROBE_PURPOSE)
        end
      end

      # Ours is used only if each link of the chain signs like Rails' link
      # and the whole chain reads what each of Rails' links signs (with a
      # no-op on_rotation, so the app's callback does not see the probes).
      def same_chain?(rails_chain, ours)
        rails_links = links(rails_chain)
        our_links = links(ours)
        rails_links.size == our_links.size && rails_links.zip(our_links).all? do |rails_link, our_link|
          our_link.is_a?(MessageVerifier) && same_output?(rails_link, our_link) &&
            PROBES.all? { |probe| ours.verified(rails_link.generate(probe, purpose: PROBE_PURPOSE), **PROBE_READ) == probe }
        end
      end

      # The verifier followed by its rotations, as Messages::Rotator keeps them.
      def links(verifier)
        rotations = verifier.instance_variable_get(:@rotations)
        [verifier, *(rotations.is_a?(Array) ? rotations : [])]
      end
    end

    # Prepended to one factory object's singleton class.
    module Hooks
      BUILDING = :token_oxide_verifier_factory_building
      private

      def build_with_rotations(salt)
        rails_chain = super
        return rails_chain if @token_oxide_keep_rails&.include?(salt.to_s)

        ours = token_oxide_chain(salt)
        return ours if ours && VerifierFactory.same_chain?(rails_chain, ours)

        @token_oxide_report&.call("token_oxide: kept Rails' MessageVerifier for #{salt.to_s.inspect} " \
                                  "(#{ours ? "token_oxide's would sign differently" : "token_oxide cannot build it"})")
        rails_chain
      end

      # The same chain, built by Rails' own code with our class. The switch
      # is fiber-local: another thread building a salt at the same time
      # must still get Rails' chain to compare with.
      def token_oxide_chain(salt)
        Thread.current[BUILDING] = self
        method(:build_with_rotations).super_method.call(salt)
      rescue StandardError, LoadError
        nil
      ensure
        Thread.current[BUILDING] = nil
      end

      def build(salt, secret_generator:, secret_generator_options:, **options)
        return super unless Thread.current[BUILDING].equal?(self)

        MessageVerifier.new(secret_generator.call(salt, **secret_generator_options), **options)
      end
    end
  end
end
