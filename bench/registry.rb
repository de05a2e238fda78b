# frozen_string_literal: true

module TokenOxideBench
  # One benchmarked operation: a pure-Ruby side and a token_oxide side fed the
  # same inputs. `build` is run lazily (only when the op is selected and what
  # it needs is loaded) and returns a Hash:
  #   ruby:  -> { ... }   the pure-Ruby path (ActiveSupport 6.1 / Devise / OpenSSL)
  #   oxide: -> { ... }   the token_oxide path
  #   check: ->(ruby_result, oxide_result) { true }   optional sanity check run
  #          once before timing, so a benchmark cannot silently measure
  #          something else (e.g. an op that raises or returns nil).
  Op = Struct.new(:name, :group, :note, :needs, :target, :build, keyword_init: true) do
    # nil when the op can run, else why not (a missing class from a branch
    # that has not landed, or a missing gem).
    def missing
      needs.each do |need|
        const, meth = need.split(".", 2)
        return "#{const} is not defined" unless Object.const_defined?(const)

        # const_get also runs an autoload, which may fail on a partial branch.
        return "#{need} is not defined" if meth && !Object.const_get(const).respond_to?(meth)

        Object.const_get(const)
      end
      nil
    rescue NameError, LoadError => e
      "#{e.class}: #{e.message}"
    end
  end

  module_function

  def registry
    @registry ||= []
  end

  # Register an op. `needs` lists constants ("TokenOxide::MessageVerifier") or
  # singleton methods ("TokenOxide.base58") that must exist; `target` is the
  # speed-up issue 6 asks for (nil when none); `note` goes into the table.
  def op(name, group:, needs: [], target: nil, note: nil, &build)
    raise ArgumentError, "duplicate bench op #{name.inspect}" if registry.any? { |o| o.name == name }

    registry << Op.new(name: name, group: group, note: note, needs: Array(needs), target: target, build: build)
  end
end
