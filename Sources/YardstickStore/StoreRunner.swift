import Foundation
import YardstickMetrics

/// A model response kept in the store's cache.
public struct CachedResponse: Sendable, Equatable {
    /// What the model returned (before post-processing).
    public var output: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The canonical JSON the key hashes (provider, base URL, model, settings, request; never a key or header).
    public var parts: String
    public var createdAt: Date

    public init(output: String, promptTokens: Int? = nil, completionTokens: Int? = nil, parts: String, createdAt: Date = Date()) {
        self.output = output
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.parts = parts
        self.createdAt = createdAt
    }
}

/// What `yardstick cache stats` reports.
public struct CacheStatistics: Sendable, Equatable {
    public var entries: Int
    public var bytes: Int
    public var oldest: Date?
    public var newest: Date?
    /// Entries per provider and model (`openai:gpt-4o-mini`, `command:…`).
    public var byModel: [(model: String, entries: Int)]

    public static func == (a: CacheStatistics, b: CacheStatistics) -> Bool {
        a.entries == b.entries && a.bytes == b.bytes && a.oldest == b.oldest && a.newest == b.newest
            && a.byModel.map(\.model) == b.byModel.map(\.model) && a.byModel.map(\.entries) == b.byModel.map(\.entries)
    }
}

/// Schema version 3: the response cache of the test-set runner. It belongs to no run, so deleting a run keeps it.
enum StoreMigrationV3 {
    static let sql = """
        CREATE TABLE response_cache (
            key               TEXT PRIMARY KEY,
            model             TEXT NOT NULL,
            parts             TEXT NOT NULL,
            output            TEXT NOT NULL,
            prompt_tokens     INTEGER,
            completion_tokens INTEGER,
            created_at        TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX response_cache_by_created ON response_cache(created_at);
        """
}

extension Store {
    // MARK: Response cache

    /// The cached responses among `keys` (hex SHA-256 strings), read in one pass.
    public func cachedResponses(keys: [String]) throws -> [String: CachedResponse] {
        let query = try statement("""
            SELECT output, prompt_tokens, completion_tokens, parts, created_at FROM response_cache WHERE key = ?
            """)
        defer { query.reset() }
        var found: [String: CachedResponse] = [:]
        for key in keys {
            try query.bind(key, at: 1)
            if try query.step() {
                found[key] = CachedResponse(
                    output: query.string(0) ?? "", promptTokens: query.optionalInt64(1).map { Int($0) },
                    completionTokens: query.optionalInt64(2).map { Int($0) }, parts: query.string(3) ?? "",
                    createdAt: StoreTime.parse(query.string(4) ?? "") ?? Date(timeIntervalSince1970: 0))
            }
            query.reset()
        }
        return found
    }

    /// Keeps a successful response (an existing entry with the same key is replaced).
    public func cacheResponse(key: String, model: String, _ response: CachedResponse) throws {
        try write {
            let insert = try statement("""
                INSERT INTO response_cache(key, model, parts, output, prompt_tokens, completion_tokens, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                    model = excluded.model, parts = excluded.parts, output = excluded.output,
                    prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
                    created_at = excluded.created_at
                """)
            defer { insert.reset() }
            try insert.bind(key, at: 1)
            try insert.bind(model, at: 2)
            try insert.bind(response.parts, at: 3)
            try insert.bind(response.output, at: 4)
            try insert.bind(response.promptTokens.map(Int64.init), at: 5)
            try insert.bind(response.completionTokens.map(Int64.init), at: 6)
            try insert.bind(StoreTime.format(response.createdAt), at: 7)
            try insert.step()
        }
    }

    /// Cache entries whose key starts with `prefix` (at most `limit`), newest first.
    public func cachedResponses(keyPrefix prefix: String, limit: Int = 20) throws -> [(key: String, response: CachedResponse)] {
        try database.query("""
            SELECT key, output, prompt_tokens, completion_tokens, parts, created_at FROM response_cache
            WHERE substr(key, 1, length(?1)) = ?1 ORDER BY created_at DESC LIMIT ?2
            """, [.text(prefix), .integer(Int64(limit))]).map { r in
            (r[0].text ?? "", CachedResponse(
                output: r[1].text ?? "", promptTokens: r[2].int64.map { Int($0) }, completionTokens: r[3].int64.map { Int($0) },
                parts: r[4].text ?? "", createdAt: StoreTime.parse(r[5].text ?? "") ?? Date(timeIntervalSince1970: 0)))
        }
    }

