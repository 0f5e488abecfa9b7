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

    static func historyJSON(run: Run, points: [MetricPoint]) -> String {
        var out = "{\"run\":"
        JSONValue.escape(run.id, into: &out)
        out += ",\"points\":["
        out.reserveCapacity(points.count * 72)
        for (i, point) in points.enumerated() {
            if i > 0 { out += "," }
            out += "{\"key\":"
            JSONValue.escape(point.key, into: &out)
            out += ",\"step\":\(point.step),\"epoch\":"
            out += point.epoch.map(JSONValue.plainNumber) ?? "null"
            out += ",\"value\":" + JSONValue.plainNumber(point.value)
            out += ",\"wall_time\":" + (point.wallTime.map(JSONValue.plainNumber) ?? "null") + "}"
        }
        return out + "]}\n"
    }

    /// Writes `key,step,epoch,value,wall_time` rows to stdout in 1 MiB chunks: a history can have millions of
    /// points, and one big `String` would triple the memory and the time.
    static func writeHistoryCSV(_ points: [MetricPoint]) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 256)
        buffer += Array("key,step,epoch,value,wall_time\n".utf8)
        var lastKey: String?
        var keyField: [UInt8] = []
        for point in points {
            if point.key != lastKey {
                keyField = Array(Store.csvField(point.key).utf8)
                lastKey = point.key
            }
            buffer += keyField
            buffer.append(UInt8(ascii: ","))
            buffer += String(point.step).utf8
            buffer.append(UInt8(ascii: ","))
            if let epoch = point.epoch { buffer += Store.csvNumber(epoch).utf8 }
            buffer.append(UInt8(ascii: ","))
            buffer += Store.csvNumber(point.value).utf8
            buffer.append(UInt8(ascii: ","))
            if let wall = point.wallTime { buffer += Store.csvNumber(wall).utf8 }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
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
        var evaluations: [Evaluation]
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
                ("evaluations", .array(evaluations.map { e in
                    .object([
                        ("id", .int(e.id)), ("metric", .string(e.metric)), ("score", .double(e.score)), ("signature", .string(e.signature)),
                        ("ci_low", .double(e.ciLow)), ("ci_high", .double(e.ciHigh)), ("n_examples", .int(e.exampleCount.map(Int64.init))),
                        ("dataset", e.dataset.map(RunDetails.datasetJSON) ?? .null), ("created_at", .string(StoreTime.format(e.createdAt))),
                        ("details", e.details.map { .raw($0) } ?? .null),
                    ])
                })),
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
                out += "\n" + TrackingOutput.table(["EVALUATION", "SCORE", "95% CI", "N", "DATASET", "SIGNATURE"], evaluations.map { e in
                    let ci = e.ciLow.flatMap { low in e.ciHigh.map { "[\(TrackingOutput.short(low)), \(TrackingOutput.short($0))]" } } ?? "-"
                    return [e.metric, TrackingOutput.short(e.score), ci, e.exampleCount.map(String.init) ?? "-", e.dataset?.path ?? "-", e.signature ?? "-"]
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
}
