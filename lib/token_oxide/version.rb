# frozen_string_literal: true

module TokenOxide
  VERSION = "0.1.0"
end
