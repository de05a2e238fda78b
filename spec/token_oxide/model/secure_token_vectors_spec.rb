# frozen_string_literal: true

require "spec_helper"

# spec/fixtures/rails-7.2/secure_token.json: facts about Rails' has_secure_token
# and behaviour checks, replayed against TokenOxide::Model. Behaviour cases are
# dispatched on what they expect, and their `definition` is evaluated in a
# fresh model, so other attribute names and lengths run the same way.
RSpec.describe "has_secure_token against the Rails 7.2 vectors" do
  cases = vectors("secure_token")
  alphabet = cases.find { |c| c["fact"] == "base58_alphabet" }.fetch("value")

  before(:all) do
    TokenOxideSpec.create_table(:dsl_secure_token_cases) do |t|
      t.string :name
    end
  end

  # A model whose table has a string column for +attribute+.
  def model_for(attribute)
    connection = ActiveRecord::Base.connection
    unless connection.column_exists?(:dsl_secure_token_cases, attribute)
      connection.add_column(:dsl_secure_token_cases, attribute, :string)
    end
    klass = DslSpec.model("Widget", table: :dsl_secure_token_cases)
    klass.reset_column_information
    klass
  end

  def in_alphabet?(token, alphabet)
    token.each_char.all? { |c| alphabet.include?(c) }
  end

  cases.select { |c| c["kind"] == "fact" }.each do |kase|
    it "#{kase['id']}: #{kase['fact']} (#{kase['note'][0, 80]})" do
      widget = model_for(:token)
      case kase["fact"]
      when "base58_alphabet"
        seen = Array.new(400) { widget.generate_unique_secure_token }.join.chars.uniq
        expect(seen.sort).to eq(kase["value"].chars.sort)
        expect(kase["value"].size).to eq(kase["size"])
      when "base58_default_length"
        # The gem leaves SecureRandom itself alone.
        require "active_support/core_ext/securerandom"
        expect(SecureRandom.base58.length).to eq(kase["value"])
      when "minimum_token_length"
        expect(TokenOxide::Model::SecureToken::MINIMUM_TOKEN_LENGTH).to eq(kase["value"])
        expect { widget.has_secure_token(length: kase["value"] - 1) }.to raise_error(ActiveRecord::SecureToken::MinimumLengthError)
        expect { widget.has_secure_token(length: kase["value"]) }.not_to raise_error
      when "default_length"
        rails_parameters = eval(kase["value"]) # rubocop:disable Security/Eval
        ours = widget.method(:has_secure_token).parameters
        expect(ours.first(rails_parameters.size)).to eq(rails_parameters)
        expect(widget.generate_unique_secure_token.length).to eq(kase["value_int"])
      when "default_attribute"
        widget.has_secure_token
        expect(widget.create!.public_send(kase["value"]).length).to eq(24)
        expect(widget.new).to respond_to("regenerate_#{kase['value']}")
      when "generate_secure_token_on_framework_default"
        if ActiveRecord.respond_to?(:generate_secure_token_on)
          expect(TokenOxide::Model::SecureToken.default_on).to eq(ActiveRecord.generate_secure_token_on)
        else
          expect(TokenOxide::Model::SecureToken.default_on).to eq(kase["value"].to_sym)
        end
      when "generate_secure_token_on_with_load_defaults_7_1_plus"
        allow(ActiveRecord).to receive(:generate_secure_token_on).and_return(kase["value"].to_sym)
        expect(TokenOxide::Model::SecureToken.default_on).to eq(kase["value"].to_sym)
        widget.has_secure_token
        expect(widget.new.token).to be_present
      when "generator"
        token = widget.generate_unique_secure_token(length: 40)
        expect(token.length).to eq(40)
        expect(in_alphabet?(token, alphabet)).to be(true)
      else
        raise "unknown fact #{kase['fact']}"
      end
    end
  end

  cases.select { |c| c["kind"] == "behaviour" }.each do |kase|
    it "#{kase['id']}: #{kase['definition']} -> #{kase['check']}" do
      code, comment = kase["definition"].split("#", 2)
      expected = kase["expected"]

      if code.strip.start_with?("has_secure_token")
        attribute = code[/has_secure_token\s+:(\w+)/, 1] || "token"
        widget = model_for(attribute)
        # The vectors came from a load_defaults 7.2 app; its default is noted in the comment.
        default_on = comment.to_s[/on: :(\w+)/, 1]
        allow(ActiveRecord).to receive(:generate_secure_token_on).and_return(default_on.to_sym) if default_on
        define = -> { widget.class_eval(code) }
      else
        widget = model_for(:token)
      end

      if expected.key?("raises")
        expect(&define).to raise_error(Object.const_get(expected.dig("raises", "class")), expected.dig("raises", "message"))
      elsif expected.key?("lengths")
        samples = Array.new(2000) { widget.generate_unique_secure_token }
        expect(samples.map(&:length).uniq).to eq(expected["lengths"])
        expect(samples.join.chars.uniq.reject { |c| alphabet.include?(c) }).to eq(expected["chars_outside_alphabet"])
        expect(samples.join.chars.uniq.size).to eq(expected["distinct_chars_seen"])
      elsif expected.key?("present")
        define.call
        token = widget.new.public_send(attribute)
        expect(token.present?).to eq(expected["present"])
        expect(token.length).to eq(expected["length"])
        expect(in_alphabet?(token, alphabet)).to eq(expected["all_chars_in_base58_alphabet"])
      elsif expected.key?("after_create_length")
        define.call
        record = widget.new
        expect(record.public_send(attribute)).to eq(expected["after_new"])
        record.save!
        expect(record.public_send(attribute).length).to eq(expected["after_create_length"])
        expect(in_alphabet?(record.public_send(attribute), alphabet)).to eq(expected["all_chars_in_base58_alphabet"])
      elsif expected.key?("value")
        define.call
        expect(widget.create!(attribute => expected["value"]).public_send(attribute)).to eq(expected["value"])
      elsif expected.key?("changed")
        define.call
        record = widget.create!
        before = record.public_send(attribute)
        record.public_send("regenerate_#{attribute}")
        after = record.public_send(attribute)
        expect(after != before).to eq(expected["changed"])
        expect(after.length).to eq(expected["length"])
        expect(widget.find(record.id).public_send(attribute) == after).to eq(expected["persisted_equals_memory"])
      elsif expected.key?("after_first_save_length")
        expect { define.call }.not_to raise_error if expected["definition_error"].nil?
        record = widget.new
        expect(record.public_send(attribute)).to eq(expected["after_new"])
        record.save!
        first = record.public_send(attribute)
        expect(first.length).to eq(expected["after_first_save_length"])
        record.update!(name: "saved again")
        expect(record.reload.public_send(attribute) == first).to eq(expected["unchanged_by_later_save"])
      else
        raise "unknown behaviour check #{expected.keys.inspect}"
      end
    end
  end
end
