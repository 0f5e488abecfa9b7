import Foundation
import YardstickMetrics
import YardstickTestSupport
@testable import YardstickStore

/// A fresh folder per test, removed when the value goes away (tests run in parallel).
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("yardstick-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A new store in this folder.
    func store(_ name: String = "store.db") throws -> Store { try Store(path: path(name)) }

    /// A new, empty store on `backend`: a file in this folder, or a schema of its own on the PostgreSQL test server.
    func store(_ backend: Backend) throws -> Store { try Store(path: backend.newLocation(in: url)) }
}

extension Store {
    /// Row count of a table, for checking that nothing (or exactly something) was written.
    func count(_ table: String) throws -> Int {
        Int(try database.scalar("SELECT count(*) FROM \(table)").int64 ?? -1)
    }

    /// Row counts of every table, to compare before and after an operation that must change nothing.
    func tableCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Store.allTables {
            counts[table] = try count(table)
        }
        return counts
    }
}

extension Store {
    static let allTables = ["experiments", "runs", "params", "tags", "metric_keys", "metric_points", "datasets",
                            "dataset_aliases", "run_datasets", "prediction_sets", "predictions", "evaluations",
                            "evaluation_statistics", "evaluation_metrics", "example_scores", "response_cache", "imports",
                            "evaluation_shards", "evaluation_merges"]

    /// Records headline scores only (no predictions, no statistics) as one evaluation, optionally on a dataset.
    @discardableResult
    func recordScores(run: String, _ scores: [(String, Double)], dataset: DatasetContent? = nil) throws -> Int64 {
        try recordEvaluation(run: run, EvaluationRecord(
            dataset: dataset, settings: .object([]), predictions: [],
            metrics: scores.map { MetricRecord(name: $0.0, score: $0.1) }))
    }
}
