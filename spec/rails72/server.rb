# frozen_string_literal: true

require "json"
require "rbconfig"

# A child process running spec/rails72/app.rb in "serve" mode: the booted
# 7.x app answering HTTP through Puma on a loopback port. Used by
# spec/rails72/booted_apps_spec.rb and bench/requests.rb.
class Rails72Server
  APP = File.expand_path("app.rb", __dir__)

  attr_reader :pid, :port

  # +options+: app.rb's JSON options (load_defaults, variant, secret_key_base...).
  def initialize(**options)
    out, writer = IO.pipe
    @pid = Process.spawn(RbConfig.ruby, APP, JSON.generate(options.merge(serve: true)), out: writer, err: File::NULL)
    writer.close
    line = out.gets or raise "app #{options[:load_defaults]}/#{options[:variant]} did not start serving"
    @port = JSON.parse(line).fetch("port")
    @out = out
  end

  # [parsed JSON body (or the text), {cookie name => value}] of a GET.
  def get(path, cookies = {})
    require "net/http"
    request = Net::HTTP::Get.new(path)
    request["Cookie"] = cookies.map { |name, value| "#{name}=#{value}" }.join("; ") unless cookies.empty?
    response = Net::HTTP.start("127.0.0.1", port, read_timeout: 30) { |http| http.request(request) }
    set = (response.get_fields("set-cookie") || []).to_h { |line| line.split(";", 2).first.split("=", 2) }
    body = response.content_type == "application/json" ? JSON.parse(response.body) : response.body
    [body, set]
  end

  def stop
    Process.kill("TERM", pid)
    Process.wait(pid)
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  end
end
