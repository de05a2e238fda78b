# frozen_string_literal: true

# The controller the cookie specs send real requests to (in the shared
# spec app, spec/support/rails_app.rb, and in the booted 7.x apps of
# spec/rails72/app.rb, whose Puma servers the specs and the request bench
# talk to). Load after Rails and action_controller.
#
#   GET /cookies/write?value=V  sets a signed cookie, an encrypted cookie
#                               (expires in an hour) and the session
#   GET /cookies/read           shows what the jars and the session read
#   GET /cookies/bump           reads the session and writes it back changed
# Only GET requests: forgery protection never applies.
class TokenOxideCookiesController < ActionController::Base

  def write
    value = params.fetch(:value)
    cookies.signed[:signed_value] = value
    cookies.encrypted[:encrypted_value] = { value: { "v" => value, "n" => 1 }, expires: 1.hour }
    session[:value] = value
    session[:user] = { "id" => 7, "name" => value }
    render json: { codecs: codecs }
  end

  def read
    render json: { signed: cookies.signed[:signed_value], encrypted: cookies.encrypted[:encrypted_value],
                   session: session[:value], session_user: session[:user], codecs: codecs }
  end

  def bump
    session[:count] = session[:count].to_i + 1
    render plain: session[:count].to_s
  end

  # The classes serving this request's jars (Rails' private instance variables).
  def self.codecs(jar)
    { "signed" => jar.signed.instance_variable_get(:@verifier).class.name,
      "encrypted" => jar.encrypted.instance_variable_get(:@encryptor).class.name }
  end

  private

  def codecs = self.class.codecs(cookies)

  class << self
    def draw(routes)
      routes.draw do
        %w[write read bump].each { |action| get "/cookies/#{action}" => "token_oxide_cookies##{action}" }
      end
    end
  end
end
