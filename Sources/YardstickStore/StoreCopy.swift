import Foundation

/// Rows of one table that a copy wrote, and rows it found already in the destination.
public struct StoreCopyCount: Sendable, Equatable {
    /// Rows added to the destination.
    public var copied = 0
    /// Rows of the source the destination already held (matched by their identity, not their integer key).
    public var alreadyPresent = 0

    /// A count from its parts.
    public init(copied: Int = 0, alreadyPresent: Int = 0) {
        self.copied = copied
        self.alreadyPresent = alreadyPresent
    }
}

/// What ``Store/copy(to:progress:)`` did, table by table.
public struct StoreCopySummary: Sendable, Equatable {
    /// Every table a copy reads, in the order it copies them.
    public static let tables = [
        "experiments", "metric_keys", "datasets", "dataset_aliases", "response_cache", "runs", "params", "tags",
        "metric_points", "run_datasets", "imports", "prediction_sets", "predictions", "evaluation_shards", "evaluations",
        "evaluation_statistics", "evaluation_metrics", "example_scores", "evaluation_merges",
    ]
    /// Counts by table name; every name of ``tables`` is present.
    public var tables: [String: StoreCopyCount] = Dictionary(uniqueKeysWithValues: StoreCopySummary.tables.map { ($0, StoreCopyCount()) })
    /// Runs the destination already had whose `status` or empty columns took the source's values.
    public var runsUpdated = 0

    /// An empty summary.
    public init() {}

    /// Rows added, all tables together.
    public var copied: Int { tables.values.reduce(0) { $0 + $1.copied } }
    /// Rows already in the destination, all tables together.
    public var alreadyPresent: Int { tables.values.reduce(0) { $0 + $1.alreadyPresent } }

    mutating func add(_ other: StoreCopySummary) {
        for (table, count) in other.tables {
            tables[table, default: StoreCopyCount()].copied += count.copied
            tables[table, default: StoreCopyCount()].alreadyPresent += count.alreadyPresent
        }
        runsUpdated += other.runsUpdated
    }

    mutating func copied(_ table: String, _ n: Int = 1) { tables[table, default: StoreCopyCount()].copied += n }
    mutating func present(_ table: String, _ n: Int = 1) { tables[table, default: StoreCopyCount()].alreadyPresent += n }
    mutating func outcome(_ table: String, inserted: Bool) { inserted ? copied(table) : present(table) }
}

/// How far a copy is, reported after each batch.
public struct StoreCopyProgress: Sendable, Equatable {
    /// Source rows handled so far (copied or found in the destination).
    public var rowsDone: Int
    /// Source rows in all, counted when the copy started.
    public var rowsTotal: Int
    /// Runs finished so far.
    public var runsDone: Int
    /// Runs in the source.
    public var runsTotal: Int
}

/// A copy that stopped; the destination keeps the runs and batches committed before the failure, each whole.
public struct StoreCopyError: Error, CustomStringConvertible {
    /// What was being copied: `run 0123…cdef (experiment/name)` or `table datasets`.
    public var item: String
    /// Runs fully copied (or already present) before the failure.
    public var runsDone: Int
    /// The underlying failure.
    public var underlying: any Error

    public var description: String {
        let reason = String(describing: underlying)
        return "copying \(item) failed, nothing of it was written (\(runsDone) runs before it were copied): \(reason)"
    }
}

extension Store {
    /// Copies every experiment, run and evaluation of this store into `destination`, which may be on another backend
    /// and may already hold other runs.
    ///
    /// Rows are matched by what identifies them, never by their integer keys: experiments by name, runs by their
    /// 32-hex id, metric keys by name, test sets by content hash (other datasets by path and file hash), prediction
    /// sets by (run, dataset, settings hash), evaluations by (run, prediction set, creation time, example count), and
    /// child rows by their unique keys within those. A row the destination already has is left as it is — except that
    /// a run's empty columns (`ended_at`, models, …) are filled and a `running` status takes the source's — so a copy
    /// is idempotent: running it again adds nothing, and after the source gained points or evaluations it adds exactly
    /// those. Metric points go through the store's own point insertion, so identical points are skipped and different
    /// values at one step keep their order.
    ///
    /// Each run is copied in one write transaction (with its points, predictions and evaluations), and the tables that
    /// belong to no run in transactions of ``batchSize`` rows, so a failure leaves the destination with whole runs.
    /// - Parameter progress: called after each batch and each run.
    /// - Throws: ``StoreCopyError`` naming the run or table that failed.
    @discardableResult
    public func copy(to destination: Store, progress: (StoreCopyProgress) -> Void = { _ in }) throws -> StoreCopySummary {
        try copy(to: destination, pointPage: 50_000, progress: progress)
    }

