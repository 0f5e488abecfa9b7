import Foundation
import Testing
import YardstickMetrics
import YardstickTestSupport
@testable import YardstickStore

/// `Store.copy(to:)` between every pair of available backends.
struct StoreCopyTests {
    /// A store with something in every table: params and tags, curves with re-logged steps, NaN and wall times, a test
    /// set with an alias, a training file without a hash, predictions, statistics, example scores, a cached response,
    /// claimed shards and a merge.
    static func fill(_ store: Store, experiment: String = "e", prefix: String = "") throws -> [Run] {
        let first = try store.createRun(experiment: experiment, name: prefix + "first", params: [("lr", .double(0.001)), ("opt", .string("adam"))],
                                        tags: [("stage", "sft")], jobID: "ftjob-\(prefix)1", baseModel: "base", status: "finished",
                                        notes: "ünïcode \u{1F600}", createdAt: Date(timeIntervalSince1970: 1_700_000_000.123),
                                        startedAt: Date(timeIntervalSince1970: 1_700_000_001), endedAt: Date(timeIntervalSince1970: 1_700_000_900))
        var points: [MetricPoint] = []
        for step in 0..<40 {
            points.append(MetricPoint(key: "loss", step: Int64(step), epoch: Double(step) / 10, value: 1 / Double(step + 1),
                                      wallTime: 1_700_000_000.5 + Double(step)))
            points.append(MetricPoint(key: "eval/loss", step: Int64(step / 4 * 4), value: step == 7 ? .nan : -0.0 + Double(step)))
        }
        points.append(MetricPoint(key: "loss", step: 5, value: 99))  // a different value at a logged step: seq 1
        points.append(MetricPoint(key: "loss", step: 5, value: 98))  // and seq 2
        try store.logMetrics(run: first.id, points)
        try store.addDataset(DatasetReference(path: "train.jsonl", role: .train, sha256: nil, sizeBytes: 12), run: first.id)

        let second = try store.createRun(experiment: experiment, name: prefix + "second", createdAt: Date(timeIntervalSince1970: 1_700_000_100))
        try store.logMetrics(run: second.id, [MetricPoint(key: "loss", step: 1, value: .infinity), MetricPoint(key: "acc", step: 2, value: 0.5)])
        let dataset = DatasetContent(inputs: ["a", nil, "c"], references: [["one"], ["two"], ["three"]], path: "data/test.jsonl")
        let options = StoredMetricOptions(metric: .bleu, configuration: ScoreConfiguration())
        try store.recordEvaluation(run: second.id, EvaluationRecord(
            dataset: dataset, settings: .object([("model", .string("m"))]),
            predictions: [PredictionRecord(exampleID: "x1", input: "a", references: ["one"], prediction: "one", latencyMs: 12.5, cached: true,
                                           promptTokens: 7, completionTokens: 3),
                          PredictionRecord(exampleID: "x2", references: ["two"], prediction: nil, error: "timeout"),
                          PredictionRecord(exampleID: "x3", input: "c", references: ["three"], prediction: "3")],
            statistics: [StatisticsRecord(options: options, signature: "sig", statistics: SegmentStatistics(width: 2, values: [1, 2, -0.0, .infinity, 5, 6]))],
            metrics: [MetricRecord(name: "bleu", score: 31.25, ciLow: 30.1, ciHigh: 32.4, ciLevel: 0.9, signature: "sig", statisticsIndex: 0,
                                   totals: [6, 8], details: #"{"bp":1.0}"#, exampleScores: [10, .nan, 100]),
                      MetricRecord(name: "other", score: .nan)],
            createdAt: Date(timeIntervalSince1970: 1_700_000_200)))
        let set = try store.predictionSet(run: second.id, dataset: dataset, settings: .object([("model", .string("sharded"))]))
        if case let .claimed(claim) = try store.claimShard(set: set, shardCount: 2, worker: "host:1", lease: 60,
                                                           now: Date(timeIntervalSince1970: 1_700_000_300)) {
            try store.completeShard(claim, now: Date(timeIntervalSince1970: 1_700_000_301))
        }
        _ = try store.recordMerge(set: set, shardCount: 2, now: Date(timeIntervalSince1970: 1_700_000_302)) {
            try store.recordScores(run: second.id, [("accuracy", 0.75)], dataset: dataset)
        }
        try store.cacheResponse(key: prefix + "k1", model: "m", CachedResponse(output: "out", promptTokens: 1, parts: "{}",
                                                                           createdAt: Date(timeIntervalSince1970: 1_700_000_400)))
        _ = try store.experiment(named: prefix + "empty experiment")
        // Written as `yardstick import` records a file (the CLI round trip imports real logs).
        try store.database.execute("""
            INSERT INTO imports(run_pk, path, format, sha256, size_bytes, imported_at, points)
            VALUES ((SELECT pk FROM runs WHERE id = ?), 'log.jsonl', 'llama-factory', ?, 1234, '2024-01-02T03:04:05.678Z', 80)
            """, [.text(first.id), .text(String(repeating: prefix.isEmpty ? "a" : "b", count: 64))])
        return [first, second]
    }

    /// Every row of every table with keys replaced by what identifies them, doubles by their bits: equal dumps mean
    /// equal stores whatever the integer keys.
    static func dump(_ store: Store) throws -> [String: [String]] {
        let queries: [String: String] = [
            "experiments": "SELECT name, created_at FROM experiments",
            "runs": """
                SELECT r.id, e.name, r.name, r.status, r.created_at, r.started_at, r.ended_at, r.base_model, r.fine_tuned_model,
                       r.provider, r.job_id, r.notes FROM runs r JOIN experiments e ON e.id = r.experiment_id
                """,
            "params": "SELECT r.id, p.key, p.value, p.value_type FROM params p JOIN runs r ON r.pk = p.run_pk",
            "tags": "SELECT r.id, t.key, t.value FROM tags t JOIN runs r ON r.pk = t.run_pk",
            "metric_keys": "SELECT key FROM metric_keys",
            "metric_points": """
                SELECT r.id, k.key, p.step, p.seq, p.epoch, p.value, p.wall_time FROM metric_points p
                JOIN runs r ON r.pk = p.run_pk JOIN metric_keys k ON k.id = p.key_id
                """,
            "datasets": "SELECT path, role, sha256, size_bytes, content_sha256, n_examples FROM datasets",
            "dataset_aliases": """
                SELECT d.content_sha256, a.path, a.file_sha256, a.size_bytes, a.first_seen FROM dataset_aliases a JOIN datasets d ON d.id = a.dataset_id
                """,
            "run_datasets": "SELECT r.id, d.path, d.content_sha256, l.role FROM run_datasets l JOIN runs r ON r.pk = l.run_pk JOIN datasets d ON d.id = l.dataset_id",
            "prediction_sets": """
                SELECT r.id, d.content_sha256, s.settings, s.settings_sha256, s.created_at FROM prediction_sets s JOIN runs r ON r.pk = s.run_pk
                LEFT JOIN datasets d ON d.id = s.dataset_id
                """,
            "predictions": """
                SELECT r.id, s.settings_sha256, p.position, p.example_id, p.input, p.reference, p.prediction, p.error, p.latency_ms, p.cached,
                       p.prompt_tokens, p.completion_tokens FROM predictions p JOIN prediction_sets s ON s.id = p.prediction_set_id JOIN runs r ON r.pk = s.run_pk
                """,
            "evaluations": """
                SELECT r.id, s.settings_sha256, d.content_sha256, ev.n_examples, ev.created_at FROM evaluations ev JOIN runs r ON r.pk = ev.run_pk
                LEFT JOIN prediction_sets s ON s.id = ev.prediction_set_id LEFT JOIN datasets d ON d.id = ev.dataset_id
                """,
            "evaluation_statistics": """
                SELECT r.id, ev.created_at, st.metric, st.options, st.signature, st.width, st.segments, st.data FROM evaluation_statistics st
                JOIN evaluations ev ON ev.id = st.evaluation_id JOIN runs r ON r.pk = ev.run_pk
                """,
            "evaluation_metrics": """
                SELECT r.id, ev.created_at, m.name, st.signature, m.score, m.ci_low, m.ci_high, m.ci_level, m.signature, m.totals, m.details
                FROM evaluation_metrics m JOIN evaluations ev ON ev.id = m.evaluation_id JOIN runs r ON r.pk = ev.run_pk
                LEFT JOIN evaluation_statistics st ON st.id = m.statistics_id
                """,
            "example_scores": """
                SELECT r.id, ev.created_at, m.name, x.position, x.score FROM example_scores x JOIN evaluation_metrics m ON m.id = x.metric_id
                JOIN evaluations ev ON ev.id = m.evaluation_id JOIN runs r ON r.pk = ev.run_pk
                """,
            "response_cache": "SELECT key, model, parts, output, prompt_tokens, completion_tokens, created_at FROM response_cache",
            "imports": "SELECT r.id, i.path, i.format, i.sha256, i.size_bytes, i.imported_at, i.points FROM imports i JOIN runs r ON r.pk = i.run_pk",
            "evaluation_shards": """
                SELECT r.id, s.settings_sha256, h.shard_count, h.shard, h.status, h.token, h.worker, h.lease_until, h.claimed_at, h.done_at
                FROM evaluation_shards h JOIN prediction_sets s ON s.id = h.prediction_set_id JOIN runs r ON r.pk = s.run_pk
                """,
            "evaluation_merges": """
                SELECT r.id, s.settings_sha256, g.shard_count, ev.created_at, g.merged_at FROM evaluation_merges g
                JOIN prediction_sets s ON s.id = g.prediction_set_id JOIN runs r ON r.pk = s.run_pk LEFT JOIN evaluations ev ON ev.id = g.evaluation_id
                """,
        ]
        #expect(Set(queries.keys) == Set(StoreCopySummary.tables) && Set(Store.allTables) == Set(StoreCopySummary.tables))
        func render(_ value: SQLValue) -> String {
            switch value {
            case .null: return "NULL"
            case let .integer(v): return "i\(v)"
            case let .real(v): return "r\(v.bitPattern)"
            case let .text(v): return "t\(v)"
            case let .blob(v): return "b" + v.map { String(format: "%02x", $0) }.joined()
            }
        }
        return try queries.mapValues { sql in try store.database.query(sql).map { $0.map(render).joined(separator: "|") }.sorted() }
    }

    static func counts(_ store: Store) throws -> [String: Int] { try store.tableCounts() }

    @Test("a copy reproduces every row bit for bit; a second copy adds nothing; new points and a new evaluation are copied exactly",
          arguments: Backend.available, Backend.available)
    func copyIsIdempotentAndIncremental(_ from: Backend, _ to: Backend) throws {
        let folder = try TemporaryFolder()
        let source = try Store(path: from.newLocation(in: folder.url, name: "source.db"))
        let destination = try Store(path: to.newLocation(in: folder.url, name: "destination.db"))
        let runs = try Self.fill(source)
        let sourceCounts = try Self.counts(source)
        #expect(sourceCounts.values.allSatisfy { $0 > 0 }, "the fixture fills every table: \(sourceCounts)")

        var reported: [StoreCopyProgress] = []
        let first = try source.copy(to: destination) { reported.append($0) }
        #expect(try Self.dump(destination) == Self.dump(source))
        for table in StoreCopySummary.tables {
            #expect(first.tables[table] == StoreCopyCount(copied: sourceCounts[table] ?? -1, alreadyPresent: 0), "\(table)")
        }
        let last = try #require(reported.last)
        #expect(last.rowsDone == last.rowsTotal && last.rowsTotal == sourceCounts.values.reduce(0, +) && last.runsDone == 2)

        let again = try source.copy(to: destination)
        #expect(again.copied == 0 && again.runsUpdated == 0)
        for table in StoreCopySummary.tables {
            #expect(again.tables[table] == StoreCopyCount(copied: 0, alreadyPresent: sourceCounts[table] ?? -1), "\(table)")
        }
        #expect(try Self.counts(destination) == sourceCounts)

        // New in the source: a new step, a different value at a stored step (seq 1), an identical re-log (no row),
        // and a new evaluation.
        try source.logMetrics(run: runs[1].id, [MetricPoint(key: "acc", step: 3, value: 0.6), MetricPoint(key: "acc", step: 2, value: 0.55),
                                                MetricPoint(key: "acc", step: 2, value: 0.5)])
        try source.recordScores(run: runs[1].id, [("bleu", 40), ("chrf", 50)])
        let grown = try Self.counts(source)
        let third = try source.copy(to: destination)
        for table in StoreCopySummary.tables {
            #expect(third.tables[table]?.copied == (grown[table] ?? 0) - (sourceCounts[table] ?? 0), "\(table)")
        }
        #expect(third.tables["metric_points"]?.copied == 2 && third.tables["evaluations"]?.copied == 1)
        #expect(try Self.dump(destination) == Self.dump(source))
    }

    @Test("histories read in pages of any size, across steps logged several times, copy exactly", arguments: Backend.available, [1, 3, 7])
    func pagesNeverChangeTheCopy(_ backend: Backend, _ page: Int) throws {
        let folder = try TemporaryFolder()
        let source = try folder.store(.sqlite)
        let destination = try Store(path: backend.newLocation(in: folder.url, name: "destination.db"))
        let run = try source.createRun(experiment: "e", name: "r")
        var points: [MetricPoint] = []
        for step in 0..<12 { for seq in 0..<(step % 3 == 0 ? 9 : 1) { points.append(MetricPoint(key: "loss", step: Int64(step), value: Double(step * 10 + seq))) } }
        try source.logMetrics(run: run.id, points)
        _ = try source.copy(to: destination, pointPage: page)
        #expect(try Self.dump(destination)["metric_points"] == Self.dump(source)["metric_points"])
        let again = try source.copy(to: destination, pointPage: page)
        #expect(again.tables["metric_points"] == StoreCopyCount(copied: 0, alreadyPresent: points.count))
    }

    @Test("copying into a store with runs of its own keeps all of them untouched and adds the source's",
          arguments: Backend.available, Backend.available)
    func mergingKeepsTheDestinationsRuns(_ from: Backend, _ to: Backend) throws {
        let folder = try TemporaryFolder()
        let source = try Store(path: from.newLocation(in: folder.url, name: "source.db"))
        let destination = try Store(path: to.newLocation(in: folder.url, name: "destination.db"))
        // Same experiment name, overlapping integer keys, the same test set and a cache entry of the same key.
        let theirs = try Self.fill(destination, prefix: "theirs-")
        try destination.cacheResponse(key: "k1", model: "theirs", CachedResponse(output: "their answer", parts: "{}"))
        let ours = try Self.fill(source)
        try source.cacheResponse(key: "k1", model: "m", CachedResponse(output: "our answer", parts: "{}"))
        let before = try Self.dump(destination)
        let sourceDump = try Self.dump(source)

        let summary = try source.copy(to: destination)
        let after = try Self.dump(destination)
        // Rows both stores identify alike (the experiment `e`, the test set's alias, the cache key `k1`) keep the
        // destination's other columns; everything else of the source arrives whole.
        let identity = ["experiments": 1, "dataset_aliases": 3, "response_cache": 1]
        for table in StoreCopySummary.tables {
            let kept = Set(after[table] ?? [])
            #expect(Set(before[table] ?? []).isSubset(of: kept), "the destination's \(table) rows are all still there")
            let width = identity[table] ?? Int.max
            let key = { (line: String) in line.split(separator: "|", omittingEmptySubsequences: false).prefix(width).joined(separator: "|") }
            #expect(Set((sourceDump[table] ?? []).map(key)).isSubset(of: Set(kept.map(key))), "the source's \(table) rows were all added")
        }
        #expect(try destination.resolveRun(theirs[0].id).name == "theirs-first")
        #expect(try destination.cachedResponses(keys: ["k1"])["k1"]?.output == "their answer", "a key already cached keeps its answer")
        #expect(summary.tables["experiments"]?.alreadyPresent == 1 && summary.tables["datasets"] == StoreCopyCount(copied: 0, alreadyPresent: 2))
        #expect(try destination.listRuns().count == 4)

        // The destination changes a copied run; the source finishes it and logs more. The destination's values stand,
        // the run learns its end, and the new points arrive.
        try destination.logParams(run: ours[1].id, [("lr", .double(0.5))])
        try source.logParams(run: ours[1].id, [("lr", .double(0.1))])
        try source.setStatus(run: ours[1].id, "finished", endedAt: Date(timeIntervalSince1970: 1_800_000_000))
        try source.logMetrics(run: ours[1].id, [MetricPoint(key: "acc", step: 9, value: 0.9)])
        let update = try source.copy(to: destination)
        #expect(update.runsUpdated == 1 && update.tables["metric_points"]?.copied == 1 && update.tables["params"] == StoreCopyCount(copied: 0, alreadyPresent: 3))
        let run = try #require(try destination.run(id: ours[1].id))
        #expect(run.status == "finished" && run.endedAt == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try destination.params(run: ours[1].id)["lr"] == .double(0.5))
    }

    @Test("a run the destination refuses stops the copy with its id; the destination keeps whole runs only", arguments: Backend.available)
    func aFailedRunLeavesWholeRunsOnly(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let source = try folder.store("source.db")
        let destination = try Store(path: backend.newLocation(in: folder.url, name: "destination.db"))
        let runs = try Self.fill(source)
        let third = try source.createRun(experiment: "e", name: "third", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        try source.logMetrics(run: third.id, [MetricPoint(key: "loss", step: 1, value: 1)])
        // The second run's evaluation is written after its points, predictions and statistics: refusing it fails the
        // run late in its transaction.
        switch backend {
        case .sqlite:
            try destination.database.execute("""
                CREATE TRIGGER refuse BEFORE INSERT ON evaluation_metrics WHEN NEW.name = 'other'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        case .postgres:
            try destination.database.execute("""
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.name = 'other' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER refuse BEFORE INSERT ON evaluation_metrics FOR EACH ROW EXECUTE FUNCTION refuse();
                """)
        }
        let error = try #require(throws: StoreCopyError.self) { try source.copy(to: destination) }
        #expect(error.runsDone == 1 && error.description.contains(runs[1].id) && error.description.contains("refused by the test"),
                "\(error)")
        #expect(try destination.listRuns().map(\.run.id) == [runs[0].id])
        #expect(try destination.pointCount(run: runs[0].id) == source.pointCount(run: runs[0].id))
        for table in ["prediction_sets", "predictions", "evaluations", "evaluation_statistics", "evaluation_metrics", "example_scores",
                      "evaluation_shards", "evaluation_merges"] {
            #expect(try destination.count(table) == 0, "nothing of the refused run is left in \(table)")
        }
        #expect(try destination.count("metric_points") == source.pointCount(run: runs[0].id))
    }
}
