# frozen_string_literal: true

require_relative "token_migration"

module TokenOxide
  module Generators
    # rails g token_oxide:token_field Runner token --encrypted|--digest [--expires]
    #
    # The columns add_authentication_token_field needs (README "GitLab-style
    # token fields"): <field>_encrypted (encrypted: :required), <field>_digest
    # (digest: true) or <field> (plaintext), each with a unique index since
    # find_by_<field> looks tokens up by it; <field>_expires_at with --expires.
    class TokenFieldGenerator < ::Rails::Generators::Base
      include TokenMigration

      desc "Writes a migration adding a GitLab-style token field's columns (add_authentication_token_field)"
      argument :model, type: :string, banner: "Model"
      argument :field, type: :string, default: "token", banner: "field"
      class_option :encrypted, type: :boolean, default: false, desc: "encrypted: :required (<field>_encrypted)"
      class_option :digest, type: :boolean, default: false, desc: "digest: true (<field>_digest)"
      class_option :expires, type: :boolean, default: false, desc: "expires_at: (<field>_expires_at)"

      def create_migration_file
        raise ArgumentError, "--encrypted and --digest exclude each other: pick one storage" if options[:encrypted] && options[:digest]

        stored = if options[:encrypted] then "#{field}_encrypted"
                 elsif options[:digest] then "#{field}_digest"
                 else field
                 end
        columns = [[stored, :string, true]]
        columns << ["#{field}_expires_at", :datetime, false] if options[:expires]
        write_migration("add_#{stored}_to_#{table_name}", columns)
      end
    end
  end
end
