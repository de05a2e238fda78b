# frozen_string_literal: true

module TokenOxide
  module CookieJars
    # Whether token_oxide's chain for a cookie jar can stand in for the one
    # Rails built: same number of links, and for each link pair, with the
    # calls and options a jar makes (its codecs see serialized Strings, and
    # the metadata `purpose: "cookie.<name>"`, `expires_at:` or `expires_in:`):
    #
    # * signed jar: our link signs byte for byte as Rails' link does (no
    #   random part: equal bytes mean equal key, digest and envelope);
    # * encrypted jar: encryption draws a fresh IV, so bytes cannot match;
    #   instead ours has the same length as Rails' message (GCM and CBC keep
    #   the plaintext's length, so the same envelope length), Rails' link
    #   reads ours, and both refuse it for another purpose or once expired;
    # * both: our chain reads what each of Rails' links writes (rotations
    #   included), and refuses what Rails' chain refuses.
    class Probe
      PURPOSE = "cookie.token_oxide_probe"
      OTHER_PURPOSE = "cookie.token_oxide_other"
      # Three consecutive lengths (strict and URL-safe base64 differ only in
      # padding for some), a Marshal dump, JSON text and non-ASCII text.
      VALUES = ["token_oxide probe", "token_oxide probe!", "token_oxide probe!!", Marshal.dump("probe"),
                '{"id":1,"name":"probe"}', "pr\u00f6be \u2603"].map(&:freeze).freeze
      NOOP = -> {}

      # +exact_encoding+: whether a String read back must also carry the
      # encoding Rails' codec gives it. Rails' own cookie serializers
      # (:marshal, :json, :hybrid, :message_pack) load the same value from
      # the same bytes whatever their tag (Active Support 6.1's codecs tag
      # them UTF-8 as a side effect of trying JSON, ours binary), so for
      # them bytes are compared; a serializer object of the app's own gets
      # exactly Rails' Strings or Rails' codec stays.
      def initialize(kind, exact_encoding:)
        @kind = kind
        @exact_encoding = exact_encoding
      end

      # nil when ours stands in, else why not (for the log).
      def difference(rails_chain, ours)
        kind = @kind
        return "token_oxide cannot build it" if ours.nil?

        rails_links = links(rails_chain)
        our_links = links(ours)
        return "a chain of #{rails_links.size} codecs, token_oxide's has #{our_links.size}" unless rails_links.size == our_links.size

        rails_links.zip(our_links).each_with_index do |(rails_link, our_link), index|
          reason = kind == :signed ? signed_difference(rails_link, our_link) : encrypted_difference(rails_link, our_link)
          reason ||= chain_read_difference(kind, rails_chain, ours, rails_link)
          return "#{index.zero? ? "the current secret" : "rotation #{index}"}: #{reason}" if reason
        end
        nil
      rescue StandardError => e
        "the probe raised #{e.class}"
      end

      def links(chain)
        rotations = chain.instance_variable_get(:@rotations)
        [chain, *(rotations.is_a?(Array) ? rotations : [])]
      end

      # The deterministic metadata a jar passes (no metadata, purpose, a
      # fixed expiry in the future and one in the past).
      def fixed_options
        [{ expires_at: nil }, { expires_at: nil, purpose: PURPOSE },
         { expires_at: Time.utc(2100, 1, 2, 3, 4, 5.678r), purpose: PURPOSE },
         { expires_at: Time.utc(2001, 1, 1), purpose: PURPOSE }]
      end

      # A cookie set with `expires: 1.hour` (what the jar turns into expires_in:).
      def relative_options
        hour = defined?(::ActiveSupport::Duration) ? ::ActiveSupport::Duration.build(3600) : 3600
        [{ expires_in: hour, purpose: PURPOSE }]
      end

      def all_options
        fixed_options + relative_options
      end

      def signed_difference(rails_link, our_link)
        return "not token_oxide's verifier" unless our_link.is_a?(MessageVerifier)

        fixed_options.each do |options|
          VALUES.each do |value|
            return "signs differently with #{options.keys.join(", ")}" unless rails_link.generate(value, **options) == our_link.generate(value, **options)
          end
        end
        relative_options.each do |options|
          VALUES.each do |value|
            mine = our_link.generate(value, **options)
            expected = rails_link.verified(rails_link.generate(value, **options), purpose: PURPOSE)
            return "Rails cannot read its expiring message" unless same_read?(rails_link.verified(mine, purpose: PURPOSE), expected)
          end
        end
        nil
      end

      def encrypted_difference(rails_link, our_link)
        return "not token_oxide's encryptor" unless our_link.is_a?(MessageEncryptor)

        all_options.each do |options|
          purpose = options[:purpose]
          VALUES.each do |value|
            mine = our_link.encrypt_and_sign(value, **options)
            theirs = rails_link.encrypt_and_sign(value, **options)
            return "messages of another length" unless mine.bytesize == theirs.bytesize
            return "Rails reads its message differently" unless same_read?(rails_link.decrypt_and_verify(mine, purpose: purpose),
                                                                           rails_link.decrypt_and_verify(theirs, purpose: purpose))
            return "Rails takes its message for another purpose" if purpose && !rails_link.decrypt_and_verify(mine, purpose: OTHER_PURPOSE).nil?
          end
        end
        nil
      end

      # Our whole chain against Rails' whole chain, on what +link+ writes.
      def chain_read_difference(kind, rails_chain, ours, link)
        all_options.each do |options|
          VALUES.each do |value|
            message = kind == :signed ? link.generate(value, **options) : link.encrypt_and_sign(value, **options)
            [options[:purpose], OTHER_PURPOSE, nil].uniq.each do |purpose|
              return "reads Rails' messages differently" unless same_read?(read(kind, ours, message, purpose), read(kind, rails_chain, message, purpose))
            end
            return "reads a tampered message" unless read(kind, ours, "#{message}x", options[:purpose]).nil?
          end
        end
        nil
      end

      # Equal values, and for Strings the same encoding (the jar's codecs
      # hand back binary Strings, which its serializer then loads).
      def same_read?(ours, theirs)
        return ours == theirs unless ours.is_a?(String) && theirs.is_a?(String)

        @exact_encoding ? ours == theirs && ours.encoding == theirs.encoding : ours.b == theirs.b
      end

      # What a jar's parse gets: the value, or nil (encrypted jars turn an
      # InvalidMessage into nil).
      def read(kind, codec, message, purpose)
        if kind == :signed
          codec.verified(message, purpose: purpose, on_rotation: NOOP)
        else
          begin
            codec.decrypt_and_verify(message, purpose: purpose, on_rotation: NOOP)
          rescue ::ActiveSupport::MessageEncryptor::InvalidMessage, ::ActiveSupport::MessageVerifier::InvalidSignature
            nil
          end
        end
      end
    end
  end
end
