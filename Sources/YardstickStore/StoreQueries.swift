import Foundation
import YardstickMetrics

/// Where an imported file came from, as recorded in the `imports` table.
public struct ImportRecord: Sendable, Equatable {
    /// The file path as given when importing.
    public var path: String
    /// The ``ImportFormat`` raw value.
    public var format: String
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String
    /// File size in bytes.
    public var sizeBytes: Int64
    /// When the import ran.
    public var importedAt: Date
    /// Metric points the import added.
    public var points: Int

    /// An import record value.
    public init(path: String, format: String, sha256: String, sizeBytes: Int64, importedAt: Date, points: Int) {
        self.path = path
        self.format = format
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.importedAt = importedAt
        self.points = points
    }
}

extension Store {
    // MARK: Listing

    /// Runs with their params, tags, final metrics and evaluation scores.
    /// - Parameters:
    ///   - experiment: only runs of this experiment (which must exist).
    ///   - filter: a `--where` expression (see ``RunFilter``).
    ///   - sort: `KEY [asc|desc]` (see ``RunSort``); default newest first.
    ///   - limit: at most this many runs.
    /// - Throws: ``FilterError`` for a filter or sort the parser rejects.
    ///   - dataset: what a plain `metrics.X` means when X was evaluated on several datasets: a dataset label
    ///     (hash prefix) or path (see ``datasets(matching:)``).
    public func listRuns(experiment: String? = nil, where filter: String? = nil, sort: String? = nil, limit: Int? = nil,
                         dataset: String? = nil) throws -> [RunSummary] {
        try listRuns(
            experiment: experiment, filter: try filter.map { try RunFilter(parsing: $0) },
            sort: try sort.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try RunSort(parsing: $0) },
            limit: limit, dataset: dataset)
    }

    /// Runs matching a parsed filter; see ``listRuns(experiment:where:sort:limit:)``.
    public func listRuns(experiment: String? = nil, filter: RunFilter?, sort: RunSort? = nil, limit: Int? = nil,
                         dataset: String? = nil) throws -> [RunSummary] {
        if let experiment, try findExperiment(named: experiment) == nil { throw StoreError.experimentNotFound(experiment) }
        var b = SQLBuilder()
        b.dialect = database.dialect
        var keys = filter?.expression?.metricKeys ?? []
        if case let .metric(key)? = sort?.field { keys.append(key) }
        b.metricTargets = try metricTargets(for: keys, dataset: dataset)
        b.add("SELECT \(Store.runColumns) \(Store.runFrom) WHERE 1 = 1")
        if let experiment {
            b.add(" AND e.name = ")
            b.bind(.text(experiment))
        }
        if let expression = filter?.expression {
            b.add(" AND ")
            FilterSQL.condition(expression, into: &b)
        }
        b.add(" ORDER BY ")
        if let sort {
            FilterSQL.valueExpression(sort.field, into: &b)
            b.add(" IS NULL, ")
            FilterSQL.sortKeys(sort.field, direction: sort.descending ? " DESC" : " ASC", into: &b)
            b.add(", ")
        }
        b.add("r.created_at DESC, r.pk DESC")
        if let limit {
            b.add(" LIMIT ")
            b.bind(.integer(Int64(max(0, limit))))
        }
        let query = try database.prepare(b.sql)
        try query.bind(b.values)
        var found: [(Int64, Run)] = []
        while try query.step() { found.append((query.int64(12), Store.readRun(query))) }
        return try found.map { try summary(pk: $0.0, run: $0.1) }
    }

    func summary(pk: Int64, run: Run) throws -> RunSummary {
        RunSummary(
            run: run, params: try params(pk: pk), tags: try tags(pk: pk), finalMetrics: try finalMetrics(pk: pk),
            evaluationScores: try evaluationScores(pk: pk))
    }

    /// The summary of one run (by full id).
    public func summary(run id: String) throws -> RunSummary {
        let pk = try runKey(id)
        return try summary(pk: pk, run: run(pk: pk))
    }

    /// The files imported into a run, oldest first.
    public func imports(run id: String) throws -> [ImportRecord] {
        let query = try statement("SELECT path, format, sha256, size_bytes, imported_at, points FROM imports WHERE run_pk = ? ORDER BY id")
        defer { query.reset() }
        try query.bind(try runKey(id), at: 1)
        var result: [ImportRecord] = []
        while try query.step() {
            result.append(ImportRecord(
                path: query.string(0) ?? "", format: query.string(1) ?? "", sha256: query.string(2) ?? "",
                sizeBytes: query.int64(3), importedAt: StoreTime.parse(query.string(4) ?? "") ?? Date(timeIntervalSince1970: 0),
                points: Int(query.int64(5))))
        }
        return result
    }

    // MARK: Comparing

    /// Runs side by side (in the order given, by full id): which params differ and every metric.
    public func compare(runs ids: [String]) throws -> RunComparison {
        let summaries = try ids.map { try summary(run: $0) }
        let paramKeys = Set(summaries.flatMap(\.params.keys)).sorted()
        var differing: [ComparisonRow<ParamValue>] = []
        var common: [ComparisonRow<ParamValue>] = []
        for key in paramKeys {
            let row = ComparisonRow(key: key, values: summaries.map { $0.params[key] })
            if let first = row.values.first, row.values.allSatisfy({ $0 == first }), first != nil {
                common.append(row)
            } else {
                differing.append(row)
            }
        }
        let metricsByRun = summaries.map(\.metrics)
        let metricKeys = Set(metricsByRun.flatMap(\.keys)).sorted()
        let metrics = metricKeys.map { key in ComparisonRow(key: key, values: metricsByRun.map { $0[key] }) }
        return RunComparison(runs: summaries.map(\.run), differingParams: differing, commonParams: common, metrics: metrics)
    }

    // MARK: Export

    /// The fixed leading columns of an export.
    public static let exportAttributeColumns = [
        "id", "experiment", "name", "status", "created_at", "started_at", "ended_at", "provider", "job_id",
        "base_model", "fine_tuned_model",
    ]

    /// Every run (of `experiment`, or all) as one row: the attributes, then `params.*`, `metrics.*` and
    /// `tags.*` columns (sorted by key) — the layout of MLflow's `search_runs` data frame.
    /// CSV has a header row and empty cells for missing values; JSONL has every column in every object,
    /// `null` where missing, params with their JSON types, and `null` for non-finite metric values.
    public func export(format: ExportFormat, experiment: String? = nil) throws -> String {
        let summaries = try listRuns(experiment: experiment, filter: nil).reversed()
        let paramKeys = Set(summaries.flatMap(\.params.keys)).sorted()
        let metricKeys = Set(summaries.flatMap(\.metrics.keys)).sorted()
        let tagKeys = Set(summaries.flatMap(\.tags.keys)).sorted()
        let columns = Store.exportAttributeColumns + paramKeys.map { "params.\($0)" } + metricKeys.map { "metrics.\($0)" }
            + tagKeys.map { "tags.\($0)" }
        var out = ""
        if format == .csv {
            out += columns.map(Store.csvField).joined(separator: ",") + "\n"
        }
        for summary in summaries {
            let run = summary.run
            var cells: [JSONValue] = [
                .string(run.id), .string(run.experiment), .string(run.name), .string(run.status),
                .string(StoreTime.format(run.createdAt)), .string(run.startedAt.map(StoreTime.format)),
                .string(run.endedAt.map(StoreTime.format)), .string(run.provider), .string(run.jobID),
                .string(run.baseModel), .string(run.fineTunedModel),
            ]
            let metrics = summary.metrics
            cells += paramKeys.map { summary.params[$0].map(JSONValue.param) ?? .null }
            cells += metricKeys.map { metrics[$0].map(JSONValue.double) ?? .null }
            cells += tagKeys.map { summary.tags[$0].map(JSONValue.string) ?? .null }
            switch format {
            case .csv:
                out += cells.map(Store.csvCell).joined(separator: ",") + "\n"
            case .jsonl:
                out += JSONValue.object(Array(zip(columns, cells))).serialized()
                out += "\n"
            }
        }
        return out
    }

    /// A CSV cell for a JSON-typed value: numbers in shortest form (`NaN`, `inf`, `-inf` for non-finite).
    static func csvCell(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case let .string(s): return csvField(s)
        case let .double(d): return csvNumber(d)
        default: return csvField(value.serialized())
        }
    }

    /// A number for CSV: shortest round-trip form, `nan`/`inf`/`-inf` when not finite (text the log readers take
    /// back as values, so a history written out and logged again keeps its NaN points).
    public static func csvNumber(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return JSONValue.plainNumber(d)
    }

    /// RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.
    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
