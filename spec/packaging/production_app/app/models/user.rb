# frozen_string_literal: true

# generates_token_for is Rails 7.1+'s, or token_oxide's backport on 6.1/7.0
# (absent in plain Rails 6.1, hence the guard).
class User < ApplicationRecord
  has_secure_token
  generates_token_for :activation, expires_in: 1.hour if respond_to?(:generates_token_for)
end