    /// ``copy(to:progress:)`` reading metric histories `pointPage` points at a time (tests use small pages).
    func copy(to destination: Store, pointPage: Int, progress: (StoreCopyProgress) -> Void = { _ in }) throws -> StoreCopySummary {
        try withoutActuallyEscaping(progress) { progress in
            try StoreCopier(source: self, destination: destination, pointPage: pointPage, progress: progress).run()
        }
    }
}

/// One copy between two stores: the id maps from source keys to destination keys, and the running totals.
private final class StoreCopier {
    /// Rows per transaction for the tables that belong to no run.
    static let batchSize = 1000
    /// Points per read of a metric history: bounds memory whatever the size of a run.
    let pointPage: Int

    let source: Store
    let destination: Store
    let reportProgress: (StoreCopyProgress) -> Void
    var summary = StoreCopySummary()
    var progress = StoreCopyProgress(rowsDone: 0, rowsTotal: 0, runsDone: 0, runsTotal: 0)
    var experiments: [Int64: Int64] = [:]
    var datasets: [Int64: Int64] = [:]
    /// Source rows handled by committed transactions; a run in progress adds its own count on top until it commits.
    var committedRows = 0

    var src: Database { source.database }
    var dst: Database { destination.database }

    init(source: Store, destination: Store, pointPage: Int, progress: @escaping (StoreCopyProgress) -> Void) {
        self.pointPage = max(1, pointPage)
        self.source = source
        self.destination = destination
        reportProgress = progress
    }

    func run() throws -> StoreCopySummary {
        for table in StoreCopySummary.tables {
            progress.rowsTotal += Int(try src.scalar("SELECT count(*) FROM \(table)").int64 ?? 0)
        }
        let runs = try src.query("SELECT r.pk, r.id, e.name, r.name FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.created_at, r.pk")
        progress.runsTotal = runs.count
        reportProgress(progress)

        try batched("experiments", "SELECT id, name, created_at FROM experiments WHERE id > ? ORDER BY id LIMIT ?", copyExperiment)
        try batched("metric_keys", "SELECT id, key FROM metric_keys WHERE id > ? ORDER BY id LIMIT ?", copyMetricKey)
        try batched("datasets", """
            SELECT id, path, role, sha256, size_bytes, content_sha256, n_examples FROM datasets WHERE id > ? ORDER BY id LIMIT ?
            """, copyDataset)
        try batched("dataset_aliases", """
            SELECT id, dataset_id, path, file_sha256, size_bytes, first_seen FROM dataset_aliases WHERE id > ? ORDER BY id LIMIT ?
            """, copyDatasetAlias)
        try copyResponseCache()

        for row in runs {
            let (pk, id) = (row[0].int64 ?? 0, row[1].text ?? "")
            do {
                // One snapshot of the source per run, so a run written meanwhile is copied as it was at one moment.
                let counts = try src.transaction(.deferred) {
                    try destination.write {
                        var copy = RunCopy(self, sourcePK: pk, id: id)
                        return try copy.copy()
                    }
                }
                summary.add(counts)
                committedRows += counts.copied + counts.alreadyPresent
            } catch {
                throw StoreCopyError(item: "run \(id) (\(row[2].text ?? "")/\(row[3].text ?? ""))", runsDone: progress.runsDone, underlying: error)
            }
            progress.runsDone += 1
            progress.rowsDone = committedRows
            reportProgress(progress)
        }
        return summary
    }

