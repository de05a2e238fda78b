# frozen_string_literal: true

require "spec_helper"

# One entry point for every setting: the registry (TokenOxide::Settings),
# config.token_oxide / TokenOxide.configure, the old configure methods, and
# the README table, which must list exactly the registry.
RSpec.describe "TokenOxide configuration" do
  before(:all) { TokenOxideSpec.rails_app }
  after { TokenOxide.reset_configuration! }

  let(:configuration) { TokenOxide.configuration }

  it "is the object behind config.token_oxide in the app" do
    expect(Rails.application.config.token_oxide).to equal(configuration)
    expect(TokenOxide::Railtie.config.token_oxide).to equal(configuration)
  end

  it "raises for an unknown key in the app, naming it and listing the known ones" do
    expect { Rails.application.config.token_oxide.bogus = 1 }.to raise_error(TokenOxide::UnknownSetting) { |error|
      expect(error).to be_a(NoMethodError)
      expect(error.message).to include("config.token_oxide.bogus")
      TokenOxide::Settings.names(nil).each { |name| expect(error.message).to include(name.to_s) }
    }
    expect { configuration.bogus }.to raise_error(TokenOxide::UnknownSetting, /config\.token_oxide\.bogus;/)
    expect { configuration[:bogus] = 1 }.to raise_error(TokenOxide::UnknownSetting)
  end

  it "raises for unknown keys of the groups, through the old entry points too" do
    expect { TokenOxide::TokenAuthentication.configure { |c| c.falback = :none } }
      .to raise_error(TokenOxide::UnknownSetting, /config\.token_oxide\.token_authentication\.falback; known: fallback, /)
    expect { TokenOxide::TokenAuthenticatable.configure { |c| c.db_key_bas = "x" } }
      .to raise_error(TokenOxide::UnknownSetting, /token_authenticatable\.db_key_bas; known: db_key_base, /)
    expect { TokenOxide.configure { |c| c.token_authenticatable.bogus = 1 } }.to raise_error(TokenOxide::UnknownSetting)
  end

  it "holds every setting: the groups are the objects the old configure methods yield" do
    TokenOxide.configure do |c|
      c.eager_keys = true
      c.token_authentication.fallback = :none
      c.token_authenticatable.write_format = :gitlab
    end
    expect(configuration.eager_keys).to be(true)
    expect(TokenOxide::TokenAuthentication.configuration.fallback).to eq(:none)
    expect(TokenOxide::TokenAuthenticatable.configuration.write_format).to eq(:gitlab)
    TokenOxide::TokenAuthentication.configure { |c| c.fallback = :exception }
    expect(configuration.token_authentication.fallback).to eq(:exception)
    expect(configuration[:eager_keys]).to be(true)
  end

  it "has the registry's defaults, in every group's own class" do
    TokenOxide.reset_configuration!
    objects = { nil => TokenOxide::Configuration.new,
                token_authentication: TokenOxide::TokenAuthentication::Configuration.new,
                token_authenticatable: TokenOxide::TokenAuthenticatable::Configuration.new }
    TokenOxide::Settings::ALL.each do |setting|
      object = objects.fetch(setting.group)
      expect(object).to respond_to(:"#{setting.name}="), setting.path
      raw = setting.group ? object.instance_variable_get(:"@#{setting.name}") : object.public_send(setting.name)
      expected = setting.default.is_a?(Proc) ? setting.default.call : setting.default
      expect(raw).to eq(expected), setting.path
    end
    # and every writer of the group classes is registered
    %i[token_authentication token_authenticatable].each do |group|
      writers = objects[group].public_methods(false).grep(/\A[a-z_]+=\z/).map { |m| m.to_s.chomp("=").to_sym }
      expect(writers).to match_array(TokenOxide::Settings.names(group)), group.to_s
    end
  end

  it "turns eager_keys on by default in production only" do
    expect(Rails.env.production?).to be(false)
    expect(configuration.eager_keys).to be(false)
    allow(Rails).to receive(:env).and_return(ActiveSupport::StringInquirer.new("production"))
    expect(configuration.eager_keys).to be(true)
    configuration.eager_keys = false
    expect(configuration.eager_keys).to be(false)
  end

  it "warns when a boot setting is assigned after Rails read it (e.g. from config/initializers)" do
    configuration.boot_settings_read!
    expect(Kernel).to receive(:warn).with(/config\.token_oxide\.accelerate_message_verifiers is read while Rails boots.*config\/application\.rb/)
    configuration.accelerate_message_verifiers = false
    expect(Kernel).not_to receive(:warn)
    configuration.eager_keys = true
  end

  describe "README" do
    let(:readme) { File.read(File.expand_path("../../README.md", __dir__)) }

    def table_rows(text)
      section = text[/^## Configuration\n.*?(?=^## )/m] or raise "README has no Configuration section"
      section.scan(/^\| `(config\.token_oxide\.[a-z_.]+)` \| `([^`]*)` \|/)
    end

    it "lists exactly the registry's settings with their defaults" do
      expected = TokenOxide::Settings::ALL.map { |s| [s.path, s.shown_default] }
      expect(table_rows(readme)).to eq(expected),
                                    "README Configuration table must be:\n" +
                                    TokenOxide::Settings::ALL.map { |s| "| `#{s.path}` | `#{s.shown_default}` | #{s.doc} |" }.join("\n")
    end
  end
end
