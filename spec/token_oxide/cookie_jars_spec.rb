# frozen_string_literal: true

require "spec_helper"
require "rack/test"

# Signed and encrypted cookies and the CookieStore session, through real
# requests (rack-test) to the shared booted app (Rails 6.1 on the Debian 12
# leg, 7.2 on Debian 13). "Plain Rails" is the same app with
# TokenOxide::CookieJars switched off, so that Rails' jar code builds its own
# ActiveSupport codecs; cookies cross both ways between the two. The 7.x
# variants (serializers, digests, rotations, CBC, a setting ours refuses) and
# the two-server checks over loopback are in spec/rails72/booted_apps_spec.rb.
RSpec.describe "token_oxide serving the cookie jars and the CookieStore session" do
  include Rack::Test::Methods

  def app = TokenOxideSpec.rails_app

  before(:all) do
    TokenOxideSpec.rails_app
    require_relative "../rails72/cookies_controller"
    TokenOxideCookiesController.draw(Rails.application.routes)
  end

  after(:all) { Rails.application.reload_routes! }

  after { TokenOxide::CookieJars.enabled = true }

  def with_plain_rails
    TokenOxide::CookieJars.enabled = false
    yield
  ensure
    TokenOxide::CookieJars.enabled = true
  end

  # The name=value pairs of the response's Set-Cookie headers.
  def set_cookies(response = last_response)
    header = response.headers["Set-Cookie"] || response.headers["set-cookie"]
    lines = header.is_a?(Array) ? header : header.to_s.split("\n")
    lines.to_h { |line| line.split(";", 2).first.split("=", 2) }
  end

  def send_cookies(path, cookies)
    clear_cookies
    header "Cookie", cookies.map { |name, value| "#{name}=#{value}" }.join("; ")
    get path
    JSON.parse(last_response.body)
  end

  def write(value)
    clear_cookies
    get "/cookies/write", value: value
    expect(last_response.status).to eq(200)
    [JSON.parse(last_response.body), set_cookies]
  end

  let(:expected_read) do
    lambda do |value|
      { "signed" => value, "encrypted" => { "v" => value, "n" => 1 }, "session" => value,
        "session_user" => { "id" => 7, "name" => value } }
    end
  end

  it "uses token_oxide's codecs for both jars after the probe" do
    body, = write("probe")
    expect(body["codecs"]).to eq("signed" => "TokenOxide::MessageVerifier", "encrypted" => "TokenOxide::MessageEncryptor")
    expect(TokenOxide::CookieJars.decisions.map(&:last)).not_to include(:kept)
  end

  it "keeps Rails' own codecs when switched off" do
    body, = with_plain_rails { write("plain") }
    expect(body["codecs"]).to eq("signed" => "ActiveSupport::MessageVerifier", "encrypted" => "ActiveSupport::MessageEncryptor")
  end

  it "reads with plain Rails what token_oxide wrote (signed, encrypted, session)" do
    _, cookies = write("from token_oxide")
    read = with_plain_rails { send_cookies("/cookies/read", cookies) }
    expect(read.except("codecs")).to eq(expected_read.call("from token_oxide"))
    expect(read["codecs"]["encrypted"]).to eq("ActiveSupport::MessageEncryptor")
  end

  it "reads with token_oxide what plain Rails wrote (signed, encrypted, session)" do
    _, cookies = with_plain_rails { write("from plain Rails") }
    read = send_cookies("/cookies/read", cookies)
    expect(read.except("codecs")).to eq(expected_read.call("from plain Rails"))
    expect(read["codecs"]["encrypted"]).to eq("TokenOxide::MessageEncryptor")
  end

  it "writes the signed cookie byte for byte as plain Rails does" do
    _, ours = write("same bytes")
    _, theirs = with_plain_rails { write("same bytes") }
    expect(ours.fetch("signed_value")).to eq(theirs.fetch("signed_value"))
    # Encrypted values draw a fresh IV each time: same length, different bytes.
    expect(ours.fetch("encrypted_value").bytesize).to eq(theirs.fetch("encrypted_value").bytesize)
  end

  it "refuses tampered cookies as plain Rails does" do
    _, cookies = write("tamper")
    tampered = cookies.transform_values { |value| value.sub(/.(?=--)/) { |c| c == "A" ? "B" : "A" } }
    [send_cookies("/cookies/read", tampered), with_plain_rails { send_cookies("/cookies/read", tampered) }].each do |read|
      expect(read.slice("signed", "encrypted", "session")).to eq("signed" => nil, "encrypted" => nil, "session" => nil)
    end
  end

  it "reads and writes the session on every request (the path the request bench measures)" do
    _, cookies = write("count")
    2.times do |n|
      clear_cookies
      header "Cookie", cookies.map { |k, v| "#{k}=#{v}" }.join("; ")
      get "/cookies/bump"
      expect(last_response.body).to eq((n + 1).to_s)
      cookies = cookies.merge(set_cookies)
    end
  end
end
