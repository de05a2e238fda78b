# frozen_string_literal: true

require "spec_helper"
require "rbs"
require "active_record"
require "action_controller"
require "token_oxide/lazy_verifier" # loaded by the Railtie, not by token_oxide.rb

# sig/ must not rot: every public method of a class or module it describes
# has a signature there, and every signature names a method that exists.
# (`rake rbs:validate`, run by bin/test, checks that the types themselves
# are well formed.)
RSpec.describe "RBS signatures (sig/)" do
  sig_dir = File.expand_path("../../sig", __dir__)

  # The public API the signatures must cover (issue 12, item 6).
  required = %w[
    TokenOxide TokenOxide::Digest TokenOxide::MessageVerifier TokenOxide::MessageEncryptor
    TokenOxide::KeyGenerator TokenOxide::CachingKeyGenerator TokenOxide::LazyVerifier
    TokenOxide::TokenForVerifier TokenOxide::Configuration
    TokenOxide::TokenAuthentication::Configuration TokenOxide::TokenAuthenticatable::Configuration
    TokenOxide::Model::SecureToken::ClassMethods TokenOxide::Model::TokenFor::ClassMethods
    TokenOxide::Model::PasswordReset::ClassMethods TokenOxide::TokenAuthenticatable::ClassMethods
    TokenOxide::TokenAuthentication::Authenticatable::Macro TokenOxide::TokenAuthentication::Handler::Macro
    TokenOxide::Error TokenOxide::UnknownSetting TokenOxide::MissingTokenColumn
    TokenOxide::TokenAuthentication::NotAuthenticated TokenOxide::TokenAuthenticatable::UndecryptableToken
    TokenOxide::TokenAuthenticatable::LegacyStaticIvToken
    TokenOxide::MessageVerifier::InvalidSignature TokenOxide::MessageEncryptor::InvalidMessage
  ]

  # Public only because other files of the gem call them; not API.
  internal = {
    "TokenOxide::TokenAuthenticatable" => %i[app_environment fabricate normalize_key_base validate_options! validate_routable_token!],
    "TokenOxide::TokenAuthentication::Authenticatable" => %i[define_column_methods],
    "TokenOxide::Model::TokenFor" => %i[fixed_seconds lookup_id primary_key_of]
  }

  # Module name => { instance: [...], singleton: [...] } from every .rbs file.
  signatures = Hash.new { |h, k| h[k] = { instance: [], singleton: [] } }
  collect = lambda do |decl, outer|
    name = [outer, decl.name.to_s.delete_prefix("::")].compact.join("::")
    entry = signatures[name]
    decl.members.each do |member|
      case member
      when RBS::AST::Declarations::Class, RBS::AST::Declarations::Module
        collect.call(member, name)
      when RBS::AST::Members::MethodDefinition
        entry[:instance] << member.name if %i[instance singleton_instance].include?(member.kind)
        entry[:singleton] << member.name if %i[singleton singleton_instance].include?(member.kind)
      when RBS::AST::Members::AttrReader, RBS::AST::Members::AttrWriter, RBS::AST::Members::AttrAccessor
        names = []
        names << member.name unless member.is_a?(RBS::AST::Members::AttrWriter)
        names << :"#{member.name}=" unless member.is_a?(RBS::AST::Members::AttrReader)
        entry[member.kind == :singleton ? :singleton : :instance].concat(names)
      end
    end
  end
  Dir[File.join(sig_dir, "**", "*.rbs")].sort.each do |file|
    parsed = RBS::Parser.parse_signature(RBS::Buffer.new(name: file, content: File.read(file)))
    decls = RBS::VERSION >= "3" ? parsed.last : parsed # rbs 3 returns [buffer, directives, decls]
    decls.each { |decl| collect.call(decl, nil) }
  end

  # Methods named __x are the Rust binding's entry points, wrapped by Ruby methods.
  public_methods = lambda do |mod, singleton|
    owner = singleton ? mod.singleton_class : mod
    owner.public_instance_methods(false).reject { |m| m.to_s.start_with?("__") }
  end

  it "describes every class and module of the public API" do
    expect(required - signatures.keys).to be_empty
  end

  signatures.each do |name, declared|
    declares_methods = declared.values.any?(&:any?)
    # A declaration with no methods is only a namespace for the ones inside it.
    next unless declares_methods || required.include?(name)

    describe name do
      let(:mod) { Object.const_get(name) }

      it "has a signature for each public method" do
        missing = {
          instance: public_methods.call(mod, false) - declared[:instance] - internal.fetch(name, []),
          singleton: public_methods.call(mod, true) - declared[:singleton] - internal.fetch(name, [])
        }
        expect(missing).to eq(instance: [], singleton: [])
      end

      it "signs only methods that exist" do
        stale = {
          instance: declared[:instance].reject { |m| mod.method_defined?(m) || mod.private_method_defined?(m) },
          singleton: declared[:singleton].reject { |m| mod.respond_to?(m) }
        }
        expect(stale).to eq(instance: [], singleton: [])
      end
    end
  end
end
