# frozen_string_literal: true

# Helpers to turn the Rails 7.2 message vectors into TokenOxide objects.
module MessageVectors
  module_function

  def secret(config)
    [config.fetch("secret_hex")].pack("H*")
  end

  def serializer(name)
    name == "JSON" ? ::JSON : name.to_sym
  end

  def verifier_options(config)
    options = {}
    options[:digest] = config["digest"] if config.key?("digest")
    options[:url_safe] = config["url_safe"] if config.key?("url_safe")
    options[:serializer] = serializer(config["serializer"]) if config.key?("serializer")
    options[:force_legacy_metadata_serializer] = config["force_legacy_metadata_serializer"] if config.key?("force_legacy_metadata_serializer")
    options
  end

  def value(kase, key = "value")
    json = kase["#{key}_json"]
    json ? JSON.parse(json) : kase[key]
  end

  def purpose(options)
    return nil unless options.key?("purpose")

    options["purpose_type"] == "symbol" ? options["purpose"].to_sym : options["purpose"]
  end

  def generate_options(options)
    result = {}
    result[:purpose] = purpose(options) if options.key?("purpose")
    result[:expires_in] = options["expires_in_seconds"] if options.key?("expires_in_seconds")
    result[:expires_at] = Time.iso8601(options["expires_at"]) if options.key?("expires_at")
    result
  end

  def verify_options(options)
    options.key?("purpose") ? { purpose: purpose(options) } : {}
  end

  # Runs the block with Time.now frozen at +iso+.
  def at(iso, &block)
    frozen = Time.iso8601(iso)
    Time.singleton_class.send(:alias_method, :__vectors_now, :now)
    Time.define_singleton_method(:now) { frozen }
    block.call
  ensure
    Time.singleton_class.send(:alias_method, :now, :__vectors_now)
    Time.singleton_class.send(:remove_method, :__vectors_now)
  end

  # Runs the block (which builds the verifier: the switch is read then) with
  # TokenOxide's envelope switch set to +flag+, then restores it.
  def with_modern_envelope(flag)
    before = TokenOxide::Messages.use_message_serializer_for_metadata
    TokenOxide::Messages.use_message_serializer_for_metadata = flag
    yield
  ensure
    TokenOxide::Messages.use_message_serializer_for_metadata = before
  end

  # [:value, v] / [:raises, class name]
  def outcome
    [:value, yield]
  rescue StandardError => e
    [:raises, e]
  end
end
