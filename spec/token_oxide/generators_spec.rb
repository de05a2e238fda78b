# frozen_string_literal: true

require "spec_helper"
require "tmpdir"
require "fileutils"

# The generators, run by Rails::Generators (railties 6.1 on Debian 12, 7.2
# on Debian 13) against an empty app directory; the migrations they write
# are then run against SQLite.
RSpec.describe "token_oxide generators" do
  before(:all) do
    TokenOxideSpec.rails_app # the initializer's Rails.env.production? needs a Rails app
    require "rails/generators"
    require "active_record"
  end

  around do |example|
    Dir.mktmpdir("token_oxide-generators") do |dir|
      @root = dir
      example.run
    end
  end

  def generate(name, *args)
    Rails::Generators.invoke("token_oxide:#{name}", [*args, "--quiet"], destination_root: @root, behavior: :invoke, quiet: true)
  end

  def migrations
    Dir[File.join(@root, "db/migrate/*.rb")].sort
  end

  # Runs every generated migration on a fresh in-memory SQLite database
  # holding +table+, and returns { column => type } and the indexes.
  def migrated_schema(table)
    connection_class = Class.new(ActiveRecord::Base) { self.abstract_class = true }
    stub_const("TokenOxideGeneratorSpecBase", connection_class)
    connection_class.establish_connection(adapter: "sqlite3", database: ":memory:")
    connection = connection_class.connection
    connection.create_table(table) { |t| t.string :name }
    migrations.each do |file|
      load file
      klass = File.basename(file, ".rb").sub(/\A\d+_/, "").camelize.constantize
      klass.new.exec_migration(connection, :up)
      Object.send(:remove_const, klass.name)
    end
    columns = connection.columns(table).to_h { |c| [c.name, c.type] }
    indexes = connection.indexes(table).map { |i| [i.columns, i.unique] }
    [columns, indexes]
  ensure
    connection_class&.remove_connection
  end

  it "install writes an initializer listing every setting at its default, which loads" do
    generate("install")
    text = File.read(File.join(@root, "config/initializers/token_oxide.rb"))
    TokenOxide::Settings::ALL.each do |setting|
      name = setting.boot ? setting.path : "c.#{[setting.group, setting.name].compact.join('.')}"
      expect(text).to include("#{name} = #{setting.shown_default}"), setting.path
    end
    expect(RubyVM::InstructionSequence.compile(text)).to be_truthy
    # Uncommented, the non-boot lines assign every default without raising.
    eval_text = text.lines.map { |l| l.sub(/\A  # (c\.)/, '  \1') }.join
    expect { eval(eval_text, binding, "token_oxide.rb") }.not_to raise_error # rubocop:disable Security/Eval
  ensure
    TokenOxide.reset_configuration!
  end

  it "token_field --digest --expires adds token_digest (unique) and token_expires_at, and migrates" do
    generate("token_field", "Runner", "token", "--digest", "--expires")
    expect(migrations.map { |f| File.basename(f) }).to contain_exactly(/\A\d{14}_add_token_digest_to_runners\.rb\z/)
    columns, indexes = migrated_schema(:runners)
    expect(columns).to include("token_digest" => :string, "token_expires_at" => :datetime)
    expect(indexes).to include([["token_digest"], true])
  end

  it "token_field --encrypted adds token_encrypted with a unique index, and nothing else" do
    generate("token_field", "CiRunner", "runners_token", "--encrypted")
    columns, indexes = migrated_schema(:ci_runners)
    expect(columns.keys).to contain_exactly("id", "name", "runners_token_encrypted")
    expect(indexes).to eq([[["runners_token_encrypted"], true]])
  end

  it "token_field without a storage option adds the plaintext column" do
    generate("token_field", "Runner")
    columns, indexes = migrated_schema(:runners)
    expect(columns).to include("token" => :string)
    expect(indexes).to eq([[["token"], true]])
  end

  it "token_authenticatable writes the request handler's columns (plaintext default, --digest, --expires)" do
    generate("token_authenticatable", "User")
    generate("token_authenticatable", "ApiClient", "--column", "api_token", "--digest", "--expires")
    files = migrations.map { |f| File.basename(f).sub(/\A\d+_/, "") }
    expect(files).to contain_exactly("add_authentication_token_to_users.rb", "add_api_token_digest_to_api_clients.rb")
    text = File.read(migrations.find { |f| f.end_with?("api_clients.rb") })
    expect(text).to include("add_column :api_clients, :api_token_digest, :string",
                            "add_index :api_clients, :api_token_digest, unique: true",
                            "add_column :api_clients, :api_token_expires_at, :datetime",
                            "ActiveRecord::Migration[#{ActiveRecord::Migration.current_version}]")
  end

  it "the generated columns are what the declarations need (no MissingTokenColumn)" do
    generate("token_field", "GenRunner", "token", "--encrypted", "--expires")
    columns, = migrated_schema(:gen_runners)
    expect(columns.keys).to include("token_encrypted", "token_expires_at")
  end
end
