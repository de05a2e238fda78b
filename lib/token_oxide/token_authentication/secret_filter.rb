# frozen_string_literal: true

module TokenOxide
  module TokenAuthentication
    # Keeps token values out of `inspect` and logs: a model's
    # filter_attributes and, in a Rails app, the request parameter filter
    # (config.filter_parameters). Patterns are anchored so that, say,
    # api_token_expires_at stays visible.
    module SecretFilter
      module_function

      def filter_attributes(model, names)
        return unless model.respond_to?(:filter_attributes=)

        model.filter_attributes = model.filter_attributes + patterns(names)
      end

      # Added in place: Rails' request filter holds this same Array.
      def filter_parameters(names)
        return unless defined?(::Rails) && ::Rails.respond_to?(:application) && ::Rails.application

        filters = ::Rails.application.config.filter_parameters
        return if filters.frozen?

        filters.concat(patterns(names) - filters)
      end

      def patterns(names)
        names.map { |name| /\A#{Regexp.escape(name.to_s)}\z/ }.uniq
      end
    end
  end
end
