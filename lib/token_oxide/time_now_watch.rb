# frozen_string_literal: true

module TokenOxide
  # Tells the extension when `Time.now` may have changed, so expiry can read
  # the realtime clock itself while `Time.now` is Ruby's own method (what that
  # method returns, without the call and its Time object) and call `Time.now`
  # through Ruby whenever anything else answers it: `travel_to`, Timecop,
  # rspec-mocks, an alias, a prepended module (ext/token_oxide/src/messages/clock.rs).
  #
  # What a `Time.now` call runs can change in two ways only, and both are
  # watched: a method named `now` defined, aliased, removed or undefined on
  # Time's singleton class (the singleton_method_* hooks below, in a
  # prepended module so an app's own hook cannot shadow them), or a module
  # prepended to that singleton class (its `prepend`). Modules it includes
  # come after its own `now` and cannot override it. Not seen: Module#prepend
  # reached around the singleton's own `prepend` (`instance_method(:prepend)
  # .bind_call`) or rb_prepend_module called from C; both bypass what any
  # library could hook.
  module TimeNowWatch
    # Time's singleton-method hooks.
    module MethodHooks
      private

      def singleton_method_added(name)
        TimeNowWatch.changed if name == :now
        super
      end

      def singleton_method_removed(name)
        TimeNowWatch.changed if name == :now
        super
      end

      def singleton_method_undefined(name)
        TimeNowWatch.changed if name == :now
        super
      end
    end

    # Time.singleton_class.prepend(mod). Reported before (a module's own
    # prepend_features may read the clock) and after (its `prepended` may).
    module PrependHook
      def prepend(*modules)
        TimeNowWatch.changed
        super
      ensure
        TimeNowWatch.changed
      end
    end

    class << self
      def changed
        Native.time_now_changed
      end

      # Whether `Time.now` runs the original method right now: asked by the
      # extension once after each change.
      def genuine?
        ancestors = Time.singleton_class.ancestors
        ancestors[0].equal?(MethodHooks) && ancestors[1].equal?(Time.singleton_class) &&
          Time.method(:now) == @original
      rescue StandardError
        false
      end

      # Installs the hooks when `Time.now` is Ruby's own at load (with
      # Timecop or a stub already in place, every expiry read calls it).
      def install
        now = Time.method(:now)
        return unless now.owner.equal?(Time.singleton_class) && now.source_location&.first == "<internal:timev>"

        Time.singleton_class.prepend(MethodHooks)
        Time.singleton_class.extend(PrependHook)
        # Frozen: nothing can be included into or prepended to them unseen.
        MethodHooks.freeze
        PrependHook.freeze
        @original = Time.method(:now)
        Native.watch_time_now
      end
    end
  end
end

TokenOxide::TimeNowWatch.install