    /// Copies a run-independent table in batches of ``batchSize`` rows, one destination transaction each; `query` takes
    /// the last source key seen and a limit, and returns the key first.
    private func batched(_ table: String, _ query: String, _ copyRow: ([SQLValue], inout StoreCopySummary) throws -> Void) throws {
        var last: Int64 = .min
        while true {
            let rows = try src.query(query, [.integer(last), .integer(Int64(Self.batchSize))])
            guard let tail = rows.last else { return }
            do {
                // Built in the transaction and kept only once it commits: a retried or failed batch leaves no stale keys.
                let counts = try destination.write {
                    pendingKeys.removeAll()
                    var counts = StoreCopySummary()
                    for row in rows { try copyRow(row, &counts) }
                    return counts
                }
                summary.add(counts)
            } catch {
                throw StoreCopyError(item: "table \(table) (rows after key \(last))", runsDone: progress.runsDone, underlying: error)
            }
            for (from, to) in pendingKeys {
                if table == "experiments" { experiments[from] = to } else { datasets[from] = to }
            }
            pendingKeys.removeAll()
            last = tail[0].int64 ?? last
            committedRows += rows.count
            progress.rowsDone = committedRows
            reportProgress(progress)
        }
    }

    /// Keys mapped by the batch in progress.
    private var pendingKeys: [(Int64, Int64)] = []

    private func copyExperiment(_ row: [SQLValue], _ counts: inout StoreCopySummary) throws {
        if let found = try dst.query("SELECT id FROM experiments WHERE name = ?", [row[1]]).first?[0].int64 {
            pendingKeys.append((row[0].int64 ?? 0, found))
            return counts.present("experiments")
        }
        try dst.execute("INSERT INTO experiments(name, created_at) VALUES (?, ?)", [row[1], row[2]])
        pendingKeys.append((row[0].int64 ?? 0, dst.lastInsertRowID))
        counts.copied("experiments")
    }

    private func copyMetricKey(_ row: [SQLValue], _ counts: inout StoreCopySummary) throws {
        let key = row[1].text ?? ""
        let existed = try destination.existingKeyID(key) != nil
        _ = try destination.keyID(key)
        counts.outcome("metric_keys", inserted: !existed)
    }

    private func copyDataset(_ row: [SQLValue], _ counts: inout StoreCopySummary) throws {
        // A test set is its content; other datasets are a path and a file hash (which may be NULL, hence the null-safe match).
        var found: Int64?
        if !row[5].isNull {
            found = try dst.query("SELECT id FROM datasets WHERE content_sha256 = ?", [row[5]]).first?[0].int64
        }
        if found == nil {
            found = try dst.query("SELECT id FROM datasets WHERE path = ? AND sha256 IS NOT DISTINCT FROM ? ORDER BY id LIMIT 1",
                                  [row[1], row[3]]).first?[0].int64
        }
        if let found {
            pendingKeys.append((row[0].int64 ?? 0, found))
            return counts.present("datasets")
        }
        try dst.execute("INSERT INTO datasets(path, role, sha256, size_bytes, content_sha256, n_examples) VALUES (?, ?, ?, ?, ?, ?)",
                        Array(row[1...6]))
        pendingKeys.append((row[0].int64 ?? 0, dst.lastInsertRowID))
        counts.copied("datasets")
    }

