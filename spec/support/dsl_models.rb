# frozen_string_literal: true

# Helpers for the Rails DSL specs (has_secure_token, generates_token_for,
# password reset). Models are anonymous classes that report a chosen name, so
# spec families never fight over global constants such as User.
require "openssl"

module DslSpec
  SECRET_KEY_BASE = "dsl-spec-secret-key-base-" + ("fedcba9876543210" * 6)

  module_function

  # An Active Record model called +name+ on +table+, with TokenOxide::Model.
  # +parent+ makes an STI subclass instead.
  def model(name, table: nil, parent: nil, verifier: nil, &block)
    klass = Class.new(parent || ActiveRecord::Base)
    klass.define_singleton_method(:name) { name }
    klass.define_singleton_method(:to_s) { name }
    klass.define_singleton_method(:inspect) { name }
    unless parent
      klass.table_name = table
      klass.include(TokenOxide::Model)
      klass.generated_token_verifier = verifier if verifier
    end
    klass.class_eval(&block) if block
    klass
  end

  # STI subclasses are found through this registry (the classes are anonymous).
  def sti_base(klass, registry)
    klass.define_singleton_method(:sti_class_for) { |type_name| registry.fetch(type_name) }
  end

  # The verifier a Rails 7.1+ app would give generates_token_for.
  def verifier(secret_key_base = SECRET_KEY_BASE)
    TokenOxide::TokenForVerifier.build(secret_key_base)
  end

  # Freeze Time.now (the clock the verifiers read) at +time+.
  def at(example, time)
    example.allow(Time).to example.receive(:now).and_return(time)
  end
end
