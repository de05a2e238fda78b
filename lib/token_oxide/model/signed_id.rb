# frozen_string_literal: true

module TokenOxide
  module Model
    # Active Record's signed ids (`signed_id`, `find_signed`, `find_signed!`,
    # 6.1+) signed and read by token_oxide. Where the app did not assign a
    # verifier, Rails builds its default (SHA256, the JSON module, and on 7.1+
    # url_safe) from `signed_id_verifier_secret`; ours is then built from the
    # same secret and options and takes its place only if it signs the probes
    # byte for byte as Rails' does. Prepended to ActiveRecord::Base's
    # singleton class by the Railtie, so every model (each builds its own,
    # as in Rails) goes through it.
    module SignedId
      def signed_id_verifier
        return super if !Model.accelerate || !SignedId.accelerate || instance_variable_get(:@signed_id_verifier)

        rails_verifier = super
        ours = SignedId.counterpart(rails_verifier, signed_id_verifier_secret)
        @signed_id_verifier = ours if ours
        @signed_id_verifier
      end

      class << self
        # config.token_oxide.accelerate_signed_ids (Railtie).
        attr_writer :accelerate

        def accelerate
          @accelerate.nil? ? true : @accelerate
        end

        # Ours for Rails' default signed-id verifier, or nil when it would
        # not sign the same bytes (or Rails' is not the default kind).
        def counterpart(rails_verifier, secret)
          return nil unless rails_verifier.instance_of?(::ActiveSupport::MessageVerifier)

          secret = secret.call if secret.respond_to?(:call)
          url_safe = rails_verifier.instance_variable_get(:@url_safe) ? true : false
          ours = MessageVerifier.new(secret, digest: "SHA256", serializer: ::JSON, url_safe: url_safe)
          ours if VerifierFactory.same_output?(rails_verifier, ours)
        rescue StandardError
          nil
        end
      end
    end
  end
end
