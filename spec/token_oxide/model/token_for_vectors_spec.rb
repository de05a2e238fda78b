# frozen_string_literal: true

require "spec_helper"
require "time"
require "bigdecimal"

# Every case of spec/fixtures/rails-7.2/token_for.json, replayed on real Active
# Record models built from the case data (class names, table, primary key,
# columns), so a held-back set with other names runs the same way.
RSpec.describe "generates_token_for against the Rails 7.2 vectors" do
  # A column type that stores the recorded value faithfully.
  def self.column_type(name, value)
    case value
    when Integer then [:integer, {}]
    when Float then [:float, {}]
    when true, false then [:boolean, {}]
    when /\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/ then [:datetime, { precision: 6 }]
    when /\A-?\d+\.\d+\z/ then [:decimal, { precision: 20, scale: 10 }]
    when nil then name.end_with?("_at") ? [:datetime, { precision: 6 }] : [:string, {}]
    else [:string, {}]
    end
  end

  def self.create_schema(kase)
    table = kase.dig("model", "table_name")
    primary_key = kase.dig("model", "primary_key")
    record = kase["record"]
    id_type = record[primary_key].is_a?(Integer) ? :primary_key : :string
    TokenOxideSpec.create_table(table, id: id_type, primary_key: primary_key) do |t|
      record.each do |column, value|
        next if column == primary_key

        type, options = column_type(column, value)
        t.column(column, type, **options)
      end
    end
  end

  def self.definition_args(kase)
    definition = kase["definition"]
    expires_in = eval(definition["expires_in_ruby"].sub(/\s*\(.*\)\s*\z/, "")) # rubocop:disable Security/Eval
    block_source = definition["block_ruby"]
    block = block_source == "(no block)" ? nil : eval("proc #{block_source}") # rubocop:disable Security/Eval
    [definition["purpose"].to_sym, expires_in, block]
  end

  # The case's classes by name: the defining class, an STI subclass when the
  # record's class differs, and a same-table twin with the same definition for
  # any other class a lookup uses (so only the class name tells them apart).
  def self.build_models(kase, verifier)
    model = kase["model"]
    purpose, expires_in, block = definition_args(kase)
    define = ->(klass) { klass.generates_token_for(purpose, expires_in: expires_in, &block) }
    classes = {}
    classes[model["defining_class"]] = DslSpec.model(model["defining_class"], table: model["table_name"], verifier: verifier)
    define.call(classes[model["defining_class"]])
    if model["class_name"] != model["defining_class"]
      classes[model["class_name"]] = DslSpec.model(model["class_name"], parent: classes[model["defining_class"]])
    end
    # The classes are anonymous, so a "type" column is resolved through them.
    DslSpec.sti_base(classes[model["defining_class"]], classes) if kase["record"].key?("type")
    kase["lookups"].map { |l| l["finder_class"] }.uniq.each do |name|
      next if classes.key?(name)

      classes[name] = DslSpec.model(name, table: model["table_name"], verifier: verifier)
      define.call(classes[name])
    end
    define_other_purposes(kase, classes)
    classes
  end

  # The recording app's models declared more purposes than the case's one; a
  # "wrong purpose" lookup needs the other purpose to exist (only an unknown
  # purpose raises KeyError). Its definition is taken from the case that
  # records it, when the file has one.
  def self.define_other_purposes(kase, classes)
    kase["lookups"].each do |lookup|
      next if lookup.dig("expected", "error", "class") == "KeyError"

      klass = classes.fetch(lookup["finder_class"])
      purpose = lookup["purpose"].to_sym
      next if klass.token_definitions.key?(purpose)

      source = vectors("token_for").find do |other|
        other.dig("model", "defining_class") == lookup["finder_class"] && other.dig("definition", "purpose") == lookup["purpose"]
      end
      _, expires_in, block = source ? definition_args(source) : [purpose, nil, nil]
      klass.generates_token_for(purpose, expires_in: expires_in, &block)
    end
  end

  vectors("token_for").each do |kase|
    context "#{kase['id']}: #{kase['note']}" do
      let(:kase) { kase }
      let(:verifier) { DslSpec.verifier(kase["secret_key_base"]) }
      let(:classes) { self.class.build_models(kase, verifier) }
      let(:record_class) { classes.fetch(kase.dig("model", "class_name")) }
      let(:primary_key) { kase.dig("model", "primary_key") }
      let(:definition) { record_class.token_definitions.fetch(kase.dig("definition", "purpose").to_sym) }

      before(:all) { self.class.create_schema(kase) }

      # The recorded row, fresh; returned reloaded from the database.
      def reset_record
        record_class.unscoped.delete_all
        created = record_class.create!(kase["record"])
        record_class.unscoped.find(created.id)
      end

      before { DslSpec.at(self, Time.iso8601(kase["now"])) }

      it "derives the recorded verifier key from secret_key_base" do
        expect(TokenOxide::TokenForVerifier.derive_key(kase["secret_key_base"]).unpack1("H*"))
          .to eq(kase.dig("verifier", "secret_hex"))
      end

      it "builds the recorded purpose and payload" do
        record = reset_record
        expect(definition.full_purpose).to eq(kase["full_purpose"])
        expect(definition.payload_for(record)).to eq(kase["payload"])
      end

      it "generates the recorded token byte for byte" do
        record = reset_record
        expect(record.generate_token_for(kase.dig("definition", "purpose").to_sym)).to eq(kase["expected_token"])
      end

      kase["lookups"].each_with_index do |lookup, index|
        it "lookup #{index + 1}: #{lookup['finder']} (#{lookup['scenario']})" do
          reset_record
          if (change = lookup["record_change_before_lookup"])
            classes.fetch(change["class"]).unscoped.find(change["primary_key"]).update_columns(change["set_attributes"])
          end
          if (deleted = lookup["record_deleted_before_lookup"])
            classes.fetch(deleted["class"]).unscoped.where(primary_key => deleted["primary_key"]).delete_all
          end
          DslSpec.at(self, Time.iso8601(lookup["now"]))

          finder = classes.fetch(lookup["finder_class"])
          finder = finder.where(lookup["relation_where"]) if lookup["relation_where"]
          run = -> { finder.public_send(lookup["method"], lookup["purpose"].to_sym, lookup["token"]) }
          expected = lookup["expected"]

          case expected["outcome"]
          when "record"
            found = run.call
            expect(found.class.name).to eq(expected["class"])
            expect(found.id).to eq(expected["primary_key"])
          when "nil"
            expect(run.call).to be_nil
          when "raises"
            expect(&run).to raise_error(Object.const_get(expected.dig("error", "class")), expected.dig("error", "message"))
          else
            raise "unknown outcome #{expected['outcome'].inspect}"
          end
        end
      end
    end
  end
end
