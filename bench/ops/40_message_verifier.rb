# frozen_string_literal: true

require "active_support"
require "active_support/message_verifier"
require "active_support/core_ext/integer/time"
require_relative "../fixtures"

# MessageVerifier generate / verified: AS 6.1 vs TokenOxide, both with JSON
# (ActiveSupport::JSON on the Ruby side, :json on ours) and the same secret,
# digest and payload. AS 6.1 writes the pre-7.1 metadata envelope; token_oxide
# writes the 7.1+ one (the format Rails 7.1+/8 use), so the token bytes differ.
module TokenOxideBench
  VERIFIER_CASES = [
    { label: "SHA1, small, no metadata", digest: "SHA1", payload: :small_payload, opts: {} },
    { label: "SHA256, small, no metadata", digest: "SHA256", payload: :small_payload, opts: {} },
    { label: "SHA256, small, purpose+expiry", digest: "SHA256", payload: :small_payload,
      opts: { purpose: "password_reset", expires_in: 15 * 60 } },
    { label: "SHA256, small, url_safe", digest: "SHA256", payload: :small_payload, opts: {}, url_safe: true },
    { label: "SHA256, 4 KiB, no metadata", digest: "SHA256", payload: :payload_4k, opts: {} }
  ].freeze

  def self.verifier_pair(c)
    ruby = ActiveSupport::MessageVerifier.new(Fixtures::SECRET, digest: c[:digest], serializer: Fixtures::AsJson)
    oxide_opts = { digest: c[:digest], serializer: :json }
    oxide_opts[:url_safe] = true if c[:url_safe]
    [ruby, TokenOxide::MessageVerifier.new(Fixtures::SECRET, **oxide_opts)]
  end

  def self.verifier_note(c)
    notes = ["AS 6.1 writes the pre-7.1 envelope"] if c[:opts].any?
    notes = [*notes, "AS 6.1 has no url_safe: Ruby side is its strict base64"] if c[:url_safe]
    notes&.join("; ")
  end

  VERIFIER_CASES.each do |c|
    op "MessageVerifier#generate (#{c[:label]})", group: "message_verifier",
                                                  needs: %w[TokenOxide::MessageVerifier], target: 30,
                                                  note: verifier_note(c) do
      ruby, oxide = verifier_pair(c)
      value = Fixtures.public_send(c[:payload])
      opts = c[:opts]
      {
        ruby: -> { ruby.generate(value, **opts) },
        oxide: -> { oxide.generate(value, **opts) },
        # Each side's token must verify (on its own side) to the same value.
        check: lambda do |r, o|
          purpose = opts.slice(:purpose)
          ruby.verified(r, **purpose) == value && oxide.verified(o, **purpose) == value
        end
      }
    end

    op "MessageVerifier#verified (#{c[:label]})", group: "message_verifier",
                                                  needs: %w[TokenOxide::MessageVerifier], target: 30,
                                                  note: verifier_note(c) do
      ruby, oxide = verifier_pair(c)
      value = Fixtures.public_send(c[:payload])
      purpose = c[:opts].slice(:purpose)
      ruby_token = ruby.generate(value, **c[:opts])
      oxide_token = oxide.generate(value, **c[:opts])
      {
        ruby: -> { ruby.verified(ruby_token, **purpose) },
        oxide: -> { oxide.verified(oxide_token, **purpose) },
        check: ->(r, o) { r == value && o == value }
      }
    end
  end
end
