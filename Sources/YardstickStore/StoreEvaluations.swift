import Foundation
import YardstickMetrics

/// A dataset linked to a run, with the role it plays there.
public struct RunDataset: Sendable, Equatable {
    /// The `datasets.id`.
    public var id: Int64
    /// Path, hash and size, with the role the dataset plays in this run.
    public var reference: DatasetReference

    /// A dataset link.
    public init(id: Int64, reference: DatasetReference) {
        self.id = id
        self.reference = reference
    }
}

extension Store {
    // MARK: Datasets

    /// Registers a dataset (the same path and SHA-256 is stored once) and, when `run` is given, links it
    /// to that run with the reference's role. Returns the dataset id.
    @discardableResult
    public func addDataset(_ dataset: DatasetReference, run id: String? = nil) throws -> Int64 {
        try write {
            let datasetID = try datasetID(dataset)
            if let id { try linkDataset(datasetID, run: try runKey(id), role: dataset.role) }
            return datasetID
        }
    }

    /// Get-or-create; the caller holds the write transaction.
    func datasetID(_ dataset: DatasetReference) throws -> Int64 {
        let find = try statement("SELECT id, size_bytes FROM datasets WHERE path = ? AND sha256 IS NOT DISTINCT FROM ?")
        defer { find.reset() }
        try find.bind(dataset.path, at: 1)
        try find.bind(dataset.sha256, at: 2)
        if try find.step() {
            let id = find.int64(0)
            if find.isNull(1), let size = dataset.sizeBytes {
                find.reset()
                try database.execute("UPDATE datasets SET size_bytes = ? WHERE id = ?", [.integer(size), .integer(id)])
            }
            return id
        }
        let insert = try statement("INSERT INTO datasets(path, role, sha256, size_bytes) VALUES (?, ?, ?, ?)")
        defer { insert.reset() }
        try insert.bind(dataset.path, at: 1)
        try insert.bind(dataset.role.rawValue, at: 2)
        try insert.bind(dataset.sha256, at: 3)
        try insert.bind(dataset.sizeBytes, at: 4)
        try insert.step()
        return database.lastInsertRowID
    }

