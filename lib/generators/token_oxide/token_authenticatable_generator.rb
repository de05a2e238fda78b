# frozen_string_literal: true

require_relative "token_migration"

module TokenOxide
  module Generators
    # rails g token_oxide:token_authenticatable ApiClient [--column api_token] [--digest] [--expires]
    #
    # The columns acts_as_token_authenticatable needs (README "Token
    # authentication for API controllers"): <column> (plaintext, as
    # simple_token_authentication) or <column>_digest (store: :digest), with a
    # unique index, and <column>_expires_at with --expires (expires_in:).
    class TokenAuthenticatableGenerator < ::Rails::Generators::Base
      include TokenMigration

      desc "Writes a migration adding acts_as_token_authenticatable's token columns"
      argument :model, type: :string, banner: "Model"
      class_option :column, type: :string, default: "authentication_token", desc: "column: (default authentication_token)"
      class_option :digest, type: :boolean, default: false, desc: "store: :digest (<column>_digest)"
      class_option :expires, type: :boolean, default: false, desc: "expires_in: (<column>_expires_at)"

      def create_migration_file
        column = options[:column]
        stored = options[:digest] ? "#{column}_digest" : column
        columns = [[stored, :string, true]]
        columns << ["#{column}_expires_at", :datetime, false] if options[:expires]
        write_migration("add_#{stored}_to_#{table_name}", columns)
      end
    end
  end
end
