# frozen_string_literal: true

require "json"
require "etc"

module TokenOxideBench
  # Turns measured results into the console table, tmp/bench.json,
  # tmp/bench.md (the README table) and tmp/bench.svg.
  module Report
    module_function

    def machine
      cpu = File.foreach("/proc/cpuinfo").find { |l| l.start_with?("model name") } if File.exist?("/proc/cpuinfo")
      {
        "nproc" => Etc.nprocessors,
        "cpu" => cpu ? cpu.split(":", 2).last.strip : RbConfig::CONFIG["host_cpu"],
        "ruby" => RUBY_DESCRIPTION,
        "activesupport" => (defined?(ActiveSupport::VERSION) ? ActiveSupport::VERSION::STRING : nil),
        "token_oxide" => TokenOxide::VERSION,
        "commit" => git_commit
      }
    end

    def git_commit
      out = IO.popen(%w[git rev-parse --short HEAD], err: File::NULL, &:read).strip
      out.empty? ? nil : out
    rescue SystemCallError
      nil
    end

    def human_ips(ips)
      return "-" unless ips

      if ips >= 1e6 then format("%.2fM", ips / 1e6)
      elsif ips >= 1e3 then format("%.1fk", ips / 1e3)
      else format("%.1f", ips)
      end
    end

    def ratio_text(row)
      format("%.1fx", row["ratio"])
    end

    def target_text(row)
      return "" unless row["target"]

      "#{row["met"] ? "met" : "MISS"} (>= #{row["target"]}x)"
    end

    def allocs_text(value)
      value == value.round ? value.round.to_s : format("%.1f", value)
    end

    COLUMNS = ["op", "Ruby i/s", "token_oxide i/s", "ratio", "target", "Ruby obj/call", "oxide obj/call", "note"].freeze

    def cells(row)
      [row["op"], human_ips(row["ruby_ips"]), human_ips(row["oxide_ips"]), ratio_text(row), target_text(row),
       allocs_text(row["ruby_allocs"]), allocs_text(row["oxide_allocs"]), row["note"].to_s]
    end

    # A plain fixed-width table for the terminal.
    def table(results)
      rows = results.map { |r| cells(r) }
      widths = COLUMNS.each_index.map { |i| [COLUMNS[i].size, *rows.map { |r| r[i].size }].max }
      widths[-1] = 0 # the note column is last and not padded
      line = lambda do |values|
        values.each_with_index.map { |v, i| i.zero? || i == values.size - 1 ? v.ljust(widths[i]) : v.rjust(widths[i]) }
              .join("  ").rstrip
      end
      [line.(COLUMNS), line.(widths.map { |w| "-" * [w, 4].max }), *rows.map(&line)].join("\n")
    end

    def markdown(results, data)
      m = data["machine"]
      head = "| #{COLUMNS.join(" | ")} |\n|#{" --- |" * COLUMNS.size}\n"
      body = results.map { |r| "| #{cells(r).map { |c| c.gsub("|", "\\|") }.join(" | ")} |" }.join("\n")
      table = <<~MD
        Measured #{data["generated_at"]} with `#{data["command"]}` (benchmark-ips time #{data["config"]["time"]} s,
        warmup #{data["config"]["warmup"]} s) on #{m["nproc"]} × #{m["cpu"]}, #{m["ruby"]},
        ActiveSupport #{m["activesupport"]}, token_oxide #{m["token_oxide"]} (commit #{m["commit"]}).
        benchmark-ips calls an empty lambda #{human_ips(data["config"]["empty_lambda_ips"])} times a second on this
        machine: no op can beat that. "obj/call" is Ruby objects allocated per call
        (`GC.stat(:total_allocated_objects)` delta over N calls).

        #{head}#{body}
      MD
      skipped = data["skipped"].group_by { |s| s["reason"] }.map do |reason, ops|
        "Not measured (#{reason}): #{ops.map { |s| s["op"] }.join(", ")}.\n"
      end
      skipped.empty? ? table : "#{table}\n#{skipped.join("\n")}"
    end

    def write_json(path, data)
      File.write(path, JSON.pretty_generate(data) + "\n")
    end

    # A horizontal bar chart of the ratios on a log scale, plain SVG.
    def svg(results)
      label_w = 330
      plot_w = 440
      row_h = 22
      top = 30
      height = top + (row_h * results.size) + 30
      max_ratio = [100.0, *results.map { |r| r["ratio"] }].max
      min_ratio = 0.5
      span = Math.log10(max_ratio) - Math.log10(min_ratio)
      x_of = ->(ratio) { label_w + (((Math.log10([ratio, min_ratio].max) - Math.log10(min_ratio)) / span) * plot_w) }
      esc = ->(text) { text.to_s.gsub("&", "&amp;").gsub("<", "&lt;").gsub(">", "&gt;") }

      out = +%(<svg xmlns="http://www.w3.org/2000/svg" width="#{label_w + plot_w + 90}" height="#{height}" font-family="sans-serif" font-size="12">\n)
      out << %(<text x="10" y="18" font-weight="bold">token_oxide speed-up over pure Ruby (log scale; red tick = target)</text>\n)
      [1, 10, 100, 1000].select { |t| t <= max_ratio }.each do |tick|
        x = x_of.(tick).round(1)
        out << %(<line x1="#{x}" y1="#{top - 4}" x2="#{x}" y2="#{height - 26}" stroke="#ccc"/>\n)
        out << %(<text x="#{x}" y="#{height - 10}" text-anchor="middle" fill="#555">#{tick}x</text>\n)
      end
      results.each_with_index do |r, i|
        y = top + (i * row_h)
        ok = r["target"] ? r["met"] : r["ratio"] >= 1
        x0 = x_of.(min_ratio)
        x1 = x_of.(r["ratio"])
        out << %(<text x="#{label_w - 6}" y="#{y + 14}" text-anchor="end">#{esc.(r["op"])}</text>\n)
        out << %(<rect x="#{x0.round(1)}" y="#{y + 3}" width="#{(x1 - x0).round(1)}" height="#{row_h - 6}" fill="#{ok ? "#3a7" : "#e93"}"/>\n)
        out << %(<text x="#{(x1 + 4).round(1)}" y="#{y + 14}">#{format("%.1f", r["ratio"])}x</text>\n)
        if r["target"]
          tx = x_of.(r["target"]).round(1)
          out << %(<line x1="#{tx}" y1="#{y + 1}" x2="#{tx}" y2="#{y + row_h - 1}" stroke="#c00" stroke-width="2"/>\n)
        end
      end
      out << "</svg>\n"
    end
  end
end
