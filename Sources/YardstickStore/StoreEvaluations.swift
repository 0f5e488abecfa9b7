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
        let find = try statement("SELECT id, size_bytes FROM datasets WHERE path = ? AND sha256 IS ?")
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
        let link = try statement("INSERT OR IGNORE INTO run_datasets(run_pk, dataset_id, role) VALUES (?, ?, ?)")
        defer { link.reset() }
        try link.bind(pk, at: 1)
        try link.bind(datasetID, at: 2)
        try link.bind(role.rawValue, at: 3)
        try link.step()
    }

    /// The datasets linked to a run, in path order, each with its role in that run.
    public func datasets(run id: String) throws -> [RunDataset] {
        let query = try statement("""
            SELECT d.id, d.path, l.role, d.sha256, d.size_bytes FROM run_datasets l JOIN datasets d ON d.id = l.dataset_id
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
        var data = Data(capacity: values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func decodeStatistics(_ data: Data) -> [Double] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { start in
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(bytes[start + i]) << (8 * UInt64(i)) }
            return Double(bitPattern: bits)
        }
    }

    /// Stores an evaluation of a run (registering and linking its dataset, if any) and returns its id.
    @discardableResult
    public func addEvaluation(run id: String, _ evaluation: Evaluation) throws -> Int64 {
        guard !evaluation.metric.isEmpty else { throw StoreError.invalidArgument("evaluation metric must not be empty") }
        if let details = evaluation.details {
            guard (try? JSONSerialization.jsonObject(with: Data(details.utf8), options: [.fragmentsAllowed])) != nil else {
                throw StoreError.invalidArgument("evaluation details must be JSON")
            }
        }
        return try write {
            let pk = try runKey(id)
            var datasetID: Int64?
            if let dataset = evaluation.dataset {
                datasetID = try self.datasetID(dataset)
                try linkDataset(datasetID!, run: pk, role: dataset.role)
            }
            let insert = try statement("""
                INSERT INTO evaluations(run_pk, dataset_id, metric, score, signature, ci_low, ci_high, statistics,
                                        n_examples, created_at, details)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            defer { insert.reset() }
            try insert.bind(pk, at: 1)
            try insert.bind(datasetID, at: 2)
            try insert.bind(evaluation.metric, at: 3)
            try insert.bind(evaluation.score, at: 4)
            try insert.bind(evaluation.signature, at: 5)
            try insert.bind(evaluation.ciLow, at: 6)
            try insert.bind(evaluation.ciHigh, at: 7)
            try insert.bind(evaluation.statistics.map(Store.encodeStatistics), at: 8)
            try insert.bind(evaluation.exampleCount.map(Int64.init), at: 9)
            try insert.bind(StoreTime.format(evaluation.createdAt), at: 10)
            try insert.bind(evaluation.details, at: 11)
            try insert.step()
            return database.lastInsertRowID
        }
    }

    /// A run's evaluations, oldest first.
    public func evaluations(run id: String) throws -> [Evaluation] {
        try evaluations(where: "e.run_pk = ?", [.integer(runKey(id))])
    }

    /// One evaluation by id.
    public func evaluation(id: Int64) throws -> Evaluation {
        guard let found = try evaluations(where: "e.id = ?", [.integer(id)]).first else { throw StoreError.evaluationNotFound(id) }
        return found
    }

    private func evaluations(where condition: String, _ values: [SQLValue]) throws -> [Evaluation] {
        let query = try statement("""
            SELECT e.id, e.metric, e.score, e.signature, e.ci_low, e.ci_high, e.statistics, e.n_examples,
                   e.created_at, e.details, d.path, d.role, d.sha256, d.size_bytes
            FROM evaluations e LEFT JOIN datasets d ON d.id = e.dataset_id
            WHERE \(condition) ORDER BY e.id
            """)
        defer { query.reset() }
        try query.bind(values)
        var result: [Evaluation] = []
        while try query.step() {
            let dataset = query.string(10).map { path in
                DatasetReference(path: path, role: DatasetReference.Role(rawValue: query.string(11) ?? "") ?? .test,
                                 sha256: query.string(12), sizeBytes: query.optionalInt64(13))
            }
            result.append(Evaluation(
                id: query.int64(0), metric: query.string(1) ?? "", score: query.isNull(2) ? .nan : query.double(2),
                signature: query.string(3), ciLow: query.optionalDouble(4), ciHigh: query.optionalDouble(5),
                statistics: query.data(6).map(Store.decodeStatistics), exampleCount: query.optionalInt64(7).map { Int($0) },
                dataset: dataset, details: query.string(9),
                createdAt: StoreTime.parse(query.string(8) ?? "") ?? Date(timeIntervalSince1970: 0)))
        }
        return result
    }

    /// The latest evaluation score of each metric of a run.
    func evaluationScores(pk: Int64) throws -> [String: Double] {
        let query = try statement("SELECT metric, score FROM evaluations WHERE run_pk = ? ORDER BY id")
        defer { query.reset() }
        try query.bind(pk, at: 1)
        var result: [String: Double] = [:]
        while try query.step() { result[query.string(0) ?? ""] = query.isNull(1) ? .nan : query.double(1) }
        return result
    }

    // MARK: Examples

    /// Stores scored examples of an evaluation in one transaction; an example id given again replaces the
    /// earlier row.
    public func addExamples(evaluation evaluationID: Int64, _ examples: [EvaluationExample]) throws {
        try write {
            guard try database.scalar("SELECT 1 FROM evaluations WHERE id = ?", [.integer(evaluationID)]) != .null else {
                throw StoreError.evaluationNotFound(evaluationID)
            }
            let insert = try statement("""
                INSERT INTO examples(evaluation_id, example_id, input, reference, prediction, scores, error, latency_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(evaluation_id, example_id) DO UPDATE SET input = excluded.input,
                    reference = excluded.reference, prediction = excluded.prediction, scores = excluded.scores,
                    error = excluded.error, latency_ms = excluded.latency_ms
                """)
            defer { insert.reset() }
            try insert.bind(evaluationID, at: 1)
            for example in examples {
                try insert.bind(example.exampleID, at: 2)
                try insert.bind(example.input, at: 3)
                try insert.bind(example.reference, at: 4)
                try insert.bind(example.prediction, at: 5)
                let scores = JSONValue.object(example.scores.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) })
                try insert.bind(example.scores.isEmpty ? nil : scores.serialized(), at: 6)
                try insert.bind(example.error, at: 7)
                try insert.bind(example.latencyMs, at: 8)
                try insert.step()
                insert.reset()
            }
        }
    }

    /// The examples of an evaluation in the order they were first stored, optionally a page of them.
    public func examples(evaluation evaluationID: Int64, offset: Int = 0, limit: Int? = nil) throws -> [EvaluationExample] {
        let query = try statement("""
            SELECT example_id, input, reference, prediction, scores, error, latency_ms FROM examples
            WHERE evaluation_id = ? ORDER BY id LIMIT ? OFFSET ?
            """)
        defer { query.reset() }
        try query.bind(evaluationID, at: 1)
        try query.bind(Int64(limit ?? -1), at: 2)
        try query.bind(Int64(offset), at: 3)
        var result: [EvaluationExample] = []
        while try query.step() {
            var scores: [String: Double] = [:]
            if let text = query.string(4),
               let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
                for (key, value) in object { scores[key] = (value as? NSNumber)?.doubleValue ?? .nan }
            }
            result.append(EvaluationExample(
                exampleID: query.string(0) ?? "", input: query.string(1), reference: query.string(2),
                prediction: query.string(3), scores: scores, error: query.string(5), latencyMs: query.optionalDouble(6)))
        }
        return result
    }
}
