# frozen_string_literal: true

require "rails/generators"
require "rails/generators/migration"
require "rails/generators/active_record"

module TokenOxide
  module Generators
    # What the token-column generators share: a migration adding columns
    # (with a unique index on the column lookups search) to a model's table.
    module TokenMigration
      extend ActiveSupport::Concern
      include ::Rails::Generators::Migration

      class_methods do
        def next_migration_number(dirname)
          ::ActiveRecord::Generators::Base.next_migration_number(dirname)
        end
      end

      private

      def table_name
        model.to_s.underscore.tr("/", "_").pluralize
      end

      # +columns+: [[name, type, unique?], ...]
      def write_migration(file_name, columns)
        set_migration_assigns!("db/migrate/#{file_name}.rb")
        class_name = file_name.camelize
        version = ::ActiveRecord::Migration.current_version
        body = columns.map do |name, type, unique|
          line = "    add_column :#{table_name}, :#{name}, :#{type}"
          unique ? "#{line}\n    add_index :#{table_name}, :#{name}, unique: true" : line
        end
        create_migration("db/migrate/%migration_number%_#{file_name}.rb", nil) do
          "# frozen_string_literal: true\n\nclass #{class_name} < ActiveRecord::Migration[#{version}]\n" \
            "  def change\n#{body.join("\n")}\n  end\nend\n"
        end
      end
    end
  end
end
