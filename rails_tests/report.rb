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
      rails_total, oxide_total, tests = %i[rails oxide].map { |k| results.sum { |r| r[k].passed || 0 } } +
                                        [results.sum { |r| r[:rails].runs || 0 }]
      lines << "| **total** | #{tests} | #{rails_total} | #{oxide_total} |"
      failing = results.select { |row| row[:oxide].failed.any? || row[:oxide].runs.nil? }
      unless failing.empty?
        lines << "" << "Failing with token_oxide:" << ""
        failing.each do |row|
          names = row[:oxide].failed
          names = ["(no minitest summary: the file did not load)"] if row[:oxide].runs.nil?
          names.each { |name| lines << "- `#{row[:file]}`: `#{name}`" }
        end
      end
      lines.join("\n") << "\n"
    end
  end
end
