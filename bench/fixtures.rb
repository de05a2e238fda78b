# frozen_string_literal: true

require "json"
require "active_support"
require "active_support/json"

module TokenOxideBench
  # Inputs shared by the message ops, so both sides sign the same values.
  module Fixtures
    SECRET = ("bench-secret-" * 8).b.freeze
    KEY32 = ("k" * 32).b.freeze

    # Rails 7.1+'s `:json` serializer is ActiveSupport::JSON encode/decode;
    # ActiveSupport 6.1 has no such serializer object, so this is its closest
    # equivalent (same encoder, same escaping).
    module AsJson
      module_function

      def dump(value)
        ActiveSupport::JSON.encode(value)
      end

      def load(text)
        ActiveSupport::JSON.decode(text)
      end
    end

    # Active Support 7.1+ has the app's own paths: the `:json` serializer
    # and the 7.1+ `_rails` envelope, which `load_defaults 7.1`+ switches on
    # (Metadata.use_message_serializer_for_metadata) and this bench sets
    # likewise. A serializer object (AsJson) would put 7.1+ back on the
    # pre-7.1 envelope, a path a default app never takes. 6.1 has neither,
    # so its Ruby side stays AsJson with the pre-7.1 envelope.
    MODERN = ActiveSupport.gem_version >= Gem::Version.new("7.1")
    ActiveSupport::Messages::Metadata.use_message_serializer_for_metadata = true if MODERN

    # The Ruby side's serializer for the JSON message rows.
    RUBY_JSON = MODERN ? :json : AsJson

    # The note a metadata row carries on Active Support before 7.1, where
    # token_oxide follows it (Messages::Defaults) and both sides write the
    # pre-7.1 envelope; nil on 7.1+, where both write the 7.1+ one.
    LEGACY_ENVELOPE_NOTE = MODERN ? nil : "AS #{ActiveSupport.gem_version.segments.first(2).join(".")}: both sides write the pre-7.1 envelope"

    module_function

    # A typical token payload.
    def small_payload
      { "user_id" => 42, "email" => "alice@example.com", "scope" => "password_reset" }
    end

    # About 4 KiB of JSON: records with strings, numbers, booleans and nesting.
    def payload_4k
      records = []
      records << { "id" => records.size, "name" => "user #{records.size}", "admin" => records.size.even?,
                   "roles" => %w[reader writer], "score" => records.size * 1.5 } while JSON.generate(records).bytesize < 4000
      { "records" => records }
    end
  end
end
