# frozen_string_literal: true

require "concurrent/map"
require "token_oxide/cookie_jars/probe"

module TokenOxide
  # Action Dispatch's signed and encrypted cookie jars (and so the
  # CookieStore session, which is the encrypted jar, or the signed one
  # without secret_key_base) served by token_oxide's codecs.
  #
  # Rails builds a jar's codec on every request, from the request's cookie
  # settings (key generator, salts, digests, cipher, cookies_rotations).
  # The first time a jar class meets a given set of settings, Rails' own
  # jar code builds its chain as always, then the same code builds it again
  # with token_oxide's classes standing in for ActiveSupport's (a fiber-local
  # switch, CookieJars::BuildOurs), and Probe compares the two link by link.
  # Ours is kept for those settings only if the probe passes; otherwise Rails'
  # chain is, and the reason is reported once. Later requests with the same
  # settings skip building any codec and get the one ours that was probed
  # (codecs hold no per-request state: on_rotation comes with each read).
  #
  # Serialization (:marshal, :json, :hybrid, :message_pack) is the jar's own
  # work, outside the codec, and stays Rails'; so does everything else a jar
  # does (same_site, domain, expiry of the cookie itself, overflow checks).
  module CookieJars
    BUILDING = :token_oxide_cookie_jars_building
    # What a jar built by Rails holds after initialize; anything else means
    # a jar token_oxide does not know, which is then left to Rails.
    JAR_STATE = { signed: %i[@parent_jar @verifier], encrypted: %i[@parent_jar @encryptor] }.freeze
    KEPT = Object.new.freeze # cache value: Rails' chain stays for these settings

    # Redirects ActiveSupport::MessageVerifier.new / MessageEncryptor.new to
    # token_oxide's class while this fiber builds ours (and only then).
    module BuildOurs
      def new(*args, **options, &block)
        ours = Thread.current[BUILDING] && CookieJars.counterpart_class(self)
        ours ? ours.new(*args, **options, &block) : super
      end
    end

    # Prepended to SignedKeyRotatingCookieJar and EncryptedKeyRotatingCookieJar.
    module Jar
      def initialize(parent_jar)
        CookieJars.initialize_jar(self, parent_jar) { super(parent_jar) }
      end
    end

    class << self
      # config.token_oxide.accelerate_cookies (Railtie); may be flipped at runtime.
      attr_writer :enabled
      attr_accessor :report

      def enabled?
        @enabled ? true : false
      end

      # Hooks Action Dispatch's jars (idempotent). Returns false when this
      # Action Dispatch has no such jars.
      def install(&report)
        require "action_dispatch/middleware/cookies"
        cookies = ::ActionDispatch::Cookies
        return false unless cookies.const_defined?(:SignedKeyRotatingCookieJar) &&
                            cookies.const_defined?(:EncryptedKeyRotatingCookieJar) &&
                            cookies.const_defined?(:AbstractCookieJar)

        @report = report if report
        @enabled = true
        jar_classes.each { |klass| klass.prepend(Jar) unless klass.include?(Jar) }
        [::ActiveSupport::MessageVerifier, ::ActiveSupport::MessageEncryptor].each do |klass|
          klass.singleton_class.prepend(BuildOurs) unless klass.singleton_class.include?(BuildOurs)
        end
        true
      rescue LoadError
        false
      end

      def jar_classes
        [::ActionDispatch::Cookies::SignedKeyRotatingCookieJar, ::ActionDispatch::Cookies::EncryptedKeyRotatingCookieJar]
      end

      # Only ActiveSupport's own classes (not subclasses) are stood in for.
      def counterpart_class(klass)
        if klass.equal?(::ActiveSupport::MessageVerifier) then MessageVerifier
        elsif klass.equal?(::ActiveSupport::MessageEncryptor) then MessageEncryptor
        end
      end

      # The settings decided; forgets them (tests, or an app that changes
      # its secret or rotations at runtime gets a new probe anyway).
      def reset!
        cache.clear
      end

      # The codecs decided so far, as [jar kind, codec class or :kept] pairs.
      def decisions
        list = []
        cache.each_pair { |key, value| list << [key.first, value.equal?(KEPT) ? :kept : value.class] }
        list
      end

      def initialize_jar(jar, parent_jar, &rails_initialize)
        return rails_initialize.call unless enabled?

        kind = jar.is_a?(::ActionDispatch::Cookies::EncryptedKeyRotatingCookieJar) ? :encrypted : :signed
        key = settings_key(kind, parent_jar.request)
        codec = cache[key] || decide(key, kind, jar, parent_jar, &rails_initialize)
        return if codec.equal?(:just_built)
        return rails_initialize.call if codec.equal?(KEPT)

        # Rails' AbstractCookieJar#initialize (sets the parent jar), then
        # ours in place of the codec Rails would have built.
        ::ActionDispatch::Cookies::AbstractCookieJar.instance_method(:initialize).bind_call(jar, parent_jar)
        jar.instance_variable_set(JAR_STATE.fetch(kind).last, codec)
      end

      private

      def cache
        @cache ||= Concurrent::Map.new
      end

      # Everything Rails' jar initializers read from the request. The
      # rotation lists are copied (deeply) so a later change to them is a
      # different key; secrets are kept only here, never shown.
      def settings_key(kind, request)
        rotations = request.cookies_rotations
        [kind, request.key_generator, request.secret_key_base, request.signed_cookie_salt,
         request.encrypted_cookie_salt, request.encrypted_signed_cookie_salt,
         request.authenticated_encrypted_cookie_salt, request.use_authenticated_cookie_encryption,
         request.encrypted_cookie_cipher, request.signed_cookie_digest, request.cookies_digest,
         request.cookies_serializer, rotations && rotations.public_send(kind)]
      end

      # First request with these settings: Rails' chain, ours, the probe.
      # The jar ends up holding whichever is used; returns :just_built.
      def decide(key, kind, jar, parent_jar, &rails_initialize)
        ivar = JAR_STATE.fetch(kind).last
        rails_initialize.call
        rails_codec = jar.instance_variable_get(ivar)
        ours, reason = build_ours(kind, jar, ivar, &rails_initialize)
        jar.instance_variable_set(ivar, rails_codec)
        serializer = parent_jar.request.cookies_serializer
        reason ||= Probe.new(kind, exact_encoding: !(serializer.nil? || serializer.is_a?(Symbol))).difference(rails_codec, ours)
        if reason
          store(key, KEPT)
          @report&.call("token_oxide: kept Rails' #{kind} cookie jar codec (#{reason})")
        else
          store(key, ours)
          jar.instance_variable_set(ivar, ours)
        end
        :just_built
      end

      def build_ours(kind, jar, ivar, &rails_initialize)
        return [nil, "the jar holds #{jar.instance_variables.sort.inspect}, unknown to token_oxide"] unless jar.instance_variables.sort == JAR_STATE.fetch(kind).sort

        Thread.current[BUILDING] = true
        rails_initialize.call
        [jar.instance_variable_get(ivar), nil]
      rescue StandardError, LoadError => e
        [nil, "token_oxide cannot build it: #{e.class}"]
      ensure
        Thread.current[BUILDING] = nil
      end

      # The rotation lists are the request's own objects: the stored key
      # gets a copy, so a later change to them makes a different key.
      def store(key, value)
        stored = key.dup
        stored[-1] = copy_rotations(stored[-1])
        cache.put_if_absent(stored.freeze, value)
      end

      def copy_rotations(list)
        Marshal.load(Marshal.dump(list))
      rescue TypeError # e.g. a lambda among the options: copy the lists themselves
        list&.map { |entry| entry.dup }
      end
    end
  end
end
