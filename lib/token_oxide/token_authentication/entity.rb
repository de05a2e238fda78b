# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # One `acts_as_token_authentication_handler_for` declaration: which model,
    # under which name, identified by what, and where its credentials travel.
    class Entity
      attr_reader :model, :name

      # model      - the Active Record class
      # as:        - the name used in params, headers and helpers (default: model name, underscored)
      # identifier - attribute looked up before the token is compared (default
      #              from the configuration, else :email); false looks the
      #              record up by token digest alone, allowed only with store: :digest
      # header_names - { authentication_token: "X-…", <identifier>: "X-…" }
      # devise     - nil: use Devise when it maps this model; true/false: force
      #
      # identifier and header_names given here win; when absent they are read
      # from the configuration on every request, as simple_token_authentication
      # reads its globals (an initializer that runs after the controller is
      # loaded still takes effect).
      def initialize(model, as: nil, identifier: nil, header_names: nil, devise: nil,
                     configuration: nil)
        @model = model
        @name = (as || model.name.underscore.tr("/", "_")).to_sym
        @identifier = identifier.nil? ? nil : (identifier && identifier.to_sym)
        @header_names = header_names&.to_h&.transform_keys(&:to_sym)
        @configuration = configuration
        @devise = devise
        check_identifier!
      end

      def identifier
        @identifier.nil? ? configuration.identifier_for(name) : @identifier
      end

      def token_header
        names = header_names
        names[:authentication_token] || names[:token] || "X-#{name.to_s.camelize}-Token"
      end

      def identifier_header
        key = identifier
        return nil unless key

        names = header_names
        names[key] || names[:identifier] || "X-#{name.to_s.camelize}-#{key.to_s.camelize}"
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

      def configuration
        @configuration || TokenAuthentication.configuration
      end

      def header_names
        @header_names || configuration.header_names_for(name)
      end

      def check_identifier!
        return unless @identifier == false
        return if token_options.digest?

        raise ArgumentError, "identifier: false needs #{model.name} to store digests " \
                             "(acts_as_token_authenticatable store: :digest); a plaintext token must not be looked up alone"
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
