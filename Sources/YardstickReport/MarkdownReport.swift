import Foundation
import YardstickMetrics
import YardstickStore

/// The report as GitHub-flavoured Markdown: tables, charts as Mermaid `xychart-beta` blocks (GitHub draws them)
/// with the full SVG charts written next to it and linked, and text that reads as plain text too.
public enum MarkdownReport {
    /// A chart file to write next to the Markdown file.
    public struct ChartFile: Sendable {
        /// Relative path, e.g. `charts/01-run-loss.svg`.
        public var path: String
        public var svg: String
    }

    public static func render(_ data: ReportData, chartFolder: String = "charts") -> (markdown: String, charts: [ChartFile]) {
        var md = "# \(Escape.markdown(data.title))\n\n"
        md += "\(data.runs.count) run\(data.runs.count == 1 ? "" : "s"), generated \(ISO8601DateFormatter().string(from: data.generatedAt)) by yardstick \(Yardstick.version).\n\n"
        var files: [ChartFile] = []
        func chart(_ rendered: LineChart.Rendered, _ name: String) -> String {
            let path = "\(chartFolder)/\(String(format: "%02d", files.count + 1))-\(name).svg"
            files.append(ChartFile(path: path, svg: rendered.svg))
            return "![\(Escape.markdown(rendered.caption))](\(path))\n\n"
        }

        md += "## Runs\n\n"
        let (differing, common) = ReportContent.paramColumns(data.runs)
        if data.runs.count > 1 {
            md += differing.isEmpty ? "The runs share their hyperparameters." : "Hyperparameters that differ come first: \(differing.map(Escape.markdown).joined(separator: ", "))."
            if !common.isEmpty { md += " Shared: \(common.map(Escape.markdown).joined(separator: ", "))." }
            md += " Scores are the latest evaluation with its 95% bootstrap interval; the last three columns are the advice for the next run.\n\n"
        }
        md += table(ReportContent.summary(data.runs))

        md += "\n## Loss curves\n\n"
        var any = false
        for c in ReportContent.overlays(data.runs, smoothing: data.options.smoothing) {
            any = true
            // No Mermaid block here: xychart-beta has one x range and no gaps, so runs of different lengths would
            // seem to run on flat to the longest one's end.
            md += "### \(Escape.markdown(c.title))\n\n"
            md += chart(c.render(standalone: true), "all-" + Escape.slug(c.yLabel))
        }
        for r in data.runs {
            let charts = (ReportContent.lossChart(r, smoothing: data.options.smoothing).map { [$0] } ?? [])
                + ReportContent.metricCharts(r, smoothing: data.options.smoothing)
            for c in charts {
                any = true
                md += "### \(Escape.markdown(c.title))\n\n" + mermaid(c, smoothing: data.options.smoothing)
                md += chart(c.render(standalone: true), Escape.slug(r.run.name) + "-" + Escape.slug(c.yLabel))
            }
        }
        if !any { md += "No run has a logged loss curve.\n\n" }

        md += "## Comparison\n\n"
        let bars = ReportContent.barCharts(data.runs)
        if bars.isEmpty { md += "No run has a stored evaluation.\n\n" }
        for b in bars {
            md += "### \(Escape.markdown(b.title))\n\n"
            md += "```mermaid\nxychart-beta\n    title \"\(Escape.mermaid(b.title))\"\n    x-axis [\(b.bars.map { "\"\(Escape.mermaid($0.label))\"" }.joined(separator: ", "))]\n"
            md += "    bar [\(b.bars.map { $0.value.isFinite ? NumberFormat.short($0.value) : "0" }.joined(separator: ", "))]\n```\n\n"
            md += chart(b.render(standalone: true), "bar-" + Escape.slug(b.title))
        }
        if !data.comparisons.isEmpty {
            md += "### Paired differences\n\nEach run against an earlier one on the same test set with the same signature: difference with its "
                + "paired-bootstrap interval and p-value from the stored per-segment statistics (as `runs compare`); \\* marks p below "
                + "\(NumberFormat.short(1 - data.options.comparison.confidenceLevel)).\n\n"
            md += table(ReportContent.comparisonTable(data))
            md += "\n"
        }
        let mismatches = ReportContent.mismatchLines(data)
        if !mismatches.isEmpty { md += "**Not compared:**\n\n" + mismatches.map { "- \(Escape.markdown($0))\n" }.joined() + "\n" }

        md += "## Advice\n\n"
        let (curved, curveless) = ReportContent.splitByCurves(data.runs)
        for r in curved {
            let a = r.advice
            md += "### \(Escape.markdown(r.run.name))\n\n"
            for d in a.diagnoses { md += "- **\(d.label.rawValue)** (confidence \(String(format: "%.2f", d.confidence))): \(Escape.markdown(d.evidence))\n" }
            md += "\nNext run: \(ReportContent.knobLine(a))" + (ReportContent.stopLine(a).map { "; \(Escape.markdown($0))" } ?? "") + ".\n\n"
            for reason in a.reasons { md += "- \(Escape.markdown(reason))\n" }
            if !a.reasons.isEmpty { md += "\n" }
        }
        if !curveless.isEmpty { md += "No loss curve to advise on: \(curveless.map { Escape.markdown($0.run.name) }.joined(separator: ", ")).\n\n" }
        if !data.findings.isEmpty {
            md += "### Across runs\n\n" + data.findings.map { "- **\(Escape.markdown($0.parameter))** \($0.direction.rawValue): \(Escape.markdown($0.evidence))\n" }.joined() + "\n"
        }

        md += "## Examples\n\n"
        if data.examples.isEmpty { md += "No stored predictions with per-example scores.\n\n" } else {
            md += "Words in **bold** differ: in a prediction, words not in the reference; in the reference, words the prediction missed.\n\n"
        }
        for set in data.examples {
            md += "### \(Escape.markdown(set.title))\n\n"
            let pair = set.otherRunName != nil
            let hasInput = set.examples.contains { !($0.input ?? "").isEmpty }
            var headers = ["example", set.metric]
            if hasInput { headers.append("input") }
            headers.append(pair ? "prediction of \(set.runName)" : "prediction")
            if pair { headers += ["\(set.metric) of \(set.otherRunName!)", "prediction of \(set.otherRunName!)"] }
            headers.append("reference")
            let rows: [[Cell]] = set.examples.map { e in
                let a = WordDiff.diff(e.prediction ?? "", e.reference ?? "")
                var row = [Cell(text: e.exampleID), Cell(text: NumberFormat.score(e.score), numeric: true)]
                if hasInput { row.append(Cell(text: e.input ?? "")) }
                row.append(Cell(text: highlighted(a.a), cssClass: "raw"))
                if pair {
                    row.append(Cell(text: e.otherScore.map(NumberFormat.score) ?? "", numeric: true))
                    row.append(Cell(text: highlighted(WordDiff.diff(e.otherPrediction ?? "", e.reference ?? "").a), cssClass: "raw"))
                }
                row.append(Cell(text: highlighted(a.b), cssClass: "raw"))
                return row
            }
            md += table(Table(headers: headers, rows: rows)) + "\n"
        }
        return (md, files)
    }

    /// Escaped words on one line, each run of differing words in one bold span.
    static func highlighted(_ tokens: [WordDiff.Token]) -> String {
        var out = ""
        var run: [String] = []
        func flush() {
            guard !run.isEmpty else { return }
            if !out.isEmpty { out += " " }
            out += "**" + run.joined(separator: " ") + "**"
            run = []
        }
        for t in tokens where !WordDiff.isSpace(t.text) {
            if t.common {
                flush()
                if !out.isEmpty { out += " " }
                out += Escape.markdown(t.text)
            } else {
                run.append(Escape.markdown(t.text))
            }
        }
        flush()
        return out
    }

    /// A GFM table; cells are escaped unless already rendered (`cssClass == "raw"`).
    static func table(_ t: Table) -> String {
        var md = "| " + t.headers.map(Escape.markdown).joined(separator: " | ") + " |\n"
        let alignment = t.headers.indices.map { i in t.rows.contains { i < $0.count && $0[i].numeric && !$0[i].text.isEmpty } ? " ---: |" : " --- |" }.joined()
        md += "|" + alignment
        md += "\n"
        for row in t.rows {
            md += "| " + row.map { $0.cssClass == "raw" ? $0.text : Escape.markdown($0.text) }.map { $0.isEmpty ? " " : $0 }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// A Mermaid line chart of the (smoothed) curves, sampled at 40 evenly spaced steps: Mermaid spaces values
    /// evenly, so uneven logging steps must be resampled to keep the x axis honest.
    static func mermaid(_ chart: LineChart, smoothing: Double) -> String {
        let all = chart.series.flatMap(\.points).filter { $0.y.isFinite }
        guard let xLo = all.map(\.x).min(), let xHi = all.map(\.x).max(), let yLo = all.map(\.y).min(), let yHi = all.map(\.y).max() else { return "" }
        let samples = 40
        var lines: [String] = []
        for s in chart.series {
            let smoothed = Smoothing.ema(s.points.map(\.y), weight: smoothing)
            var values: [String] = []
            var j = 0
            var last: Double?
            for k in 0..<samples {
                let x = xLo + (xHi - xLo) * Double(k) / Double(samples - 1)
                while j < s.points.count && s.points[j].x <= x {
                    if smoothed[j].isFinite { last = smoothed[j] }
                    j += 1
                }
                values.append(NumberFormat.short(last ?? smoothed.first(where: \.isFinite) ?? yLo))
            }
            lines.append("    line [\(values.joined(separator: ", "))]")
        }
        var md = "```mermaid\nxychart-beta\n    title \"\(Escape.mermaid(chart.title))\"\n"
        md += "    x-axis \"\(Escape.mermaid(chart.xLabel))\" \(NumberFormat.short(xLo).replacingOccurrences(of: ",", with: "")) --> \(NumberFormat.short(xHi).replacingOccurrences(of: ",", with: ""))\n"
        md += "    y-axis \"\(Escape.mermaid(chart.yLabel))\" \(NumberFormat.short(yLo)) --> \(NumberFormat.short(yHi))\n"
        md += lines.joined(separator: "\n") + "\n```\n\n"
        md += "Lines, in order: \(chart.series.map { Escape.markdown($0.name) }.joined(separator: ", ")); sampled at \(samples) evenly spaced steps"
            + (smoothing > 0 ? ", EMA \(NumberFormat.short(smoothing))" : "") + ", linear scale. The SVG below draws every extreme.\n\n"
        return md
    }
}

/// Writes a report to a folder: `index.html`, `report.md` with its `charts/` SVG files.
public enum ReportWriter {
    public enum Format: String, Sendable, CaseIterable {
        case html, markdown, both
    }

    /// Returns the paths written.
    @discardableResult
    public static func write(_ data: ReportData, format: Format, to directory: String) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        let base = URL(fileURLWithPath: directory)
        if format != .markdown {
            let url = base.appendingPathComponent("index.html")
            try Data(HTMLReport.render(data).utf8).write(to: url, options: .atomic)
            written.append(url.path)
        }
        if format != .html {
            let (markdown, charts) = MarkdownReport.render(data)
            let folder = base.appendingPathComponent("charts")
            // Charts of an earlier report in the same folder would otherwise linger next to the new ones.
            for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            where name.hasSuffix(".svg") && name.prefix(3).allSatisfy({ $0.isNumber || $0 == "-" }) && name.dropFirst(2).first == "-" {
                try? fm.removeItem(at: folder.appendingPathComponent(name))
            }
            if !charts.isEmpty { try fm.createDirectory(at: folder, withIntermediateDirectories: true) }
            for c in charts { try Data(c.svg.utf8).write(to: base.appendingPathComponent(c.path), options: .atomic) }
            let url = base.appendingPathComponent("report.md")
            try Data(markdown.utf8).write(to: url, options: .atomic)
            written.append(url.path)
            written += charts.map { base.appendingPathComponent($0.path).path }
        }
        return written
    }
}
