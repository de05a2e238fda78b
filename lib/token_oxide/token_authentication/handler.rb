# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # The controller side: `acts_as_token_authentication_handler_for`.
    #
    #   acts_as_token_authentication_handler_for User                       # fallback per configuration
    #   acts_as_token_authentication_handler_for User, fallback: :none, only: [:index]
    #   acts_as_token_authentication_handler_for ApiClient, as: :client, identifier: :name, fallback: :exception
    #
    # Each declaration defines `authenticate_<name>_from_token` (sign in when
    # the credentials are good) and `authenticate_<name>_from_token!` (the same,
    # then the fallback), and registers the bang form (or, with fallback: :none,
    # the plain form) as a before_action with the given only/except/if/unless.
    #
    # With Devise mapping the model, a good token signs the record in with
    # `sign_in scope, record, store: sign_in_token` and fallbacks go through
    # Devise/Warden. Without it the controller gets `current_<name>` and
    # `<name>_signed_in?`, and fallback :exception answers 401 with a JSON body.
    module Handler
      CALLBACK_OPTIONS = %i[only except if unless].freeze
      ENTITY_OPTIONS = %i[as identifier header_names devise].freeze
      OWN_OPTIONS = %i[fallback fallback_to_devise sign_in_token skip_devise_trackable].freeze

      module Macro
        # Authenticates each request of this controller by +model+'s token.
        #
        # @param model [Class] a model with acts_as_token_authenticatable
        # @param options [Hash] +as:+, +identifier:+, +header_names:+, +fallback:+ (:devise,
        #   :exception, :none), +sign_in_token:+, +skip_devise_trackable:+, and the
        #   callback filters +only:+, +except:+, +if:+, +unless:+
        # @return [void]
        # @raise [ArgumentError] for an unknown option
        def acts_as_token_authentication_handler_for(model, options = {})
          options = options.to_h.transform_keys(&:to_sym)
          unknown = options.keys - CALLBACK_OPTIONS - ENTITY_OPTIONS - OWN_OPTIONS
          raise ArgumentError, "unknown option(s) #{unknown.map(&:inspect).join(', ')}" if unknown.any?
          unless respond_to?(:before_action)
            raise ArgumentError, "#{name || self} has no before_action: include AbstractController::Callbacks " \
                                 "(an ActionController::Metal controller needs it, as with simple_token_authentication)"
          end

          entity = Entity.new(model, **options.slice(*ENTITY_OPTIONS))
          SecretFilter.filter_parameters([entity.token_param]) # the token travels as <name>_token
          settings = Declaration.new(options.slice(*OWN_OPTIONS))
          include Handler
          include Handler.helpers_for(entity, settings)

          # Only a fallback given here picks the plain method; a global one is
          # applied per request by the bang method (:none does nothing there).
          method = settings.declared_fallback == :none ? :"authenticate_#{entity.name}_from_token" : :"authenticate_#{entity.name}_from_token!"
          before_action(method, **options.slice(*CALLBACK_OPTIONS))
          helper_method(:"current_#{entity.name}", :"#{entity.name}_signed_in?") if respond_to?(:helper_method)
          entity
        end
      end

      def self.included(controller)
        controller.rescue_from(NotAuthenticated, with: :render_token_authentication_failure) if controller.respond_to?(:rescue_from)
      end

      # One declaration's own options; whatever it leaves out is read from the
      # global configuration on each request (simple_token_authentication
      # reads SimpleTokenAuthentication.sign_in_token etc. per request too).
      class Declaration
        attr_reader :declared_fallback

        def initialize(options, configuration = nil)
          @options = options
          @configuration = configuration
          fallback = options[:fallback]
          fallback = (options[:fallback_to_devise] ? :devise : :none) if fallback.nil? && options.key?(:fallback_to_devise)
          @declared_fallback = fallback.nil? ? nil : Configuration.check_fallback(fallback)
          check_devise!(fallback) # a declaration that cannot work fails at class load
        end

        def fallback
          check_devise!(@declared_fallback || configuration.fallback)
        end

        def sign_in_token
          @options.fetch(:sign_in_token) { configuration.sign_in_token }
        end

        def skip_devise_trackable
          @options.fetch(:skip_devise_trackable) { configuration.skip_devise_trackable }
        end

        private

        def configuration
          @configuration || TokenAuthentication.configuration
        end

        def check_devise!(fallback)
          raise ArgumentError, "fallback: :devise needs Devise; use :exception or :none" if fallback == :devise && !defined?(::Devise)

          fallback
        end
      end

      # The named methods for one entity, in their own module so a controller
      # can still override them (and call super).
      def self.helpers_for(entity, settings)
        name = entity.name
        Module.new do
          define_method(:"authenticate_#{name}_from_token") do
            token_oxide_authenticate_from_token(entity, settings)
          end

          define_method(:"authenticate_#{name}_from_token!") do
            token_oxide_authenticate_from_token(entity, settings) || token_oxide_fallback(entity, settings)
          end

          # With Devise, current_<scope> comes from Devise's helpers (reached
          # through super); an alias (as:) forwards to it.
          define_method(:"current_#{name}") do
            scope = entity.devise_scope
            if scope
              scope == name ? super() : public_send(:"current_#{scope}")
            else
              token_oxide_signed_in[name]
            end
          end

          define_method(:"#{name}_signed_in?") do
            !public_send(:"current_#{name}").nil?
          end
        end
      end

      private

      # Signs the record in when the request carries good credentials; returns
      # the record or nil. Never raises on bad input.
      def token_oxide_authenticate_from_token(entity, settings)
        credentials = Credentials.from_request(entity, request, params)
        record = Authenticator.authenticate(entity, credentials)
        return nil unless record

        token_oxide_sign_in(entity, record, settings)
        after_successful_token_authentication if respond_to?(:after_successful_token_authentication, true)
        record
      end

      def token_oxide_sign_in(entity, record, settings)
        scope = entity.devise_scope
        if scope
          request.env["devise.skip_trackable"] = settings.skip_devise_trackable
          sign_in(scope, record, store: settings.sign_in_token)
        else
          token_oxide_signed_in[entity.name] = record
        end
      end

      def token_oxide_fallback(entity, settings)
        scope = entity.devise_scope
        case settings.fallback || (scope ? :devise : :exception)
        when :devise
          raise ArgumentError, "fallback: :devise needs a Devise mapping for #{entity.model.name}" unless scope

          public_send(:"authenticate_#{scope}!")
        when :exception
          return if public_send(:"current_#{entity.name}")

          throw(:warden, scope: scope) if scope
          # A bare Metal controller has no rescue_from: answer here (the
          # response body halts the before_action chain).
          return render_token_authentication_failure unless respond_to?(:rescue_with_handler, true)

          raise NotAuthenticated, "#{entity.model.name} token authentication failed"
        end
      end

      def token_oxide_signed_in
        @token_oxide_signed_in ||= {}
      end

      # fallback: :exception without Devise. Override in a controller to
      # answer differently; the body never echoes what the client sent.
      def render_token_authentication_failure(_error = nil)
        response.headers["WWW-Authenticate"] = %(Token realm="Application")
        return render(json: { error: "Not authenticated" }, status: :unauthorized) if respond_to?(:render, true)

        # ActionController::Metal without Rendering.
        self.status = 401
        self.content_type = "application/json"
        self.response_body = %({"error":"Not authenticated"})
      end
    end
  end
end