    /// Size and age of the cache.
    public func cacheStatistics() throws -> CacheStatistics {
        let row = try database.query("""
            SELECT COUNT(*), COALESCE(SUM(length(key) + length(parts) + length(output)), 0), MIN(created_at), MAX(created_at)
            FROM response_cache
            """)[0]
        let models = try database.query("SELECT model, COUNT(*) FROM response_cache GROUP BY model ORDER BY 2 DESC, 1")
        return CacheStatistics(
            entries: Int(row[0].int64 ?? 0), bytes: Int(row[1].int64 ?? 0),
            oldest: row[2].text.flatMap(StoreTime.parse), newest: row[3].text.flatMap(StoreTime.parse),
            byModel: models.map { ($0[0].text ?? "", Int($0[1].int64 ?? 0)) })
    }

    /// Deletes cache entries (those created before `date` when given); returns how many.
    @discardableResult
    public func clearCache(olderThan date: Date? = nil) throws -> Int {
        try write {
            if let date {
                try database.execute("DELETE FROM response_cache WHERE created_at < ?", [.text(StoreTime.format(date))])
            } else {
                try database.execute("DELETE FROM response_cache")
            }
            return database.changes
        }
    }

    // MARK: Prediction sets, one example at a time

    /// The prediction set of (run, dataset, settings), created with the dataset and its link to the run when
    /// new: a runner writes its predictions into it as they finish, and finds them again on resume.
    public func predictionSet(run id: String, dataset: DatasetContent?, settings: JSONValue) throws -> Int64 {
        try write {
            let pk = try runKey(id)
            var datasetID: Int64?
            if let dataset {
                datasetID = try self.datasetID(dataset)
                try linkDataset(datasetID!, run: pk, role: .test)
            }
            return try predictionSetID(run: pk, dataset: datasetID, settings: settings, createdAt: Date())
        }
    }

    /// Stores finished predictions of a set, in one transaction (so a crash loses only what was in flight).
    public func savePredictions(set: Int64, _ predictions: [(position: Int, record: PredictionRecord)]) throws {
        try write {
            for (position, record) in predictions { try storePredictions(set: set, [record], startingAt: position) }
        }
    }

    /// The stored predictions of a set in dataset order, optionally a page of them (no scores).
    public func predictions(set: Int64, offset: Int = 0, limit: Int? = nil) throws -> [StoredPrediction] {
        let query = try statement("""
            SELECT position, example_id, input, reference, prediction, error, latency_ms, cached, prompt_tokens, completion_tokens
            FROM predictions WHERE prediction_set_id = ? ORDER BY position LIMIT ? OFFSET ?
            """)
        defer { query.reset() }
        try query.bind(set, at: 1)
        // No limit: SQLite reads -1 as none, PostgreSQL NULL (and refuses -1); the largest count serves both.
        try query.bind(Int64(limit ?? Int(Int64.max)), at: 2)
        try query.bind(Int64(offset), at: 3)
        var result: [StoredPrediction] = []
        while try query.step() {
            result.append(StoredPrediction(
                position: Int(query.int64(0)), exampleID: query.string(1) ?? "", input: query.string(2),
                reference: query.string(3), prediction: query.string(4), error: query.string(5),
                latencyMs: query.optionalDouble(6), cached: query.int64(7) != 0,
                promptTokens: query.optionalInt64(8).map { Int($0) }, completionTokens: query.optionalInt64(9).map { Int($0) },
                scores: [:]))
        }
        return result
    }

    /// Sets a run's status (`running`, `finished`, `failed`) and, when given, its end time.
    public func setStatus(run id: String, _ status: String, endedAt: Date? = nil) throws {
        try write {
            let pk = try runKey(id)
            try database.execute(
                "UPDATE runs SET status = ?, ended_at = COALESCE(?, ended_at) WHERE pk = ?",
                [.text(status), endedAt.map { .text(StoreTime.format($0)) } ?? .null, .integer(pk)])
        }
    }
}

extension Store {
    /// Runs several store calls as one transaction: all of them are kept, or none (each call inside joins it).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try write(body)
    }
}

extension Store {
    /// Records the provider job id of a run's model (`ftjob-…`), so the run resolves by it.
    public func setJobID(run id: String, _ jobID: String) throws {
        try write {
            let pk = try runKey(id)
            try database.execute("UPDATE runs SET job_id = ? WHERE pk = ?", [.text(jobID), .integer(pk)])
        }
    }
}
