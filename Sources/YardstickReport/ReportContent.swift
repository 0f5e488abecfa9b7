import Foundation
import YardstickAdvisor
import YardstickMetrics
import YardstickStore

/// A table cell before escaping: the renderers escape `text` for their format.
struct Cell {
    var text: String
    var numeric = false
    /// For sorting in the page: numbers sort as numbers.
    var sortValue: Double?
    var cssClass: String?
}

struct Table {
    var headers: [String]
    var rows: [[Cell]]
}

/// Format-independent pieces of the report: the tables and charts both renderers draw.
enum ReportContent {
    static let trainLoss = "train_loss", evalLoss = "eval_loss", evalFullLoss = "eval_full_loss"
    /// Hyperparameters worth a column even when every run shares them.
    static let keyParams = ["learning_rate", "learning_rate_multiplier", "n_epochs", "num_train_epochs", "batch_size", "train_batch_size",
                            "per_device_train_batch_size", "gradient_accumulation_steps", "max_steps", "warmup_ratio", "weight_decay",
                            "lora_r", "lora_alpha", "beta", "method"]

    static func finite(_ points: [MetricPoint]) -> [MetricPoint] { points.filter { $0.value.isFinite } }

    static func best(_ points: [MetricPoint]?) -> MetricPoint? {
        guard let points else { return nil }
        var best: MetricPoint?
        for p in points where p.value.isFinite && (best == nil || p.value < best!.value) { best = p }
        return best
    }

    /// Params that differ between the runs (missing counts as different), then shared key hyperparameters.
    static func paramColumns(_ runs: [ReportRun]) -> (differing: [String], common: [String]) {
        let keys = Set(runs.flatMap(\.params.keys)).subtracting(Advisor.runFacts)
        let differing = runs.count > 1 ? keys.filter { k in Set(runs.map { $0.params[k]?.description ?? "\u{0}" }).count > 1 }.sorted() : []
        let common = keyParams.filter { keys.contains($0) && !differing.contains($0) }
        return (Array(differing.prefix(12)), Array(common.prefix(max(0, 14 - differing.count))))
    }

    /// (metric, dataset label) columns in first-seen order: scores on different test sets never share a column.
    static func evaluationColumns(_ runs: [ReportRun]) -> [(metric: String, dataset: String?)] {
        var out: [(metric: String, dataset: String?)] = []
        var seen = Set<String>()
        for r in runs {
            for e in r.evaluations {
                for m in e.metrics where seen.insert("\(m.name)@\(e.dataset?.label ?? "")").inserted { out.append((m.name, e.dataset?.label)) }
            }
        }
        return out
    }

    static func latestMetric(_ r: ReportRun, _ metric: String, _ dataset: String?) -> StoredMetric? {
        r.evaluations.last { $0.dataset?.label == dataset && $0.metrics.contains { $0.name == metric } }?.metrics.first { $0.name == metric }
    }

    static func scoreText(_ m: StoredMetric) -> String {
        var s = NumberFormat.score(m.score)
        if let l = m.ciLow, let h = m.ciHigh { s += " [\(NumberFormat.score(l)), \(NumberFormat.score(h))]" }
        return s
    }

