# frozen_string_literal: true

module TokenOxide
  # Base class of every error this gem raises on its own account.
  class Error < StandardError; end
end
