# frozen_string_literal: true

require "active_support/testing/time_helpers"
require_relative "gitlab_reference"

# Shared set-up of the token_authenticatable specs: one key configuration and
# named model classes (prefixed TaSpec) over SQLite tables of the shared
# spec database.
module TaSpecSupport
  DB_KEY_BASE = "ta-spec-db-key-base-0123456789abcdef0123456789abcdef0123456789abcdef"

  module_function

  def configure!(**settings)
    TokenOxide::TokenAuthenticatable.reset_configuration!
    TokenOxide::TokenAuthenticatable.configure do |c|
      c.db_key_base = DB_KEY_BASE
      c.key_iterations = 1000 # keeps the spec fast; the default is 2**16
      settings.each { |name, value| c.public_send(:"#{name}=", value) }
    end
  end

  def table(name, plaintext: true, digest: false, encrypted: false)
    TokenOxideSpec.create_table(name) do |t|
      t.string :name
      t.string :token if plaintext
      t.string :token_digest if digest
      t.string :token_encrypted if encrypted
      t.datetime :token_expires_at
    end
  end

  def clear(*tables)
    tables.each { |name| ActiveRecord::Base.connection.execute("DELETE FROM #{name}") }
  end

  # A fresh model class named +const+ over +table+, with the concern included
  # and the block evaluated in its body.
  def model(const, table, &body)
    Object.send(:remove_const, const) if Object.const_defined?(const, false)
    klass = Class.new(ActiveRecord::Base) do
      self.table_name = table
      include TokenOxide::TokenAuthenticatable
    end
    Object.const_set(const, klass)
    klass.class_eval(&body) if body
    klass
  end
end
