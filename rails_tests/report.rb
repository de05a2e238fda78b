# frozen_string_literal: true

module RailsTests
  # The Markdown table of a run (tmp/rails_tests.md and the README).
  module Report
    module_function

    def cell(result)
      result.runs ? result.passed.to_s : "did not finish"
    end

    def markdown(results, header)
      lines = [header, "", "| file | tests | passed on Rails | passed with token_oxide |", "| --- | --- | --- | --- |"]
      results.each do |row|
        lines << "| `#{row[:file]}` | #{row[:rails].runs || "?"} | #{cell(row[:rails])} | #{cell(row[:oxide])} |"
      end
      tests = results.sum { |r| r[:rails].runs || 0 }
      rails_total, oxide_total = %i[rails oxide].map { |k| results.sum { |r| r[k].passed || 0 } }
      lines << "| **total** | #{tests} | #{rails_total} | #{oxide_total} |"
      lines.concat(failures(results, :oxide, "Failing with token_oxide:"))
      lines.concat(failures(results, :rails, "Failing on plain Rails (same seed):"))
      lines.join("\n") << "\n"
    end

    def failures(results, side, title)
      failing = results.select { |row| row[side].failed.any? || row[side].runs.nil? }
      return [] if failing.empty?

      lines = ["", title, ""]
      failing.each do |row|
        names = row[side].runs.nil? ? ["(no minitest summary: the file did not load)"] : row[side].failed
        names.each { |name| lines << "- `#{row[:file]}`: `#{name}`" }
      end
      lines
    end
  end
end
