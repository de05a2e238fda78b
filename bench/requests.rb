# frozen_string_literal: true

# `rake bench:requests` (also run by `rake bench`): whole requests through a
# Rails 7.1+ app's middleware stack that read and write the CookieStore
# session (GET /cookies/bump of spec/rails72/cookies_controller.rb: decrypt
# the session cookie, change it, encrypt it again), served by Puma (one
# thread) on 127.0.0.1, token_oxide on (variant "plain") against off
# (config.token_oxide.accelerate = false), same secret. The client is wrk
# (Debian's package) with one connection, else a Ruby Net::HTTP loop.
# Each round times token_oxide and plain Rails twice (the order rotates), so
# a slow spell of a shared machine hits all three runs: the median of each
# side, the median of the per-round differences (with quartiles), and the
# same for the two plain Rails runs (an A/A control: what noise alone makes).
#
#   REQUESTS_SECONDS (default 2, per side and round)  REQUESTS_ROUNDS (default 10)
#
# Writes tmp/requests.json.
require "json"
require "fileutils"
require "open3"
require "rbconfig"
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))

module TokenOxideBench
  module Requests
    ROOT = File.expand_path("..", __dir__)
    SIDES = { "token_oxide" => "plain", "plain Rails" => "accelerate_off" }.freeze
    SECRET_KEY_BASE = "bench-requests-" + ("5a" * 60)

    module_function

    def rails_version
      require "action_pack"
      ActionPack.version
    rescue LoadError
      nil
    end

    def run(seconds: Float(ENV.fetch("REQUESTS_SECONDS", 2)), rounds: Integer(ENV.fetch("REQUESTS_ROUNDS", 10)))
      version = rails_version
      unless version && version >= Gem::Version.new("7.1")
        puts "bench:requests skipped: needs Action Pack 7.1+ (spec/rails72/app.rb); this leg has #{version || "none"}"
        return
      end
      require_relative "../spec/rails72/server"
      client = wrk? ? "wrk -t1 -c1" : "Ruby Net::HTTP, one keep-alive connection"
      servers = SIDES.transform_values { |variant| Rails72Server.new(load_defaults: "7.2", variant: variant, secret_key_base: SECRET_KEY_BASE) }
      cookies = servers.transform_values { |server| session_cookie(server) }
      check!(servers, cookies)
      samples = Hash.new { |h, k| h[k] = [] }
      runs = { "token_oxide" => "token_oxide", "plain Rails" => "plain Rails", "plain Rails again" => "plain Rails" }
      rounds.times do |round|
        runs.keys.rotate(round % runs.size).each do |run|
          side = runs[run]
          samples[run] << measure(servers[side], cookies[side], seconds)
        end
      end
      servers.each_value(&:stop)
      report(samples, client, seconds, rounds, version, in_process(seconds * rounds))
    ensure
      servers&.each_value(&:stop)
    end

    def wrk?
      system("command -v wrk >/dev/null 2>&1")
    end

    # The session cookie a first request gets (name=value, as sent back).
    def session_cookie(server)
      _, set = server.get("/cookies/write?value=bench")
      set.slice("_rails72_app_session").map { |name, value| "#{name}=#{value}" }.first or raise "no session cookie"
    end

    # Both sides answer the same way before anything is timed, with the
    # codecs they are meant to have; each reads the other's session too.
    def check!(servers, cookies)
      servers.each do |side, server|
        read, = server.get("/cookies/read", parse(cookies[side]))
        expected = side == "token_oxide" ? "TokenOxide::MessageEncryptor" : "ActiveSupport::MessageEncryptor"
        raise "#{side}: session jar is #{read["codecs"]["encrypted"]}" unless read["codecs"]["encrypted"] == expected
        raise "#{side}: session not read" unless read["session"] == "bench"

        other = cookies.fetch(SIDES.keys.find { |s| s != side })
        raise "#{side} does not read the other side's session" unless server.get("/cookies/read", parse(other)).first["session"] == "bench"
        body, set = server.get("/cookies/bump", parse(cookies[side]))
        raise "#{side}: bump answered #{body.inspect}" unless body == "1" && set.key?("_rails72_app_session")
      end
    end

    def parse(cookie)
      [cookie.split("=", 2)].to_h
    end

    def measure(server, cookie, seconds)
      url = "http://127.0.0.1:#{server.port}/cookies/bump"
      wrk? ? wrk(url, cookie, seconds) : ruby_client(server, cookie, seconds)
    end

    def wrk(url, cookie, seconds)
      out, status = Open3.capture2e("wrk", "-t1", "-c1", "-d#{seconds.round}s", "-H", "Cookie: #{cookie}", url)
      raise "wrk failed: #{out}" unless status.success?
      raise "wrk saw errors: #{out}" if out.match?(/Non-2xx|Socket errors/)

      Float(out[/Requests\/sec:\s+([\d.]+)/, 1])
    end

    def ruby_client(server, cookie, seconds)
      require "net/http"
      count = 0
      Net::HTTP.start("127.0.0.1", server.port) do |http|
        request = Net::HTTP::Get.new("/cookies/bump")
        request["Cookie"] = cookie
        stop = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
        while Process.clock_gettime(Process::CLOCK_MONOTONIC) < stop
          http.request(request)
          count += 1
        end
      end
      count / seconds
    end

    # The same request through Rails.application.call in one process,
    # token_oxide's jars on and off in the same rotating rounds
    # (spec/rails72/app.rb "bench"), summarized as the loopback rounds are.
    def in_process(seconds)
      options = JSON.generate(load_defaults: "7.2", variant: "plain", secret_key_base: SECRET_KEY_BASE, bench: true, seconds: seconds)
      out, _err, status = Open3.capture3(RbConfig.ruby, Rails72Server::APP, options)
      raise "in-process bench failed" unless status.success?

      result = JSON.parse(out.lines.last)
      samples = result.fetch("rps")
      summary(samples).merge("rounds" => result.fetch("rounds"), "requests_per_round" => result.fetch("requests_per_round"),
                             "token_oxide_us_per_request" => (1e6 / median(samples["token_oxide"])).round(1),
                             "plain_rails_us_per_request" => (1e6 / median(samples["plain Rails"])).round(1))
    end

    # The saving and its A/A control from one set of rounds.
    def summary(samples)
      savings = paired_savings(samples)
      control = paired_savings(samples, "plain Rails", "plain Rails again")
      { "us_saved_per_request" => median(savings).round(1), "us_saved_quartiles" => quartiles(savings).map { |v| v.round(1) },
        "aa_control_us" => median(control).round(1), "aa_control_quartiles" => quartiles(control).map { |v| v.round(1) } }
    end

    def median(values)
      sorted = values.sort
      mid = sorted.size / 2
      sorted.size.odd? ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0
    end

    # Microseconds each round saved: +base+'s time per request minus +other+'s.
    def paired_savings(samples, base = "plain Rails", other = "token_oxide")
      samples[base].zip(samples[other]).map { |plain, ours| 1e6 / plain - 1e6 / ours }
    end

    def quartiles(values)
      sorted = values.sort
      [sorted[sorted.size / 4], sorted[(sorted.size * 3) / 4]]
    end

    def report(samples, client, seconds, rounds, version, in_process)
      ours = median(samples["token_oxide"])
      plain = median(samples["plain Rails"])
      data = {
        "command" => "rake bench:requests", "client" => client, "seconds_per_round" => seconds, "rounds" => rounds,
        "action_pack" => version.to_s, "ruby" => RUBY_VERSION, "path" => "GET /cookies/bump (CookieStore session read + write)",
        "token_oxide_rps" => samples["token_oxide"].map { |v| v.round(1) }, "plain_rails_rps" => samples["plain Rails"].map { |v| v.round(1) },
        "token_oxide_median_rps" => ours.round(1), "plain_rails_median_rps" => plain.round(1),
        "ratio" => (ours / plain).round(3), "plain_rails_again_rps" => samples["plain Rails again"].map { |v| v.round(1) },
        **summary(samples), "in_process" => in_process
      }
      FileUtils.mkdir_p(File.join(ROOT, "tmp"))
      File.write(File.join(ROOT, "tmp", "requests.json"), JSON.pretty_generate(data))
      puts "bench:requests (#{data["path"]}, Puma 1 thread, #{client}, #{rounds} x #{seconds}s per side, Action Pack #{version}, Ruby #{RUBY_VERSION})"
      puts format("  token_oxide  %8.1f req/s  (rounds: %s)", ours, data["token_oxide_rps"].join(", "))
      puts format("  plain Rails  %8.1f req/s  (rounds: %s)", plain, data["plain_rails_rps"].join(", "))
      puts format("  ratio %.3f, %.1f us saved per request (median of %d rounds; quartiles %.1f .. %.1f); " \
                  "A/A control (plain Rails twice) %.1f us (quartiles %.1f .. %.1f)",
                  ours / plain, data["us_saved_per_request"], rounds, *data["us_saved_quartiles"], data["aa_control_us"], *data["aa_control_quartiles"])
      ip = data["in_process"]
      puts format("in process (Rails.application.call, jars on/off in %d rounds of %d requests): token_oxide %.1f us/request, " \
                  "plain Rails %.1f us/request, %.1f us saved per request (quartiles %.1f .. %.1f); " \
                  "A/A control (plain Rails twice) %.1f us (quartiles %.1f .. %.1f); wrote tmp/requests.json",
                  ip["rounds"], ip["requests_per_round"], ip["token_oxide_us_per_request"], ip["plain_rails_us_per_request"],
                  ip["us_saved_per_request"], *ip["us_saved_quartiles"], ip["aa_control_us"], *ip["aa_control_quartiles"])
    end
  end
end

TokenOxideBench::Requests.run if $PROGRAM_NAME == __FILE__
