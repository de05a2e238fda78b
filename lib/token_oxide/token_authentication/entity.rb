# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # One `acts_as_token_authentication_handler_for` declaration: which model,
    # under which name, identified by what, and where its credentials travel.
    class Entity
      attr_reader :model, :name, :identifier, :token_header, :identifier_header

      # model      - the Active Record class
      # as:        - the name used in params, headers and helpers (default: model name, underscored)
      # identifier - attribute looked up before the token is compared (default
      #              from the configuration, else :email); false looks the
      #              record up by token digest alone, allowed only with store: :digest
      # header_names - { authentication_token: "X-…", <identifier>: "X-…" }
      # devise     - nil: use Devise when it maps this model; true/false: force
      def initialize(model, as: nil, identifier: nil, header_names: nil, devise: nil,
                     configuration: TokenAuthentication.configuration)
        @model = model
        @name = (as || model.name.underscore.tr("/", "_")).to_sym
        @identifier = identifier.nil? ? configuration.identifier_for(@name) : identifier
        @identifier = @identifier.to_sym if @identifier
        @devise = devise
        check_identifier!
        assign_header_names((header_names || configuration.header_names_for(@name)).transform_keys(&:to_sym))
      end

      def token_param
        :"#{name}_token"
      end

      def identifier_param
        identifier && :"#{name}_#{identifier}"
      end

      # The model's acts_as_token_authenticatable options; a model without the
      # macro is treated as simple_token_authentication's plaintext column.
      def token_options
        if model.respond_to?(:token_authentication_options)
          model.token_authentication_options
        else
          Authenticatable::Options.new(column: :authentication_token, store: :plaintext, expires_in: nil)
        end
      end

      # The identifier and token columns a request needs (MissingTokenColumn
      # before any SQL, rather than a raw SQL error or every request failing).
      def check_columns!
        if identifier
          MissingTokenColumn.check!(model, [identifier], "acts_as_token_authentication_handler_for identifier: #{identifier.inspect}")
        end
        token_options.check_columns!(model)
      end

      # The Devise scope that maps this model, or nil when Devise is absent,
      # disabled for this handler, or maps no such model. Looked up on first
      # use because routes (and so Devise mappings) are drawn after controllers.
      def devise_scope
        return nil if @devise == false || !defined?(::Devise) || !::Devise.respond_to?(:mappings)

        @devise_scope ||= find_devise_scope || (@devise ? raise(ArgumentError, "Devise has no mapping for #{model.name}") : nil)
      end

      private

      def check_identifier!
        return if identifier || token_options.digest?

        raise ArgumentError, "identifier: false needs #{model.name} to store digests " \
                             "(acts_as_token_authenticatable store: :digest); a plaintext token must not be looked up alone"
      end

      def assign_header_names(names)
        camel = name.to_s.camelize
        @token_header = names[:authentication_token] || names[:token] || "X-#{camel}-Token"
        @identifier_header = identifier && (names[identifier] || names[:identifier] || "X-#{camel}-#{identifier.to_s.camelize}")
      end

      def find_devise_scope
        mappings = ::Devise.mappings
        named = mappings[name]
        return named.name if named && model <= named.to

        mappings.each_value.find { |mapping| model <= mapping.to }&.name
      end
    end
  end
end
