import Foundation
import YardstickMetrics
import YardstickStore

/// Text tables and JSON documents printed by the tracking commands. JSON field names are stable;
/// the README documents them.
enum TrackingOutput {
    /// `1a2b3c4d (experiment/name)`.
    static func label(_ run: Run) -> String { "\(run.id.prefix(8)) (\(run.experiment)/\(run.name))" }

    /// A number for a table: 4 significant digits.
    static func short(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e6 { return String(Int64(value)) }
        return String(format: "%.4g", value)
    }

    /// Columns padded to their widest cell, two spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                out += cell
                if i < cells.count - 1 { out += String(repeating: " ", count: widths[i] - cell.count + 2) }
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    static func object<V>(_ dictionary: [String: V], _ transform: (V) -> JSONValue) -> JSONValue {
        .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, transform($0.value)) })
    }

    /// The run's attributes as JSON members.
    static func runMembers(_ run: Run) -> [(String, JSONValue)] {
        [
            ("id", .string(run.id)), ("experiment", .string(run.experiment)), ("name", .string(run.name)),
            ("status", .string(run.status)), ("created_at", .string(StoreTime.format(run.createdAt))),
            ("started_at", .string(run.startedAt.map(StoreTime.format))), ("ended_at", .string(run.endedAt.map(StoreTime.format))),
            ("provider", .string(run.provider)), ("job_id", .string(run.jobID)), ("base_model", .string(run.baseModel)),
            ("fine_tuned_model", .string(run.fineTunedModel)), ("notes", .string(run.notes)),
        ]
    }

    /// One element of `runs list --json`.
    static func summaryJSON(_ summary: RunSummary) -> JSONValue {
        .object(runMembers(summary.run) + [
            ("params", object(summary.params, JSONValue.param)),
            ("tags", object(summary.tags, JSONValue.string)),
            ("metrics", object(summary.metrics, JSONValue.double)),
            ("final_metrics", object(summary.finalMetrics, JSONValue.double)),
            ("evaluation_scores", object(summary.evaluationScores, JSONValue.double)),
        ])
    }

    /// The `runs list` table: params shown are those that differ between the listed runs (all of them
    /// for a single run), metrics are evaluation scores first, then final values.
    static func runTable(_ summaries: [RunSummary]) -> String {
        guard !summaries.isEmpty else { return "no runs\n" }
        let allKeys = Set(summaries.flatMap(\.params.keys)).sorted(by: fineTuningFirst)
        let shownKeys = summaries.count == 1 ? allKeys : allKeys.filter { key in
            let first = summaries[0].params[key]
            return summaries.contains { $0.params[key] != first }
        }
        let rows = summaries.map { summary -> [String] in
            let run = summary.run
            let params = shownKeys.compactMap { key in summary.params[key].map { "\(key)=\($0)" } }
            let metrics = summary.metrics
            let evaluationKeys = summary.evaluationScores.keys.filter { metrics[$0] != nil }.sorted()
            let historyKeys = summary.finalMetrics.keys.filter { summary.evaluationScores[$0] == nil }.sorted(by: fineTuningFirst)
            let metricCells = (evaluationKeys + historyKeys).prefix(5).map { "\($0)=\(short(metrics[$0] ?? .nan))" }
            let more = evaluationKeys.count + historyKeys.count > 5 ? " …" : ""
            let paramsText = params.prefix(5).joined(separator: " ") + (params.count > 5 ? " …" : "")
            return [String(run.id.prefix(8)), run.experiment, run.name, run.status, run.jobID ?? "-", paramsText.isEmpty ? "-" : paramsText,
                    metricCells.isEmpty ? "-" : metricCells.joined(separator: " ") + more]
        }
        return table(["ID", "EXPERIMENT", "NAME", "STATUS", "JOB", "PARAMS", "METRICS"], rows)
    }

    /// The keys a fine-tuner looks at first (losses, epochs, learning rate, batch size) lead a table row; the rest
    /// follow alphabetically, so five cells show what matters.
    static func fineTuningFirst(_ a: String, _ b: String) -> Bool {
        let leading = ["eval_loss", "train_loss", "n_epochs", "num_train_epochs", "learning_rate_multiplier",
                       "learning_rate", "batch_size", "train_batch_size", "max_steps", "eval_accuracy", "train_accuracy"]
        let ra = leading.firstIndex(of: a) ?? leading.count, rb = leading.firstIndex(of: b) ?? leading.count
        return ra != rb ? ra < rb : a < b
    }

    // MARK: History

    /// Writes `{"run", "points": [{key, step, epoch, value, wall_time}…]}` to stdout as it goes (see
    /// ``streamHistory(_:header:footer:keyField:row:)``); non-finite numbers are `null`.
    static func writeHistoryJSON(run: Run, points: [MetricPoint]) {
        var header = "{\"run\":"
        JSONValue.escape(run.id, into: &header)
        header += ",\"points\":["
        streamHistory(points, header: header, footer: "]}\n", keyField: { key in
            var field = "{\"key\":"
            JSONValue.escape(key, into: &field)
            return Array((field + ",\"step\":").utf8)
        }) { point, first, key, buffer in
            if !first { buffer.append(UInt8(ascii: ",")) }
            buffer += key
            buffer += String(point.step).utf8
            buffer += ",\"epoch\":".utf8
            buffer += (point.epoch.map(JSONValue.plainNumber) ?? "null").utf8
            buffer += ",\"value\":".utf8
            buffer += JSONValue.plainNumber(point.value).utf8
            buffer += ",\"wall_time\":".utf8
            buffer += (point.wallTime.map(JSONValue.plainNumber) ?? "null").utf8
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `key,step,epoch,value,wall_time` rows to stdout as it goes.
    static func writeHistoryCSV(_ points: [MetricPoint]) {
        streamHistory(points, header: "key,step,epoch,value,wall_time\n", footer: "",
                      keyField: { Array((Store.csvField($0) + ",").utf8) }) { point, _, key, buffer in
            buffer += key
            buffer += String(point.step).utf8
            buffer.append(UInt8(ascii: ","))
            if let epoch = point.epoch { buffer += Store.csvNumber(epoch).utf8 }
            buffer.append(UInt8(ascii: ","))
            buffer += Store.csvNumber(point.value).utf8
            buffer.append(UInt8(ascii: ","))
            if let wall = point.wallTime { buffer += Store.csvNumber(wall).utf8 }
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    /// Writes a history to stdout in 1 MiB chunks: a history can have millions of points, and one big `String`
    /// would triple the memory and the time. `keyField` is computed once per key (histories come grouped by
    /// key); `row` appends one point, given whether it is the first and its key's field.
    static func streamHistory(
        _ points: [MetricPoint], header: String, footer: String, keyField: (String) -> [UInt8],
        row: (MetricPoint, _ first: Bool, _ keyField: [UInt8], inout [UInt8]) -> Void
    ) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 256)
        buffer += Array(header.utf8)
        var lastKey: String?
        var field: [UInt8] = []
        for (i, point) in points.enumerated() {
            if point.key != lastKey {
                field = keyField(point.key)
                lastKey = point.key
            }
            row(point, i == 0, field, &buffer)
            if buffer.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        buffer += Array(footer.utf8)
        FileHandle.standardOutput.write(Data(buffer))
    }

    static func historyTable(_ points: [MetricPoint]) -> String {
        guard !points.isEmpty else { return "no points\n" }
        return table(["KEY", "STEP", "EPOCH", "VALUE", "WALL_TIME"], points.map { point in
            [point.key, String(point.step), point.epoch.map(short) ?? "-", Store.csvNumber(point.value),
             point.wallTime.map { StoreTime.format(Date(timeIntervalSince1970: $0)) } ?? "-"]
        })
    }

    // MARK: Compare

    static func comparisonJSON(_ comparison: RunComparison) -> JSONValue {
        .object([
            ("runs", .array(comparison.runs.map { .object([("id", .string($0.id)), ("name", .string($0.name)), ("experiment", .string($0.experiment))]) })),
            ("differing_params", .object(comparison.differingParams.map { row in
                (row.key, .array(row.values.map { $0.map(JSONValue.param) ?? .null }))
            })),
            ("common_params", .object(comparison.commonParams.map { row in
                (row.key, row.values.first.flatMap { $0 }.map(JSONValue.param) ?? .null)
            })),
            ("metrics", .object(comparison.metrics.map { row in (row.key, .array(row.values.map { JSONValue.double($0) })) })),
        ])
    }

    static func comparisonTable(_ comparison: RunComparison) -> String {
        let header = [""] + comparison.runs.map { "\($0.name) (\($0.id.prefix(8)))" }
        var rows: [[String]] = [["experiment"] + comparison.runs.map(\.experiment), ["status"] + comparison.runs.map(\.status)]
        rows += comparison.differingParams.sorted { fineTuningFirst($0.key, $1.key) }
            .map { row in ["params.\(row.key)"] + row.values.map { $0?.description ?? "-" } }
        rows += comparison.metrics.sorted { fineTuningFirst($0.key, $1.key) }
            .map { row in ["metrics.\(row.key)"] + row.values.map { $0.map(short) ?? "-" } }
        var out = table(header, rows)
        if !comparison.commonParams.isEmpty {
            out += "same in all runs: " + comparison.commonParams.map { "\($0.key)=\($0.values.first.flatMap { $0 }?.description ?? "")" }.joined(separator: " ") + "\n"
        }
        return out
    }

    // MARK: Show

    /// Everything `runs show` prints about one run.
    struct RunDetails {
        var summary: RunSummary
        var series: [MetricSeriesSummary]
        var evaluations: [StoredEvaluation]
        var datasets: [RunDataset]
        var imports: [ImportRecord]

        init(store: Store, run: Run) throws {
            summary = try store.summary(run: run.id)
            series = try store.metricSummaries(run: run.id)
            evaluations = try store.evaluations(run: run.id)
            datasets = try store.datasets(run: run.id)
            imports = try store.imports(run: run.id)
        }

        static func datasetJSON(_ d: DatasetReference) -> JSONValue {
            .object([("path", .string(d.path)), ("role", .string(d.role.rawValue)), ("sha256", .string(d.sha256)), ("size_bytes", .int(d.sizeBytes))])
        }

        func json() -> JSONValue {
            guard case let .object(base) = TrackingOutput.summaryJSON(summary) else { return .null }
            return .object(base + [
                ("metric_series", .array(series.map { s in
                    .object([
                        ("key", .string(s.key)), ("points", .int(Int64(s.points))), ("first_step", .int(s.firstStep)),
                        ("last_step", .int(s.lastStep)), ("last_value", .double(s.lastValue)), ("min_value", .double(s.minValue)),
                        ("max_value", .double(s.maxValue)),
                    ])
                })),
                ("evaluations", .array(evaluations.map(TrackingOutput.evaluationJSON))),
                ("datasets", .array(datasets.map { RunDetails.datasetJSON($0.reference) })),
                ("imports", .array(imports.map { i in
                    .object([
                        ("path", .string(i.path)), ("format", .string(i.format)), ("sha256", .string(i.sha256)),
                        ("size_bytes", .int(i.sizeBytes)), ("imported_at", .string(StoreTime.format(i.importedAt))),
                        ("points", .int(Int64(i.points))),
                    ])
                })),
            ])
        }

        func text() -> String {
            let run = summary.run
            var rows: [[String]] = [
                ["id", run.id], ["experiment", run.experiment], ["name", run.name], ["status", run.status],
                ["created", StoreTime.format(run.createdAt)],
            ]
            let optional: [(String, String?)] = [
                ("started", run.startedAt.map(StoreTime.format)), ("ended", run.endedAt.map(StoreTime.format)),
                ("provider", run.provider), ("job id", run.jobID), ("base model", run.baseModel),
                ("fine-tuned model", run.fineTunedModel), ("notes", run.notes),
            ]
            rows += optional.compactMap { label, value in value.map { [label, $0] } }
            var out = TrackingOutput.table(["RUN", ""], rows)
            if !summary.params.isEmpty {
                out += "\n" + TrackingOutput.table(["PARAM", "VALUE"], summary.params.sorted { $0.key < $1.key }.map { [$0.key, $0.value.description] })
            }
            if !summary.tags.isEmpty {
                out += "\n" + TrackingOutput.table(["TAG", "VALUE"], summary.tags.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
            }
            if !series.isEmpty {
                out += "\n" + TrackingOutput.table(["METRIC", "POINTS", "STEPS", "LAST", "MIN", "MAX"], series.map { s in
                    [s.key, String(s.points), "\(s.firstStep)–\(s.lastStep)", TrackingOutput.short(s.lastValue),
                     s.minValue.map(TrackingOutput.short) ?? "-", s.maxValue.map(TrackingOutput.short) ?? "-"]
                })
            }
            if !evaluations.isEmpty {
                out += "\n" + TrackingOutput.table(["EVALUATION", "METRIC", "SCORE", "CI", "N", "DATASET", "SIGNATURE"], evaluations.flatMap { e in
                    e.metrics.map { m in
                        var ci = "-"
                        if let low = m.ciLow, let high = m.ciHigh {
                            let level = m.ciLevel.map { "\(TrackingOutput.short($0 * 100))% " } ?? ""
                            ci = "\(level)[\(TrackingOutput.short(low)), \(TrackingOutput.short(high))]"
                        }
                        let dataset = e.dataset.map { "\($0.label) \($0.path)" } ?? "-"
                        return [String(e.id), m.name, TrackingOutput.short(m.score), ci, e.exampleCount.map(String.init) ?? "-",
                                dataset, m.signature ?? "-"]
                    }
                })
            }
            if !datasets.isEmpty {
                out += "\n" + TrackingOutput.table(["DATASET", "ROLE", "SHA256", "BYTES"], datasets.map { d in
                    [d.reference.path, d.reference.role.rawValue, d.reference.sha256.map { String($0.prefix(12)) } ?? "-",
                     d.reference.sizeBytes.map(String.init) ?? "-"]
                })
            }
            if !imports.isEmpty {
                out += "\n" + TrackingOutput.table(["IMPORTED FILE", "FORMAT", "POINTS", "AT"], imports.map { i in
                    [i.path, i.format, String(i.points), StoreTime.format(i.importedAt)]
                })
            }
            return out
        }
    }

    // MARK: Evaluations

    static func datasetJSON(_ d: StoredDataset) -> JSONValue {
        .object([("id", .int(d.id)), ("label", .string(d.label)), ("path", .string(d.path)),
                 ("content_sha256", .string(d.contentSHA256)), ("file_sha256", .string(d.fileSHA256)),
                 ("n_examples", .int(d.exampleCount.map(Int64.init)))])
    }

    static func evaluationJSON(_ e: StoredEvaluation) -> JSONValue {
        .object([
            ("id", .int(e.id)), ("dataset", e.dataset.map(datasetJSON) ?? .null),
            ("prediction_set", .int(e.predictionSetID)), ("n_examples", .int(e.exampleCount.map(Int64.init))),
            ("created_at", .string(StoreTime.format(e.createdAt))),
            ("metrics", .array(e.metrics.map { m in
                .object([
                    ("name", .string(m.name)), ("score", .double(m.score)), ("ci_low", .double(m.ciLow)),
                    ("ci_high", .double(m.ciHigh)), ("ci_level", .double(m.ciLevel)), ("signature", .string(m.signature)),
                    ("paired_testable", .bool(m.statisticsID != nil)), ("details", m.details.map { .raw($0) } ?? .null),
                ])
            })),
        ])
    }

    // MARK: Paired tests

    static func pairedJSON(_ report: PairedComparisonReport) -> [(String, JSONValue)] {
        [
            ("paired", .array(report.comparisons.map { c in
                .object([
                    ("metric", .string(c.metric)), ("dataset", datasetJSON(c.dataset)), ("signature", .string(c.signature)),
                    ("baseline", .string(c.baselineRunID)), ("run", .string(c.runID)),
                    ("baseline_score", .double(c.baselineScore)), ("score", .double(c.score)),
                    ("difference", .double(c.difference)), ("difference_low", .double(c.differenceLow)),
                    ("difference_high", .double(c.differenceHigh)), ("level", .double(c.confidenceLevel)),
                    ("test", .string(c.test.rawValue)), ("p_value", .double(c.pValue)), ("significant", .bool(c.pValue < 0.05)),
                ])
            })),
            ("not_compared", .array(report.mismatches.map { m in
                .object([("metric", .string(m.metric)), ("run", .string(m.runID)), ("reason", .string(m.reason))])
            })),
        ]
    }

    static func pairedTable(_ report: PairedComparisonReport, runs: [Run]) -> String {
        guard !report.comparisons.isEmpty || !report.mismatches.isEmpty else { return "" }
        func name(_ id: String) -> String { runs.first { $0.id == id }.map { "\($0.name) (\(id.prefix(8)))" } ?? String(id.prefix(8)) }
        var out = ""
        if !report.comparisons.isEmpty {
            let level = report.comparisons[0].confidenceLevel
            let header = ["RUN", "METRIC", "DATASET", "BASELINE", "SCORE", "DIFFERENCE",
                          "\(short(level * 100))% CI", "P", ""]
            out += "\n" + table(header, report.comparisons.map { c in
                let ci = c.differenceLow.flatMap { low in c.differenceHigh.map { "[\(signed(low)), \(signed($0))]" } } ?? "-"
                return [name(c.runID), c.metric, c.dataset.label, short(c.baselineScore), short(c.score), signed(c.difference), ci,
                        String(format: "%.4f", c.pValue), c.pValue < 0.05 ? "*" : ""]
            })
            out += "vs \(name(report.comparisons[0].baselineRunID)) by \(report.comparisons[0].test.rawValue); * p < 0.05\n"
        }
        if !report.mismatches.isEmpty {
            out += "\n" + table(["NOT COMPARED", "RUN", "WHY"], report.mismatches.map { [$0.metric, name($0.runID), $0.reason] })
        }
        return out
    }

    static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + short(x) }
}
