# frozen_string_literal: true

# Loaded with `ruby -r` before one of Rails' own test files (rake rails_tests):
# after ActiveSupport is loaded, the names Rails' tests and Rails' own code use
# resolve to token_oxide's classes.
#
# * ActiveSupport::MessageVerifier, ::MessageEncryptor, ::KeyGenerator and
#   ::CachingKeyGenerator become subclasses of token_oxide's classes, named
#   as Rails names them (so inspect reads "#<ActiveSupport::MessageVerifier:0x...>").
#   Constants nested in Rails' class that ours lacks are copied over, so
#   ActiveSupport::MessageEncryptor::OpenSSLCipherError etc. still resolve;
#   InvalidSignature/InvalidMessage resolve to ours, which subclass Rails'.
# * ActiveSupport::Messages::SerializerWithFallback[name] and its SERIALIZERS
#   table give token_oxide's serializers (:json, :message_pack, ...).
# * ActiveSupport::SecurityUtils's two functions call token_oxide's.
# * Active Record gets what the Railtie installs on ActiveRecord::Base
#   (has_secure_token drawing from the Rust generator); a verifier a test
#   builds with ActiveSupport::MessageVerifier.new is ours by the above.
#
# Rails code loaded earlier that captured the old class object (none of the
# files these tests use does) would keep Rails' class: the swap happens
# before the test file and its helper load anything else.
require "openssl"
require "active_support"
require "active_support/message_verifier"
require "active_support/message_encryptor"
require "active_support/key_generator"
require "active_support/security_utils"
require "active_support/messages/serializer_with_fallback"
require "token_oxide"

module TokenOxideRailsTests
  RAILS_CLASSES = {
    MessageVerifier: TokenOxide::MessageVerifier,
    MessageEncryptor: TokenOxide::MessageEncryptor,
    KeyGenerator: TokenOxide::KeyGenerator,
    CachingKeyGenerator: TokenOxide::CachingKeyGenerator,
  }.freeze

  def self.substitute(name, ours)
    rails = ActiveSupport.const_get(name, false)
    ActiveSupport.send(:remove_const, name)
    replacement = Class.new(ours)
    ActiveSupport.const_set(name, replacement)
    rails.constants(false).each do |constant|
      replacement.const_set(constant, rails.const_get(constant, false)) unless ours.const_defined?(constant)
    end
  end

  RAILS_CLASSES.each { |name, ours| substitute(name, ours) }

  # The `serializer:` symbols resolve to token_oxide's serializers, which
  # Rails' serializer tests then exercise (SerializerWithFallback[:json] etc.).
  fallback = ActiveSupport::Messages::SerializerWithFallback
  fallback.send(:remove_const, :SERIALIZERS)
  fallback.const_set(:SERIALIZERS, TokenOxide::Messages::Serializers::BY_NAME)
  fallback.define_singleton_method(:[]) { |format| TokenOxide::Messages::Serializers::BY_NAME.fetch(format) }

  ActiveSupport::SecurityUtils.module_eval do
    def fixed_length_secure_compare(a, b) = TokenOxide.fixed_length_secure_compare(a, b)
    def secure_compare(a, b) = TokenOxide.secure_compare(a, b)
    module_function :fixed_length_secure_compare, :secure_compare
  end

  ActiveSupport.on_load(:active_record) do
    require "token_oxide/railtie"
    TokenOxide::Railtie.install_model(self)
  end
end
