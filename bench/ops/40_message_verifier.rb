# frozen_string_literal: true

require "active_support"
require "active_support/message_verifier"
require "active_support/core_ext/integer/time"
require_relative "../fixtures"

# MessageVerifier generate / verified: AS 6.1 vs TokenOxide, both with JSON
# (ActiveSupport::JSON on the Ruby side, :json on ours) and the same secret,
# digest and payload. On AS 6.1 both write its pre-7.1 metadata envelope
# (token_oxide follows the loaded Active Support); on AS 7.1+ both use `:json`
# and the 7.1+ envelope (Fixtures::MODERN), the path of a default app.
module TokenOxideBench
  VERIFIER_CASES = [
    { label: "SHA1, small, no metadata", digest: "SHA1", payload: :small_payload, opts: {} },
    { label: "SHA256, small, no metadata", digest: "SHA256", payload: :small_payload, opts: {} },
    { label: "SHA256, small, purpose+expiry", digest: "SHA256", payload: :small_payload,
      opts: { purpose: "password_reset", expires_in: 15 * 60 }, target: 40 },
    { label: "SHA256, small, url_safe", digest: "SHA256", payload: :small_payload, opts: {}, url_safe: true },
    { label: "SHA256, 4 KiB, no metadata", digest: "SHA256", payload: :payload_4k, opts: {} }
  ].freeze

  def self.verifier_pair(c)
    oxide_opts = { digest: c[:digest], serializer: :json }
    oxide_opts[:url_safe] = true if c[:url_safe]
    ruby_opts = { digest: c[:digest], serializer: Fixtures::RUBY_JSON }
    ruby_opts[:url_safe] = true if c[:url_safe] && Fixtures::MODERN
    [ActiveSupport::MessageVerifier.new(Fixtures::SECRET, **ruby_opts), TokenOxide::MessageVerifier.new(Fixtures::SECRET, **oxide_opts)]
  end

  def self.verifier_note(c)
    notes = []
    notes << Fixtures::LEGACY_ENVELOPE_NOTE if c[:opts].any? && Fixtures::LEGACY_ENVELOPE_NOTE
    notes << "AS 6.1 has no url_safe: Ruby side is its strict base64" if c[:url_safe] && !Fixtures::MODERN
    notes.empty? ? nil : notes.join("; ")
  end

  VERIFIER_CASES.each do |c|
    op "MessageVerifier#generate (#{c[:label]})", group: "message_verifier",
                                                  needs: %w[TokenOxide::MessageVerifier], target: c.fetch(:target, 30),
                                                  note: verifier_note(c) do
      ruby, oxide = verifier_pair(c)
      value = Fixtures.public_send(c[:payload])
      opts = c[:opts]
      {
        ruby: -> { ruby.generate(value, **opts) },
        oxide: -> { oxide.generate(value, **opts) },
        # Each side's token must verify to the same value on both sides
        # (url_safe on AS 6.1 is the exception: its Ruby side is strict base64).
        check: lambda do |r, o|
          purpose = opts.slice(:purpose)
          readers = c[:url_safe] && !Fixtures::MODERN ? [[ruby, r], [oxide, o]] : [ruby, oxide].product([r, o])
          readers.all? { |verifier, token| verifier.verified(token, **purpose) == value }
        end
      }
    end

    op "MessageVerifier#verified (#{c[:label]})", group: "message_verifier",
                                                  needs: %w[TokenOxide::MessageVerifier], target: c.fetch(:target, 30),
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