    func linkDataset(_ datasetID: Int64, run pk: Int64, role: DatasetReference.Role) throws {
        let link = try statement("INSERT INTO run_datasets(run_pk, dataset_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        defer { link.reset() }
        try link.bind(pk, at: 1)
        try link.bind(datasetID, at: 2)
        try link.bind(role.rawValue, at: 3)
        try link.step()
    }

    /// The datasets linked to a run, in path order, each with its role in that run.
    public func datasets(run id: String) throws -> [RunDataset] {
        let query = try statement("""
            SELECT d.id, d.path, l.role, COALESCE(d.content_sha256, d.sha256), d.size_bytes FROM run_datasets l JOIN datasets d ON d.id = l.dataset_id
            WHERE l.run_pk = ? ORDER BY d.path, l.role
            """)
        defer { query.reset() }
        try query.bind(try runKey(id), at: 1)
        var result: [RunDataset] = []
        while try query.step() {
            let role = DatasetReference.Role(rawValue: query.string(2) ?? "") ?? .train
            result.append(RunDataset(id: query.int64(0), reference: DatasetReference(
                path: query.string(1) ?? "", role: role, sha256: query.string(3), sizeBytes: query.optionalInt64(4))))
        }
        return result
    }

    // MARK: Evaluations

    static func encodeStatistics(_ values: [Double]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() { raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self) }
        }
        return data
    }

    static func decodeStatistics(_ data: Data) -> [Double] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    /// The dataset with this content, created (with `content`'s path as its first alias) when new; the path is
    /// added as a further alias when it is new. The caller holds the write transaction.
    func datasetID(_ content: DatasetContent) throws -> Int64 {
        let find = try statement("SELECT id FROM datasets WHERE content_sha256 = ?")
        defer { find.reset() }
        try find.bind(content.contentSHA256, at: 1)
        let id: Int64
        if try find.step() {
            id = find.int64(0)
        } else {
            find.reset()
            let insert = try statement("""
                INSERT INTO datasets(path, role, sha256, size_bytes, content_sha256, n_examples) VALUES (?, 'test', NULL, NULL, ?, ?)
                """)
            defer { insert.reset() }
            try insert.bind(content.path ?? "-", at: 1)
            try insert.bind(content.contentSHA256, at: 2)
            try insert.bind(Int64(content.exampleCount), at: 3)
            try insert.step()
            id = database.lastInsertRowID
        }
        if let path = content.path {
            let alias = try statement("""
                INSERT INTO dataset_aliases(dataset_id, path, file_sha256, size_bytes, first_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
            defer { alias.reset() }
            try alias.bind(id, at: 1)
            try alias.bind(path, at: 2)
            try alias.bind(content.fileSHA256, at: 3)
            try alias.bind(content.sizeBytes, at: 4)
            try alias.bind(StoreTime.format(Date()), at: 5)
            try alias.step()
        }
        return id
    }

    /// The prediction set of (run, dataset, settings), created when new. The caller holds the write transaction.
    func predictionSetID(run pk: Int64, dataset: Int64?, settings: JSONValue, createdAt: Date) throws -> Int64 {
        let text = settings.serialized()
        let hash = SHA256.hex(Data(text.utf8))
        let find = try statement("SELECT id FROM prediction_sets WHERE run_pk = ? AND dataset_id IS NOT DISTINCT FROM ? AND settings_sha256 = ?")
        defer { find.reset() }
        try find.bind(pk, at: 1)
        try find.bind(dataset, at: 2)
        try find.bind(hash, at: 3)
        if try find.step() { return find.int64(0) }
        let insert = try statement("""
            INSERT INTO prediction_sets(run_pk, dataset_id, settings, settings_sha256, created_at) VALUES (?, ?, ?, ?, ?)
            """)
        defer { insert.reset() }
        try insert.bind(pk, at: 1)
        try insert.bind(dataset, at: 2)
        try insert.bind(text, at: 3)
        try insert.bind(hash, at: 4)
        try insert.bind(StoreTime.format(createdAt), at: 5)
        try insert.step()
        return database.lastInsertRowID
    }

    /// Stores predictions of a set by position (a position given again replaces the earlier row). The caller
    /// holds the write transaction.
    func storePredictions(set: Int64, _ predictions: [PredictionRecord], startingAt first: Int = 0) throws {
        let insert = try statement("""
            INSERT INTO predictions(prediction_set_id, position, example_id, input, reference, prediction, error,
                                    latency_ms, cached, prompt_tokens, completion_tokens)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (prediction_set_id, position) DO UPDATE SET
                example_id = excluded.example_id, input = excluded.input, reference = excluded.reference,
                prediction = excluded.prediction, error = excluded.error, latency_ms = excluded.latency_ms,
                cached = excluded.cached, prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens
            """)
        defer { insert.reset() }
        try insert.bind(set, at: 1)
        for (offset, p) in predictions.enumerated() {
            try insert.bind(Int64(first + offset), at: 2)
            try insert.bind(p.exampleID, at: 3)
            try insert.bind(p.input, at: 4)
            try insert.bind(p.storedReference, at: 5)
            try insert.bind(p.prediction, at: 6)
            try insert.bind(p.error, at: 7)
            try insert.bind(p.latencyMs, at: 8)
            try insert.bind(Int64(p.cached ? 1 : 0), at: 9)
            try insert.bind(p.promptTokens.map(Int64.init), at: 10)
            try insert.bind(p.completionTokens.map(Int64.init), at: 11)
            try insert.step()
            insert.reset()
        }
    }

    /// Stores one evaluation of a run in one transaction: the dataset (by content), the prediction set (shared
    /// with earlier evaluations of the same run, dataset and settings), every metric with its interval, the
    /// per-segment statistics and the per-example scores. Returns the evaluation id.
    @discardableResult
    public func recordEvaluation(run id: String, _ record: EvaluationRecord) throws -> Int64 {
        for metric in record.metrics {
            guard !metric.name.isEmpty else { throw StoreError.invalidArgument("evaluation metric must not be empty") }
            if let index = metric.statisticsIndex, !record.statistics.indices.contains(index) {
                throw StoreError.invalidArgument("metric \(metric.name) refers to missing statistics \(index)")
            }
            if let scores = metric.exampleScores, scores.count != record.predictions.count {
                throw StoreError.invalidArgument("metric \(metric.name) has \(scores.count) example scores for \(record.predictions.count) predictions")
            }
            if let details = metric.details,
               (try? JSONSerialization.jsonObject(with: Data(details.utf8), options: [.fragmentsAllowed])) == nil {
                throw StoreError.invalidArgument("evaluation details must be JSON")
            }
        }
        if let count = record.dataset?.exampleCount, !record.predictions.isEmpty, count != record.predictions.count {
            throw StoreError.invalidArgument("\(record.predictions.count) predictions for a dataset of \(count) examples")
        }
        return try write {
            let pk = try runKey(id)
            var datasetID: Int64?
            if let dataset = record.dataset {
                datasetID = try self.datasetID(dataset)
                try linkDataset(datasetID!, run: pk, role: .test)
            }
            var setID: Int64?
            if !record.predictions.isEmpty {
                setID = try predictionSetID(run: pk, dataset: datasetID, settings: record.settings, createdAt: record.createdAt)
                try storePredictions(set: setID!, record.predictions)
            }
            try database.execute("""
                INSERT INTO evaluations(run_pk, dataset_id, prediction_set_id, n_examples, created_at) VALUES (?, ?, ?, ?, ?)
                """, [.integer(pk), datasetID.map { .integer($0) } ?? .null, setID.map { .integer($0) } ?? .null,
                      .integer(Int64(record.dataset?.exampleCount ?? record.predictions.count)),
                      .text(StoreTime.format(record.createdAt))])
            let evaluationID = database.lastInsertRowID
            var statisticsIDs: [Int64] = []
            for s in record.statistics {
                try database.execute("""
                    INSERT INTO evaluation_statistics(evaluation_id, metric, options, signature, width, segments, data)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [.integer(evaluationID), .text(s.options.metric.rawValue), .text(s.options.serialized),
                          .text(s.signature), .integer(Int64(s.statistics.width)), .integer(Int64(s.statistics.count)),
                          .blob(Store.encodeStatistics(s.statistics.values))])
                statisticsIDs.append(database.lastInsertRowID)
            }
            let insertScore = try statement("INSERT INTO example_scores(metric_id, position, score) VALUES (?, ?, ?)")
            defer { insertScore.reset() }
            for m in record.metrics {
                try database.execute("""
                    INSERT INTO evaluation_metrics(evaluation_id, statistics_id, name, score, ci_low, ci_high, ci_level,
                                                   signature, totals, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.integer(evaluationID), m.statisticsIndex.map { .integer(statisticsIDs[$0]) } ?? .null,
                          .text(m.name), m.score.isNaN ? .null : .real(m.score), m.ciLow.map { .real($0) } ?? .null,
                          m.ciHigh.map { .real($0) } ?? .null, m.ciLevel.map { .real($0) } ?? .null,
                          m.signature.map { .text($0) } ?? .null,
                          m.totals.map { .blob(Store.encodeStatistics($0)) } ?? .null, m.details.map { .text($0) } ?? .null])
                let metricID = database.lastInsertRowID
                guard let scores = m.exampleScores else { continue }
                try insertScore.bind(metricID, at: 1)
                for (position, score) in scores.enumerated() {
                    try insertScore.bind(Int64(position), at: 2)
                    try insertScore.bind(score.isNaN ? nil : score, at: 3)
                    try insertScore.step()
                    insertScore.reset()
                }
            }
            return evaluationID
        }
    }

    static let storedDatasetColumns = "d.id, d.path, d.content_sha256, d.sha256, d.n_examples"

    static func readDataset(_ s: Statement, from column: Int32) -> StoredDataset? {
        guard !s.isNull(column) else { return nil }
        return StoredDataset(
            id: s.int64(column), path: s.string(column + 1) ?? "", contentSHA256: s.string(column + 2),
            fileSHA256: s.string(column + 3), exampleCount: s.optionalInt64(column + 4).map { Int($0) })
    }

    /// A run's evaluations, oldest first, each with its dataset and metrics.
    public func evaluations(run id: String) throws -> [StoredEvaluation] {
        try evaluations(where: "ev.run_pk = ?", [.integer(runKey(id))])
    }

    /// One evaluation by id.
    public func evaluation(id: Int64) throws -> StoredEvaluation {
        guard let found = try evaluations(where: "ev.id = ?", [.integer(id)]).first else { throw StoreError.evaluationNotFound(id) }
        return found
    }

    private func evaluations(where condition: String, _ values: [SQLValue]) throws -> [StoredEvaluation] {
        let query = try statement("""
            SELECT ev.id, r.id, ev.prediction_set_id, ev.n_examples, ev.created_at, \(Store.storedDatasetColumns)
            FROM evaluations ev JOIN runs r ON r.pk = ev.run_pk LEFT JOIN datasets d ON d.id = ev.dataset_id
            WHERE \(condition) ORDER BY ev.id
            """)
        defer { query.reset() }
        try query.bind(values)
        var result: [StoredEvaluation] = []
        while try query.step() {
            result.append(StoredEvaluation(
                id: query.int64(0), runID: query.string(1) ?? "", dataset: Store.readDataset(query, from: 5),
                predictionSetID: query.optionalInt64(2), exampleCount: query.optionalInt64(3).map { Int($0) },
                createdAt: StoreTime.parse(query.string(4) ?? "") ?? Date(timeIntervalSince1970: 0), metrics: []))
        }
        query.reset()
        let metrics = try statement("""
            SELECT id, name, score, ci_low, ci_high, ci_level, signature, statistics_id, details FROM evaluation_metrics
            WHERE evaluation_id = ? ORDER BY id
            """)
        defer { metrics.reset() }
        for i in result.indices {
            try metrics.bind(result[i].id, at: 1)
            while try metrics.step() {
                result[i].metrics.append(StoredMetric(
                    id: metrics.int64(0), name: metrics.string(1) ?? "", score: metrics.optionalDouble(2) ?? .nan,
                    ciLow: metrics.optionalDouble(3), ciHigh: metrics.optionalDouble(4), ciLevel: metrics.optionalDouble(5),
                    signature: metrics.string(6), statisticsID: metrics.optionalInt64(7), details: metrics.string(8)))
            }
            metrics.reset()
        }
        return result
    }

    /// Stored per-segment statistics by id.
    public func statistics(id: Int64) throws -> StoredStatistics {
        let query = try statement("SELECT evaluation_id, options, signature, width, segments, data FROM evaluation_statistics WHERE id = ?")
        defer { query.reset() }
        try query.bind(id, at: 1)
        guard try query.step() else { throw StoreError.invalidArgument("no statistics with id \(id)") }
        let width = Int(query.int64(3)), segments = Int(query.int64(4))
        let values = Store.decodeStatistics(query.data(5) ?? Data())
        guard width > 0, values.count == width * segments else {
            throw StoreError.invalidArgument("statistics \(id) hold \(values.count) numbers, expected \(width) × \(segments)")
        }
        return StoredStatistics(
            id: id, evaluationID: query.int64(0), options: try StoredMetricOptions(serialized: query.string(1) ?? ""),
            signature: query.string(2) ?? "", statistics: SegmentStatistics(width: width, values: values))
    }

    /// The predictions an evaluation scored, in dataset order, with that evaluation's per-example scores;
    /// optionally a page of them.
    public func predictions(evaluation evaluationID: Int64, offset: Int = 0, limit: Int? = nil) throws -> [StoredPrediction] {
        let evaluation = try self.evaluation(id: evaluationID)
        guard let set = evaluation.predictionSetID else { return [] }
        var result = try predictions(set: set, offset: offset, limit: limit)
        var byPosition: [Int: Int] = [:]
        for (index, p) in result.enumerated() { byPosition[p.position] = index }
        guard let first = result.first?.position, let last = result.last?.position else { return result }
        let scores = try statement("""
            SELECT s.position, s.score FROM example_scores s WHERE s.metric_id = ? AND s.position BETWEEN ? AND ?
            """)
        defer { scores.reset() }
        for metric in evaluation.metrics {
            try scores.bind(metric.id, at: 1)
            try scores.bind(Int64(first), at: 2)
            try scores.bind(Int64(last), at: 3)
            while try scores.step() {
                if let index = byPosition[Int(scores.int64(0))] {
                    result[index].scores[metric.name] = scores.optionalDouble(1) ?? .nan
                }
            }
            scores.reset()
        }
        return result
    }

    /// The latest score of each evaluation metric of a run: keyed `NAME` where the store holds that metric for
    /// one dataset only, else `NAME@LABEL` per dataset (so a plain name never mixes test sets).
    func evaluationScores(pk: Int64) throws -> [String: Double] {
        let query = try statement("""
            SELECT m.name, m.score, \(Store.storedDatasetColumns), (
                SELECT COUNT(DISTINCT ev2.dataset_id) FROM evaluation_metrics m2 JOIN evaluations ev2 ON ev2.id = m2.evaluation_id
                WHERE m2.name = m.name)
            FROM evaluation_metrics m JOIN evaluations ev ON ev.id = m.evaluation_id LEFT JOIN datasets d ON d.id = ev.dataset_id
            WHERE ev.run_pk = ? ORDER BY ev.id, m.id
            """)
        defer { query.reset() }
        try query.bind(pk, at: 1)
        var result: [String: Double] = [:]
        while try query.step() {
            let name = query.string(0) ?? ""
            let score = query.optionalDouble(1) ?? .nan
            let label = Store.readDataset(query, from: 2)?.label
            if let label, query.int64(7) > 1 { result["\(name)@\(label)"] = score } else { result[name] = score }
        }
        return result
    }
}
