# frozen_string_literal: true

# `rake bench:compare OLD=path/to/old.json [NEW=tmp/bench.json]`: the ratio
# and token_oxide i/s of each op in two `rake bench` runs, side by side.
require "json"

module TokenOxideBench
  module Compare
    module_function

    def rows(old_data, new_data)
      old_by_op = old_data["results"].to_h { |r| [r["op"], r] }
      new_data["results"].map do |now|
        before = old_by_op[now["op"]]
        {
          "op" => now["op"],
          "old_ratio" => before&.fetch("ratio"), "new_ratio" => now["ratio"],
          "oxide_ips_change" => before && (now["oxide_ips"] / before["oxide_ips"]).round(2)
        }
      end
    end

    def print(old_path, new_path, out = $stdout)
      old_data = JSON.parse(File.read(old_path))
      new_data = JSON.parse(File.read(new_path))
      out.puts "old: #{old_data["generated_at"]} (#{old_data.dig("machine", "commit")})  " \
               "new: #{new_data["generated_at"]} (#{new_data.dig("machine", "commit")})"
      width = [2, *new_data["results"].map { |r| r["op"].size }].max
      out.puts format("%-#{width}s  %9s  %9s  %16s", "op", "old ratio", "new ratio", "token_oxide i/s")
      rows(old_data, new_data).each do |r|
        old_ratio = r["old_ratio"] ? format("%.1fx", r["old_ratio"]) : "-"
        change = r["oxide_ips_change"] ? format("%.2fx", r["oxide_ips_change"]) : "new"
        out.puts format("%-#{width}s  %9s  %9s  %16s", r["op"], old_ratio, format("%.1fx", r["new_ratio"]), change)
      end
    end
  end
end

if $PROGRAM_NAME == __FILE__
  abort "usage: ruby bench/compare.rb OLD.json [NEW.json]" if ARGV.empty?
  TokenOxideBench::Compare.print(ARGV[0], ARGV[1] || File.expand_path("../tmp/bench.json", __dir__))
end
