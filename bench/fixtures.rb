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
