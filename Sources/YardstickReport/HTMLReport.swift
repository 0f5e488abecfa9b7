import Foundation
import YardstickMetrics
import YardstickStore

/// The report as one self-contained HTML page: inline CSS and SVG, no request of any kind, a small inline script
/// that only sorts tables (the page reads the same without it), light and dark colour schemes.
///
/// Every user-supplied string goes through ``Escape/html(_:)``; a Content-Security-Policy allows no network and
/// only the report's own script (by its hash), so even text that slipped past escaping could not run.
public enum HTMLReport {
    static let script = """
        document.querySelectorAll("table.sortable th").forEach(function(th,i){th.dataset.sort="";th.title="Sort";\
        th.addEventListener("click",function(){var b=th.closest("table").tBodies[0],r=Array.from(b.rows),d=th.dataset.dir==="a"?"d":"a";\
        th.dataset.dir=d;r.sort(function(x,y){var p=x.cells[i],q=y.cells[i],u=p.dataset.v,v=q.dataset.v;\
        var c=(u!==undefined&&v!==undefined)?(+u)-(+v):p.textContent.localeCompare(q.textContent);return d==="a"?c:-c});\
        r.forEach(function(e){b.appendChild(e)})})});
        """

    public static func render(_ data: ReportData) -> String {
        var h = ""
        h.reserveCapacity(200_000 + data.runs.count * 60_000)
        let hash = Data(Array(script.utf8).withUnsafeBytes { SHA256.digest($0) }).base64EncodedString()
        h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">"
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-\(hash)'\">"
        h += "<title>\(Escape.html(data.title))</title><style>\(ReportStyle.html)</style></head><body><main>\n"
        h += "<h1>\(Escape.html(data.title))</h1>"
        let formatter = ISO8601DateFormatter()
        h += "<p class=\"meta\">\(data.runs.count) run\(data.runs.count == 1 ? "" : "s") · generated \(formatter.string(from: data.generatedAt)) by yardstick \(Escape.html(Yardstick.version))</p>"
        h += "<nav class=\"meta\"><a href=\"#runs\">Runs</a> · <a href=\"#curves\">Loss curves</a> · <a href=\"#comparison\">Comparison</a> · <a href=\"#advice\">Advice</a> · <a href=\"#examples\">Examples</a></nav>\n"

        h += "<section id=\"runs\"><h2>Runs</h2>"
        let (differing, common) = ReportContent.paramColumns(data.runs)
        if data.runs.count > 1 {
            h += "<p class=\"note\">" + (differing.isEmpty ? "The runs share their hyperparameters." : "Hyperparameters that differ come first: \(differing.map(Escape.html).joined(separator: ", ")).")
            if !common.isEmpty { h += " Shared: \(common.map(Escape.html).joined(separator: ", "))." }
            h += " Scores are the latest evaluation with its 95% bootstrap interval; the last three columns are the advice for the next run.</p>"
        }
        h += table(ReportContent.summary(data.runs), sortable: true)
        h += "</section>\n"

        h += "<section id=\"curves\"><h2>Loss curves</h2>"
        var figures = ReportContent.overlays(data.runs, smoothing: data.options.smoothing).map { $0.render() }
        for r in data.runs {
            if let chart = ReportContent.lossChart(r, smoothing: data.options.smoothing) { figures.append(chart.render()) }
            figures += ReportContent.metricCharts(r, smoothing: data.options.smoothing).map { $0.render() }
        }
        if figures.isEmpty { h += "<p class=\"note\">No run has a logged loss curve.</p>" }
        h += "<div class=\"charts\">" + figures.map(figure).joined() + "</div></section>\n"

        h += "<section id=\"comparison\"><h2>Comparison</h2>"
        let bars = ReportContent.barCharts(data.runs).map { $0.render() }
        if bars.isEmpty { h += "<p class=\"note\">No run has a stored evaluation (<code>yardstick score … --run RUN</code> records one).</p>" }
        h += "<div class=\"charts\">" + bars.map(figure).joined() + "</div>"
        if !data.comparisons.isEmpty {
            h += "<h3>Paired differences</h3><p class=\"note\">Each run against an earlier one on the same test set with the same signature: "
                + "difference with its paired-bootstrap interval and p-value from the stored per-segment statistics (as <code>runs compare</code>); "
                + "* marks p below \(NumberFormat.short(1 - data.options.comparison.confidenceLevel)).</p>"
            h += table(ReportContent.comparisonTable(data), sortable: true)
        }
        let mismatches = ReportContent.mismatchLines(data)
        if !mismatches.isEmpty {
            h += "<h3>Not compared</h3><ul>" + mismatches.map { "<li class=\"flag\">\(Escape.html($0))</li>" }.joined() + "</ul>"
        }
        h += "</section>\n"

        h += "<section id=\"advice\"><h2>Advice</h2>"
        let (curved, curveless) = ReportContent.splitByCurves(data.runs)
        for r in curved {
            let a = r.advice
            h += "<div class=\"run\"><h3>\(Escape.html(r.run.name))</h3><ul class=\"diag\">"
            for d in a.diagnoses {
                h += "<li><b>\(Escape.html(d.label.rawValue))</b> (confidence \(String(format: "%.2f", d.confidence))): \(Escape.html(d.evidence))</li>"
            }
            h += "</ul><p>Next run: epochs <span class=\"\(a.epochs.rawValue)\">\(a.epochs.rawValue)</span>, learning rate <span class=\"\(a.learningRate.rawValue)\">\(a.learningRate.rawValue)</span>, batch size <span class=\"\(a.batchSize.rawValue)\">\(a.batchSize.rawValue)</span>"
            if let stop = ReportContent.stopLine(a) { h += "; \(Escape.html(stop))" }
            h += ".</p>"
            if !a.reasons.isEmpty { h += "<ul class=\"note\">" + a.reasons.map { "<li>\(Escape.html($0))</li>" }.joined() + "</ul>" }
            h += "</div>"
        }
        if !curveless.isEmpty {
            h += "<p class=\"note\">No loss curve to advise on: \(curveless.map { Escape.html($0.run.name) }.joined(separator: ", ")).</p>"
        }
        if !data.findings.isEmpty {
            h += "<h3>Across runs</h3><ul>" + data.findings.map { "<li><b>\(Escape.html($0.parameter))</b> <span class=\"\($0.direction.rawValue)\">\($0.direction.rawValue)</span>: \(Escape.html($0.evidence))</li>" }.joined() + "</ul>"
        }
        h += "</section>\n"

        h += "<section id=\"examples\"><h2>Examples</h2>"
        if data.examples.isEmpty { h += "<p class=\"note\">No stored predictions with per-example scores.</p>" }
        h += "<p class=\"note\">Highlighted: <mark class=\"x\">words of the prediction not in the reference</mark>, <mark class=\"m\">words of the reference the prediction missed</mark>.</p>"
        for set in data.examples { h += examples(set) }
        h += "</section>\n</main><script>\(script)</script></body></html>\n"
        return h
    }