    static func summary(_ runs: [ReportRun]) -> Table {
        let (differing, common) = paramColumns(runs)
        let evals = evaluationColumns(runs)
        let hasTags = runs.contains { !$0.tags.isEmpty }
        var headers = ["run", "status", "job id", "model"] + differing + common
        headers += ["train loss final", "train loss best (step)", "val loss final", "val loss best (step)"]
        headers += evals.map { $0.metric + ($0.dataset.map { "@" + $0 } ?? "") }
        headers += ["epochs", "learning rate", "batch size"]
        if hasTags { headers.append("tags") }
        let rows: [[Cell]] = runs.map { r in
            var row = [Cell(text: r.run.name), Cell(text: r.run.status), Cell(text: r.run.jobID ?? "")]
            let model = [r.run.baseModel, r.run.fineTunedModel].compactMap { $0 }.joined(separator: " → ")
            row.append(Cell(text: model, cssClass: model.count > 30 ? "w" : nil))
            for k in differing + common {
                let v = r.params[k]
                // 4.8285223367697e-05 reads as 4.829e-05; the exact value is one `runs show` away.
                let text = v.map { v in v.numericValue.map { n in v.description.count > 9 ? String(format: "%.4g", n) : v.description } ?? v.description } ?? ""
                row.append(Cell(text: text, numeric: v?.numericValue != nil, sortValue: v?.numericValue, cssClass: text.count > 30 ? "w" : nil))
            }
            for key in [trainLoss, evalLoss] {
                let series = r.history[key]
                let last = series?.last
                row.append(Cell(text: last.map { NumberFormat.short($0.value) } ?? "", numeric: true, sortValue: last?.value))
                let b = best(series)
                row.append(Cell(text: b.map { "\(NumberFormat.short($0.value)) (\(NumberFormat.grouped($0.step)))" } ?? "", numeric: true, sortValue: b?.value))
            }
            for column in evals {
                let m = latestMetric(r, column.metric, column.dataset)
                row.append(Cell(text: m.map(scoreText) ?? "", numeric: true, sortValue: m?.score))
            }
            for knob in [r.advice.epochs, r.advice.learningRate, r.advice.batchSize] {
                row.append(Cell(text: knob.rawValue, cssClass: knob.rawValue))
            }
            if hasTags { row.append(Cell(text: r.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "), cssClass: "w")) }
            return row
        }
        return Table(headers: headers, rows: rows)
    }

    /// Steps where a new whole epoch starts, from the epochs the log recorded with its points.
    static func epochBoundaries(_ history: [String: [MetricPoint]]) -> [EpochBoundary] {
        guard let series = [trainLoss, evalLoss].compactMap({ history[$0] }).first(where: { $0.contains { $0.epoch != nil } }) else { return [] }
        var out: [EpochBoundary] = []
        var last: Int?
        for p in series {
            guard let e = p.epoch, e.isFinite else { continue }
            let whole = Int((e + 1e-9).rounded(.down))
            if let l = last, whole > l { out.append(EpochBoundary(step: Double(p.step), epoch: whole)) }
            last = whole
        }
        // The last boundary is the run's end when training stops exactly at a whole epoch: not a boundary.
        if let final = series.last?.step, let lastBoundary = out.last, lastBoundary.step >= Double(final) { out.removeLast() }
        return out
    }

    static func points(_ series: [MetricPoint]) -> [SeriesPoint] {
        series.map { SeriesPoint(x: Double($0.step), y: $0.value) }
    }

    static func validationMarker(_ r: ReportRun, color: Int) -> ChartMarker? {
        guard let b = best(r.history[evalLoss]) else { return nil }
        var label = "validation minimum \(NumberFormat.short(b.value)) at step \(NumberFormat.grouped(b.step))"
        if let e = b.epoch { label += " (epoch \(NumberFormat.short((e * 100).rounded() / 100)))" }
        return ChartMarker(x: Double(b.step), y: b.value, label: label, color: color)
    }

    /// The run's loss chart: training and validation loss, epochs, validation minimum.
    static func lossChart(_ r: ReportRun, smoothing: Double) -> LineChart? {
        var series: [LineSeries] = []
        if let t = r.history[trainLoss], !t.isEmpty { series.append(LineSeries(name: "training loss", color: 0, points: points(t))) }
        if let v = r.history[evalLoss], !v.isEmpty { series.append(LineSeries(name: "validation loss", color: 1, points: points(v), dashed: true)) }
        if let v = r.history[evalFullLoss], !v.isEmpty { series.append(LineSeries(name: "full validation loss", color: 2, points: points(v), dashed: true)) }
        guard !series.isEmpty else { return nil }
        return LineChart(title: "\(r.run.name): loss", yLabel: "loss", series: series,
                         markers: validationMarker(r, color: 1).map { [$0] } ?? [], epochs: epochBoundaries(r.history), smoothing: smoothing)
    }

    /// Accuracy curves and other evaluation metrics the run logged, one chart per group.
    static func metricCharts(_ r: ReportRun, smoothing: Double) -> [LineChart] {
        let skip: Set<String> = [trainLoss, evalLoss, evalFullLoss, "learning_rate", "grad_norm", "epoch", "elapsed_tokens", "elapsed_examples"]
        let keys = r.history.keys.filter { k in
            !skip.contains(k) && !k.hasSuffix("runtime") && !k.hasSuffix("per_second") && !k.hasSuffix("_number") && (r.history[k]?.count ?? 0) > 1
        }.sorted()
        let accuracy = keys.filter { $0.contains("accuracy") }
        var charts: [LineChart] = []
        if !accuracy.isEmpty {
            charts.append(LineChart(title: "\(r.run.name): accuracy", yLabel: "accuracy",
                                    series: accuracy.enumerated().map { LineSeries(name: $1, color: $0, points: points(r.history[$1]!), dashed: $1.hasPrefix("eval")) },
                                    epochs: epochBoundaries(r.history), smoothing: smoothing, logScale: false))
        }
        for k in keys.filter({ !$0.contains("accuracy") && ($0.hasPrefix("eval") || $0.hasPrefix("valid")) }).prefix(3) {
            charts.append(LineChart(title: "\(r.run.name): \(k)", yLabel: k, series: [LineSeries(name: k, color: 3, points: points(r.history[k]!))],
                                    epochs: epochBoundaries(r.history), smoothing: smoothing))
        }
        return charts
    }

    /// All runs' training (and validation) loss in one chart each, a run per colour.
    static func overlays(_ runs: [ReportRun], smoothing: Double) -> [LineChart] {
        guard runs.count > 1 else { return [] }
        var charts: [LineChart] = []
        for (key, label) in [(trainLoss, "training loss"), (evalLoss, "validation loss")] {
            let series = runs.compactMap { r in r.history[key].flatMap { $0.isEmpty ? nil : LineSeries(name: r.run.name, color: r.color, points: points($0),
                                                                                                  dashed: r.color / ReportStyle.paletteSize % 2 == 1) } }
            if series.count > 1 {
                charts.append(LineChart(title: "All runs: \(label)", yLabel: label, series: series, smoothing: smoothing,
                                        buckets: runs.count > 8 ? 200 : 400, showRaw: series.count <= 3))
            }
        }
        return charts
    }

    /// One bar chart per evaluated (metric, dataset), with the stored intervals.
    static func barCharts(_ runs: [ReportRun]) -> [BarChart] {
        evaluationColumns(runs).compactMap { column in
            let bars = runs.compactMap { r in
                latestMetric(r, column.metric, column.dataset).map { Bar(label: r.run.name, color: r.color, value: $0.score, low: $0.ciLow, high: $0.ciHigh) }
            }
            guard !bars.isEmpty else { return nil }
            return BarChart(title: column.metric + (column.dataset.map { " on \($0)" } ?? ""), bars: bars)
        }
    }

    static func comparisonTable(_ data: ReportData) -> Table {
        let names = Dictionary(data.runs.map { ($0.run.id, $0.run.name) }, uniquingKeysWith: { a, _ in a })
        let rows: [[Cell]] = data.comparisons.map { c in
            let ci = (c.differenceLow.flatMap { l in c.differenceHigh.map { "[\(NumberFormat.score(l)), \(NumberFormat.score($0))]" } }) ?? ""
            let significant = c.pValue < 1 - c.confidenceLevel
            return [
                Cell(text: c.metric), Cell(text: c.dataset.label),
                Cell(text: "\(names[c.runID] ?? c.runID) − \(names[c.baselineRunID] ?? c.baselineRunID)"),
                Cell(text: NumberFormat.score(c.baselineScore), numeric: true, sortValue: c.baselineScore),
                Cell(text: NumberFormat.score(c.score), numeric: true, sortValue: c.score),
                Cell(text: (c.difference > 0 ? "+" : "") + NumberFormat.score(c.difference), numeric: true, sortValue: c.difference),
                Cell(text: ci, numeric: true),
                Cell(text: NumberFormat.pValue(c.pValue) + (significant ? " *" : ""), numeric: true, sortValue: c.pValue, cssClass: significant ? "sig" : nil),
            ]
        }
        return Table(headers: ["metric", "dataset", "difference", "baseline", "run", "Δ", "\(Int((data.options.comparison.confidenceLevel * 100).rounded()))% CI (paired bootstrap)", "p"],
                     rows: rows)
    }

    static func mismatchLines(_ data: ReportData) -> [String] {
        let names = Dictionary(data.runs.map { ($0.run.id, $0.run.name) }, uniquingKeysWith: { a, _ in a })
        return data.mismatches.map { "\($0.metric) of \(names[$0.runID] ?? $0.runID): not compared, \($0.reason)" }
    }

    /// Runs with a loss curve (advised) and runs without one (evaluated only), in order.
    static func splitByCurves(_ runs: [ReportRun]) -> (curved: [ReportRun], curveless: [ReportRun]) {
        let hasCurve = { (r: ReportRun) in [trainLoss, evalLoss, evalFullLoss].contains { !(r.history[$0] ?? []).isEmpty } }
        return (runs.filter(hasCurve), runs.filter { !hasCurve($0) })
    }

    /// The run's advice as short lines: diagnoses with evidence, knobs, stop point.
    static func knobLine(_ a: Advice) -> String {
        "epochs \(a.epochs.rawValue), learning rate \(a.learningRate.rawValue), batch size \(a.batchSize.rawValue)"
    }

    static func stopLine(_ a: Advice) -> String? {
        guard let step = a.stopStep else { return nil }
        return "stop at step \(NumberFormat.grouped(step))" + (a.stopEpoch.map { String(format: " (epoch %.2f)", $0) } ?? "")
            + (a.checkpoint.map { ", checkpoint \($0)" } ?? "")
    }
}
