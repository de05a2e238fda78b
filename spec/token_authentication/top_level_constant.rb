# frozen_string_literal: true

# The test apps define their models and controllers as top-level constants
# (Rails 6.1 caches controller constants per route, so each name is set
# once per process and a second setup replaces it rather than warning).
module TopLevelConstant
  def self.replace(name, value)
    Object.send(:remove_const, name) if Object.const_defined?(name, false)
    Object.const_set(name, value)
  end
end