    static func figure(_ r: LineChart.Rendered) -> String {
        "<figure>\(r.svg)<figcaption>\(Escape.html(r.caption))</figcaption></figure>"
    }

    static func table(_ t: Table, sortable: Bool) -> String {
        var h = "<div class=\"scroll\"><table\(sortable ? " class=\"sortable\"" : "")><thead><tr>"
        for header in t.headers { h += "<th>\(Escape.html(header))</th>" }
        h += "</tr></thead><tbody>"
        for row in t.rows {
            h += "<tr>"
            for cell in row {
                var classes: [String] = []
                if cell.numeric { classes.append("n") }
                if let c = cell.cssClass { classes.append(c) }
                h += "<td"
                if !classes.isEmpty { h += " class=\"\(Escape.html(classes.joined(separator: " ")))\"" }
                if let v = cell.sortValue, v.isFinite { h += " data-v=\"\(v)\"" }
                h += ">\(Escape.html(cell.text))</td>"
            }
            h += "</tr>"
        }
        return h + "</tbody></table></div>"
    }

    /// Escaped text with each run of differing words in one mark (the spaces between them included).
    static func highlighted(_ tokens: [WordDiff.Token], mark: String) -> String {
        var h = ""
        var open = false
        var pendingSpace = ""
        for t in tokens {
            if WordDiff.isSpace(t.text) {
                pendingSpace += Escape.html(t.text)
                continue
            }
            if t.common {
                if open { h += "</mark>" }
                open = false
                h += pendingSpace + Escape.html(t.text)
            } else {
                if open { h += pendingSpace } else { h += pendingSpace + "<mark class=\"\(mark)\">" }
                open = true
                h += Escape.html(t.text)
            }
            pendingSpace = ""
        }
        if open { h += "</mark>" }
        return h + pendingSpace
    }

    static func examples(_ set: ReportExampleSet) -> String {
        var h = "<h3>\(Escape.html(set.title))</h3>"
        let pair = set.otherRunName != nil
        let hasInput = set.examples.contains { !($0.input ?? "").isEmpty }
        let columns = (hasInput ? 1 : 0) + (pair ? 3 : 2)
        for e in set.examples {
            var meta = "example \(Escape.html(e.exampleID)) · \(Escape.html(set.metric)) \(NumberFormat.score(e.score))"
            if let other = e.otherScore, let name = set.otherRunName {
                meta = "example \(Escape.html(e.exampleID)) · \(Escape.html(set.metric)) \(NumberFormat.score(e.score)) (\(Escape.html(set.runName))) → \(NumberFormat.score(other)) (\(Escape.html(name)))"
            }
            h += "<p class=\"meta\">\(meta)</p><div class=\"ex\" style=\"--cols:\(columns)\">"
            if hasInput { h += "<div><b>input</b>\(Escape.html(e.input ?? ""))</div>" }
            let reference = e.reference ?? ""
            let a = WordDiff.diff(e.prediction ?? "", reference)
            h += "<div><b>prediction\(pair ? " of " + Escape.html(set.runName) : "")</b>\(highlighted(a.a, mark: "x"))</div>"
            if pair {
                let b = WordDiff.diff(e.otherPrediction ?? "", reference)
                h += "<div><b>prediction of \(Escape.html(set.otherRunName!))</b>\(highlighted(b.a, mark: "x"))</div>"
            }
            h += "<div><b>reference</b>\(highlighted(a.b, mark: "m"))</div></div>"
        }
        return h
    }
}