    private func copyDatasetAlias(_ row: [SQLValue], _ counts: inout StoreCopySummary) throws {
        guard let dataset = row[1].int64.flatMap({ datasets[$0] }) else {
            throw StoreError.invalidArgument("dataset alias \(row[0].int64 ?? 0) names dataset \(row[1].int64 ?? 0), which was not copied")
        }
        try dst.execute("""
            INSERT INTO dataset_aliases(dataset_id, path, file_sha256, size_bytes, first_seen) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, [.integer(dataset)] + Array(row[2...5]))
        counts.outcome("dataset_aliases", inserted: dst.changes > 0)
    }

    private func copyResponseCache() throws {
        var last = ""
        while true {
            let rows = try src.query("""
                SELECT key, model, parts, output, prompt_tokens, completion_tokens, created_at FROM response_cache
                WHERE key > ? ORDER BY key LIMIT ?
                """, [.text(last), .integer(Int64(Self.batchSize))])
            guard let tail = rows.last else { return }
            do {
                let counts = try destination.write {
                    var counts = StoreCopySummary()
                    for row in rows {
                        try dst.execute("""
                            INSERT INTO response_cache(key, model, parts, output, prompt_tokens, completion_tokens, created_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                            """, row)
                        counts.outcome("response_cache", inserted: dst.changes > 0)
                    }
                    return counts
                }
                summary.add(counts)
            } catch {
                throw StoreCopyError(item: "table response_cache (keys after '\(last)')", runsDone: progress.runsDone, underlying: error)
            }
            last = tail[0].text ?? last
            committedRows += rows.count
            progress.rowsDone = committedRows
            reportProgress(progress)
        }
    }
}

/// One run's copy, inside the destination's write transaction: the run row, then everything that hangs off it.
private struct RunCopy {
    let copier: StoreCopier
    let sourcePK: Int64
    let id: String
    var counts = StoreCopySummary()
    var destinationPK: Int64 = 0
    var predictionSets: [Int64: Int64] = [:]
    var evaluations: [Int64: Int64] = [:]
    var statistics: [Int64: Int64] = [:]
    var metrics: [Int64: Int64] = [:]

    var src: Database { copier.src }
    var dst: Database { copier.dst }

    init(_ copier: StoreCopier, sourcePK: Int64, id: String) {
        self.copier = copier
        self.sourcePK = sourcePK
        self.id = id
    }

    mutating func copy() throws -> StoreCopySummary {
        try copyRun()
        try copyKeyed("params", select: "SELECT key, value, value_type FROM params WHERE run_pk = ? ORDER BY key",
                      insert: "INSERT INTO params(run_pk, key, value, value_type) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        try copyKeyed("tags", select: "SELECT key, value FROM tags WHERE run_pk = ? ORDER BY key",
                      insert: "INSERT INTO tags(run_pk, key, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        try copyPoints()
        try copyRunDatasets()
        try copyKeyed("imports", select: "SELECT path, format, sha256, size_bytes, imported_at, points FROM imports WHERE run_pk = ? ORDER BY id",
                      insert: """
                        INSERT INTO imports(run_pk, path, format, sha256, size_bytes, imported_at, points) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """)
        try copyPredictionSets()
        try copyEvaluations()
        try copyMerges()
        return counts
    }

    /// Rows of the source run as `[SQLValue]`, read in one statement (the caller bounds their number).
    func sourceRows(_ sql: String, _ values: [SQLValue]) throws -> [[SQLValue]] { try src.query(sql, values) }

    mutating func copyRun() throws {
        let columns = "status, created_at, started_at, ended_at, base_model, fine_tuned_model, provider, job_id, notes"
        guard let row = try src.query("SELECT experiment_id, name, \(columns) FROM runs WHERE pk = ?", [.integer(sourcePK)]).first else {
            throw StoreError.runNotFound(reference: id, experiment: nil)
        }
        guard let experiment = row[0].int64.flatMap({ copier.experiments[$0] }) else {
            throw StoreError.invalidArgument("run \(id): its experiment was not copied")
        }
        if let existing = try dst.query("SELECT pk, \(columns) FROM runs WHERE id = ?", [.text(id)]).first {
            destinationPK = existing[0].int64 ?? 0
            counts.present("runs")
            // The destination's values stand; it only learns what it did not know: an empty column takes the source's
            // value, and a run it still has as `running` takes the source's status (the run ended after the last copy).
            var assignments: [String] = []
            var values: [SQLValue] = []
            let names = columns.components(separatedBy: ", ")
            for (offset, name) in names.enumerated() where name != "created_at" {
                let (have, offer) = (existing[offset + 1], row[offset + 2])
                let learn = name == "status" ? have == .text("running") && offer != have : have.isNull && !offer.isNull
                if learn {
                    assignments.append("\(name) = ?")
                    values.append(offer)
                }
            }
            if !assignments.isEmpty {
                try dst.execute("UPDATE runs SET \(assignments.joined(separator: ", ")) WHERE pk = ?", values + [.integer(destinationPK)])
                counts.runsUpdated += 1
            }
            return
        }
        if let other = try dst.query("SELECT id FROM runs WHERE experiment_id = ? AND name = ?", [.integer(experiment), row[1]]).first {
            throw StoreError.invalidArgument(
                "the destination's experiment already has another run named '\(row[1].text ?? "")' (id \(other[0].text ?? ""))")
        }
        try dst.execute("""
            INSERT INTO runs(id, experiment_id, name, \(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .integer(experiment)] + Array(row[1...]))
        destinationPK = dst.lastInsertRowID
        counts.copied("runs")
    }

    /// Copies child rows of the run whose unique key lies in their own columns: the destination's row wins.
    mutating func copyKeyed(_ table: String, select: String, insert: String) throws {
        let statement = try dst.prepare(insert)
        for row in try sourceRows(select, [.integer(sourcePK)]) {
            statement.reset()
            try statement.bind([.integer(destinationPK)] + row)
            try statement.step()
            counts.outcome(table, inserted: dst.changes > 0)
        }
    }

    /// Reports the rows this run has handled so far (not yet committed, so a retried transaction starts over).
    func tick() {
        copier.progress.rowsDone = copier.committedRows + counts.copied + counts.alreadyPresent
        copier.reportProgress(copier.progress)
    }

    /// Streams each metric history in pages (step boundaries never split a page), drops the points the destination
    /// already holds at their step, and hands the rest to the store's own insertion, which numbers `seq` as the
    /// source did and takes PostgreSQL's `COPY` path for points past the destination's last step.
    mutating func copyPoints() throws {
        let page = try src.prepare("""
            SELECT step, seq, epoch, value, wall_time FROM metric_points
            WHERE run_pk = ? AND key_id = ? AND (step, seq) > (?, ?) ORDER BY step, seq LIMIT ?
            """)
        let lastStep = try dst.prepare("SELECT max(step) FROM metric_points WHERE run_pk = ? AND key_id = ?")
        let stored = try dst.prepare("""
            SELECT step, epoch, value, wall_time FROM metric_points WHERE run_pk = ? AND key_id = ? AND step BETWEEN ? AND ?
            """)
        for (key, sourceKey) in try copier.source.metricKeys(pk: sourcePK) {
            let keyID = try copier.destination.keyID(key)
            lastStep.reset()
            try lastStep.bind([.integer(destinationPK), .integer(keyID)])
            let destinationLast = try lastStep.step() ? lastStep.optionalInt64(0) : nil
            lastStep.reset()
            var after: (step: Int64, seq: Int64) = (.min, .min)
            var pending: [(step: Int64, epoch: Double?, value: Double?, wallTime: Int64?)] = []
            var done = false
            while !done {
                page.reset()
                try page.bind([.integer(sourcePK), .integer(sourceKey), .integer(after.step), .integer(after.seq),
                               .integer(Int64(copier.pointPage))])
                var read = 0
                while try page.step() {
                    read += 1
                    after = (page.int64(0), page.int64(1))
                    pending.append((page.int64(0), page.optionalDouble(2), page.optionalDouble(3), page.optionalInt64(4)))
                }
                page.reset()
                done = read < copier.pointPage
                // Keep the last step's points for the next page unless it is the end (or one step fills a whole page).
                var cut = pending.count
                if !done, let last = pending.last?.step, let first = pending.firstIndex(where: { $0.step == last }), first > 0 { cut = first }
                let batch = Array(pending[..<cut])
                pending.removeFirst(cut)
                guard !batch.isEmpty else { continue }
                var fresh = batch
                if let destinationLast, batch[0].step <= destinationLast {
                    var have: [Int64: [(Double?, Double?, Int64?)]] = [:]
                    stored.reset()
                    try stored.bind([.integer(destinationPK), .integer(keyID), .integer(batch[0].step),
                                     .integer(min(batch[batch.count - 1].step, destinationLast))])
                    while try stored.step() {
                        have[stored.int64(0), default: []].append((stored.optionalDouble(1), stored.optionalDouble(2), stored.optionalInt64(3)))
                    }
                    stored.reset()
                    // The same test the store applies to a re-logged point (`insertRelogged`), done in bulk.
                    fresh = batch.filter { point in
                        !(have[point.step] ?? []).contains { $0.0 == point.epoch && $0.1 == point.value && $0.2 == point.wallTime }
                    }
                }
                let points = fresh.map {
                    MetricPoint(key: key, step: $0.step, epoch: $0.epoch, value: $0.value ?? .nan, wallTime: $0.wallTime.map { Double($0) / 1000 })
                }
                let inserted = try copier.destination.insertPoints(destinationPK, points)
                counts.copied("metric_points", inserted)
                counts.present("metric_points", batch.count - inserted)
                tick()
            }
        }
    }

    mutating func copyRunDatasets() throws {
        for row in try sourceRows("SELECT dataset_id, role FROM run_datasets WHERE run_pk = ? ORDER BY dataset_id, role", [.integer(sourcePK)]) {
            try dst.execute("INSERT INTO run_datasets(run_pk, dataset_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            [.integer(destinationPK), try dataset(row[0]), row[1]])
            counts.outcome("run_datasets", inserted: dst.changes > 0)
        }
    }

    /// The destination's key of a source dataset (NULL stays NULL).
    func dataset(_ value: SQLValue) throws -> SQLValue {
        guard let source = value.int64 else { return .null }
        guard let mapped = copier.datasets[source] else {
            throw StoreError.invalidArgument("run \(id) refers to dataset \(source), which was not copied")
        }
        return .integer(mapped)
    }

    func mapped(_ value: SQLValue, _ map: [Int64: Int64], _ what: String) throws -> SQLValue {
        guard let source = value.int64 else { return .null }
        guard let to = map[source] else { throw StoreError.invalidArgument("run \(id) refers to \(what) \(source) of another run") }
        return .integer(to)
    }

    /// The destination row matching `find` that no source row of this run has claimed yet (two source rows with the
    /// same identity, e.g. evaluations made in one millisecond, pair with two destination rows in key order).
    func unclaimed(_ find: String, _ values: [SQLValue], claimed: [Int64: Int64]) throws -> Int64? {
        let taken = Set(claimed.values)
        return try dst.query(find + " ORDER BY id", values).lazy.compactMap { $0[0].int64 }.first { !taken.contains($0) }
    }

    mutating func copyPredictionSets() throws {
        for row in try sourceRows("""
            SELECT id, dataset_id, settings, settings_sha256, created_at FROM prediction_sets WHERE run_pk = ? ORDER BY id
            """, [.integer(sourcePK)]) {
            let dataset = try dataset(row[1])
            let setID: Int64
            if let found = try dst.query("""
                SELECT id FROM prediction_sets WHERE run_pk = ? AND dataset_id IS NOT DISTINCT FROM ? AND settings_sha256 = ?
                """, [.integer(destinationPK), dataset, row[3]]).first?[0].int64 {
                setID = found
                counts.present("prediction_sets")
            } else {
                try dst.execute("INSERT INTO prediction_sets(run_pk, dataset_id, settings, settings_sha256, created_at) VALUES (?, ?, ?, ?, ?)",
                                [.integer(destinationPK), dataset, row[2], row[3], row[4]])
                setID = dst.lastInsertRowID
                counts.copied("prediction_sets")
            }
            predictionSets[row[0].int64 ?? 0] = setID
            try copyChildren("predictions", of: setID, select: """
                SELECT position, example_id, input, reference, prediction, error, latency_ms, cached, prompt_tokens, completion_tokens
                FROM predictions WHERE prediction_set_id = ? ORDER BY position
                """, insert: """
                INSERT INTO predictions(prediction_set_id, position, example_id, input, reference, prediction, error, latency_ms,
                                        cached, prompt_tokens, completion_tokens)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, sourceParent: row[0])
            try copyChildren("evaluation_shards", of: setID, select: """
                SELECT shard_count, shard, status, token, worker, lease_until, claimed_at, done_at
                FROM evaluation_shards WHERE prediction_set_id = ? ORDER BY shard_count, shard
                """, insert: """
                INSERT INTO evaluation_shards(prediction_set_id, shard_count, shard, status, token, worker, lease_until, claimed_at, done_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, sourceParent: row[0])
        }
    }

    /// Copies the rows under one parent whose unique key is (parent, own columns), with `ON CONFLICT DO NOTHING`.
    mutating func copyChildren(_ table: String, of parent: Int64, select: String, insert: String, sourceParent: SQLValue) throws {
        let statement = try dst.prepare(insert)
        for row in try sourceRows(select, [sourceParent]) {
            statement.reset()
            try statement.bind([.integer(parent)] + row)
            try statement.step()
            counts.outcome(table, inserted: dst.changes > 0)
        }
        tick()
    }

    mutating func copyEvaluations() throws {
        for row in try sourceRows("""
            SELECT id, dataset_id, prediction_set_id, n_examples, created_at FROM evaluations WHERE run_pk = ? ORDER BY id
            """, [.integer(sourcePK)]) {
            let dataset = try dataset(row[1])
            let set = try mapped(row[2], predictionSets, "prediction set")
            let evaluation: Int64
            if let found = try unclaimed("""
                SELECT id FROM evaluations WHERE run_pk = ? AND prediction_set_id IS NOT DISTINCT FROM ? AND created_at = ?
                AND n_examples IS NOT DISTINCT FROM ?
                """, [.integer(destinationPK), set, row[4], row[3]], claimed: evaluations) {
                evaluation = found
                counts.present("evaluations")
            } else {
                try dst.execute("INSERT INTO evaluations(run_pk, dataset_id, prediction_set_id, n_examples, created_at) VALUES (?, ?, ?, ?, ?)",
                                [.integer(destinationPK), dataset, set, row[3], row[4]])
                evaluation = dst.lastInsertRowID
                counts.copied("evaluations")
            }
            let sourceEvaluation = row[0].int64 ?? 0
            evaluations[sourceEvaluation] = evaluation
            try copyStatistics(sourceEvaluation, evaluation)
            try copyMetrics(sourceEvaluation, evaluation)
        }
    }

    mutating func copyStatistics(_ sourceEvaluation: Int64, _ evaluation: Int64) throws {
        for row in try sourceRows("""
            SELECT id, metric, options, signature, width, segments, data FROM evaluation_statistics WHERE evaluation_id = ? ORDER BY id
            """, [.integer(sourceEvaluation)]) {
            if let found = try unclaimed("""
                SELECT id FROM evaluation_statistics WHERE evaluation_id = ? AND metric = ? AND signature = ? AND options = ?
                """, [.integer(evaluation), row[1], row[3], row[2]], claimed: statistics) {
                statistics[row[0].int64 ?? 0] = found
                counts.present("evaluation_statistics")
                continue
            }
            try dst.execute("""
                INSERT INTO evaluation_statistics(evaluation_id, metric, options, signature, width, segments, data) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.integer(evaluation)] + Array(row[1...]))
            statistics[row[0].int64 ?? 0] = dst.lastInsertRowID
            counts.copied("evaluation_statistics")
        }
    }

    mutating func copyMetrics(_ sourceEvaluation: Int64, _ evaluation: Int64) throws {
        for row in try sourceRows("""
            SELECT id, statistics_id, name, score, ci_low, ci_high, ci_level, signature, totals, details
            FROM evaluation_metrics WHERE evaluation_id = ? ORDER BY id
            """, [.integer(sourceEvaluation)]) {
            let metric: Int64
            if let found = try dst.query("SELECT id FROM evaluation_metrics WHERE evaluation_id = ? AND name = ?",
                                         [.integer(evaluation), row[2]]).first?[0].int64 {
                metric = found
                counts.present("evaluation_metrics")
            } else {
                try dst.execute("""
                    INSERT INTO evaluation_metrics(evaluation_id, statistics_id, name, score, ci_low, ci_high, ci_level, signature, totals, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.integer(evaluation), try mapped(row[1], statistics, "statistics")] + Array(row[2...]))
                metric = dst.lastInsertRowID
                counts.copied("evaluation_metrics")
            }
            metrics[row[0].int64 ?? 0] = metric
            try copyChildren("example_scores", of: metric, select: """
                SELECT position, score FROM example_scores WHERE metric_id = ? ORDER BY position
                """, insert: "INSERT INTO example_scores(metric_id, position, score) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                sourceParent: row[0])
        }
    }

    mutating func copyMerges() throws {
        for row in try sourceRows("""
            SELECT m.prediction_set_id, m.shard_count, m.evaluation_id, m.merged_at FROM evaluation_merges m
            JOIN prediction_sets s ON s.id = m.prediction_set_id WHERE s.run_pk = ? ORDER BY m.prediction_set_id, m.shard_count
            """, [.integer(sourcePK)]) {
            try dst.execute("""
                INSERT INTO evaluation_merges(prediction_set_id, shard_count, evaluation_id, merged_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, [try mapped(row[0], predictionSets, "prediction set"), row[1], try mapped(row[2], evaluations, "evaluation"), row[3]])
            counts.outcome("evaluation_merges", inserted: dst.changes > 0)
        }
    }
}
