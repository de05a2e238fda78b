# frozen_string_literal: true

module TokenOxide
  # A model lacks a column its token declaration needs. Raised from every
  # token path (writes, reads, lookups, request authentication) before the
  # database is asked, instead of a raw SQL error in some paths, a silent
  # nil in others. An ArgumentError, as the encrypted: :required check that
  # GitLab's code raises always was. The message names the model and the
  # column and the generator that writes the migration.
  class MissingTokenColumn < ArgumentError
    attr_reader :model_name, :column

    def initialize(model_name, column, needed_by, fix = nil)
      @model_name = model_name
      @column = column.to_s
      super("#{model_name} has no #{@column} column (needed by #{needed_by})#{fix ? "; #{fix}" : ''}")
    end

    # Raises for the first of +columns+ the model's table lacks. Cheap: Active
    # Record caches the column list.
    def self.check!(model, columns, needed_by, fix = nil)
      present = model.columns_hash
      missing = columns.find { |column| !present.key?(column.to_s) }
      raise new(model.name, missing, needed_by, fix) if missing
    end
  end
end
