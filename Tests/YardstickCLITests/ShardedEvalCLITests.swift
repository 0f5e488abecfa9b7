import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// `yardstick eval --shard I/N` and `--workers-claim` end to end: the shards of a set, merged, are the one-machine
/// evaluation bit for bit.
@Suite(.serialized) struct ShardedEvalCLITests {
    static let summaries = Fixtures.url("metrics/summary/descriptions.jsonl").path
    static let sections = Fixtures.url("metrics/classification/sections.jsonl").path
    static let lookup = Fixtures.url("runner/lookup_model.py").path

    /// A deterministic "model" that answers from a field of the set, appending every request it gets to `log`.
    static func model(log: URL, data: String, request: String, answer: String) -> String {
        "command:tee -a '\(log.path)' | python3 '\(lookup)' '\(data)' \(request) \(answer)"
    }

    static func json(_ r: CLIRunner.Result) throws -> [String: Any] {
        try #require(try CLIRunner.json(r) as? [String: Any], "\(r.stdout)\n\(r.stderr)")
    }

    /// Example ids the model was asked for, in order.
    static func requestedIDs(_ log: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["id"] as? String)
        }
    }

    static func same(_ a: Double?, _ b: Double?) -> Bool { a?.bitPattern == b?.bitPattern }

    /// Every stored number of the two runs' latest evaluations is equal: headline metrics, intervals, details,
    /// signatures, per-segment statistics and per-example scores.
    static func expectIdenticalEvaluations(_ db: String, _ one: String, _ sharded: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let store = try Store(path: db)
        let a = try #require(try store.evaluations(run: store.resolveRun(one).id).last)
        let b = try #require(try store.evaluations(run: store.resolveRun(sharded).id).last)
        #expect(a.id != b.id && a.dataset?.id == b.dataset?.id && a.exampleCount == b.exampleCount, sourceLocation: sourceLocation)
        #expect(a.metrics.map(\.name) == b.metrics.map(\.name) && !a.metrics.isEmpty, sourceLocation: sourceLocation)
        for (x, y) in zip(a.metrics, b.metrics) {
            #expect(same(x.score, y.score) && same(x.ciLow, y.ciLow) && same(x.ciHigh, y.ciHigh) && same(x.ciLevel, y.ciLevel),
                    "\(x.name): \(x.score) [\(x.ciLow ?? .nan), \(x.ciHigh ?? .nan)] vs \(y.score) [\(y.ciLow ?? .nan), \(y.ciHigh ?? .nan)]",
                    sourceLocation: sourceLocation)
            #expect(x.details == y.details && x.signature == y.signature, "\(x.name)", sourceLocation: sourceLocation)
            let sx = try store.statistics(id: try #require(x.statisticsID))
            let sy = try store.statistics(id: try #require(y.statisticsID))
            #expect(sx.signature == sy.signature && sx.statistics.width == sy.statistics.width, sourceLocation: sourceLocation)
            #expect(sx.statistics.values.map(\.bitPattern) == sy.statistics.values.map(\.bitPattern), "\(x.name) statistics",
                    sourceLocation: sourceLocation)
        }
        let pa = try store.predictions(evaluation: a.id)
        let pb = try store.predictions(evaluation: b.id)
        #expect(pa.count == pb.count && pa.count == a.exampleCount, sourceLocation: sourceLocation)
        #expect(pa.map(\.exampleID) == pb.map(\.exampleID) && pa.map(\.prediction) == pb.map(\.prediction), sourceLocation: sourceLocation)
        for name in a.metrics.map(\.name) {
            #expect(pa.map { $0.scores[name]?.bitPattern } == pb.map { $0.scores[name]?.bitPattern }, "\(name) per example",
                    sourceLocation: sourceLocation)
        }
    }

    /// `runs compare BASE RUN --json`'s paired tests without the run and evaluation ids.
    static func paired(_ db: String, _ base: String, _ run: String) throws -> [String] {
        let r = try CLIRunner.run(["runs", "compare", base, run, "--db", db, "--json"])
        let rows = try #require(try json(r)["paired"] as? [[String: Any]], "\(r.stdout)\(r.stderr)")
        return try rows.map { row in
            var row = row
            row["run"] = nil
            row["baseline"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Evaluates `data` in three shards run in the order `order` into run `sharded`, then in one go into `whole`.
    func shardsThenWhole(db: String, log: URL, data: String, fields: [String], model: String, metrics: [String],
                         order: [Int]) throws {
        var missing = Int.max
        var inShards = 0
        var asked: [Set<String>] = []
        for (step, i) in order.enumerated() {
            let before = try Self.requestedIDs(log).count
            let r = try CLIRunner.run(["eval", "--data", data] + fields + ["--model", model, "--run", "sharded", "--db", db,
                                       "--json", "--shard", "\(i)/3", "--concurrency", "2"] + metrics)
            #expect(r.status == 0, "\(r.stderr)")
            let result = try Self.json(r)
            #expect(result["shard"] as? String == "\(i)/3")
            inShards += result["examples_in_shard"] as? Int ?? 0
            let requested = try Self.requestedIDs(log).dropFirst(before)
            #expect(requested.count == result["requests"] as? Int)
            asked.append(Set(requested))
            if step < 2 {
                let left = try #require(result["missing"] as? Int)
                #expect(result["evaluation_id"] is NSNull && left < missing && left > 0, "no evaluation before the last shard")
                missing = left
                let store = try Store(path: db)
                let run = try store.resolveRun("sharded")
                #expect(try run.status == "running" && store.evaluations(run: run.id).isEmpty)
            } else {
                #expect(result["merged_here"] as? Bool == true && result["evaluation_id"] is Int)
                #expect(result["examples_in_shard"] as? Int == missing, "the last shard fills exactly what was missing")
            }
        }
        let total = try EvalCLITests.count(db, "SELECT n_examples FROM datasets WHERE content_sha256 IS NOT NULL")
        #expect(inShards == total, "the shards together are the set")
        #expect(asked[0].isDisjoint(with: asked[1]) && asked[0].isDisjoint(with: asked[2]) && asked[1].isDisjoint(with: asked[2]),
                "no example is asked by two shards")
        #expect(try EvalCLITests.count(db, "SELECT count(DISTINCT position) FROM predictions") == total)
        #expect(try Store(path: db).resolveRun("sharded").status == "finished")

        // A shard run again asks nothing and records nothing new.
        let requests = try Self.requestedIDs(log).count
        let again = try Self.json(try CLIRunner.run(["eval", "--data", data] + fields + ["--model", model, "--run", "sharded", "--db", db,
                                                     "--json", "--shard", "\(order[0])/3"] + metrics))
        #expect(again["requests"] as? Int == 0 && again["already_done"] as? Int == again["examples_in_shard"] as? Int)
        #expect(again["merged_here"] as? Bool == false)
        #expect(try Self.requestedIDs(log).count == requests)
        let store = try Store(path: db)
        #expect(try store.evaluations(run: store.resolveRun("sharded").id).count == 1)

        // The same set on one machine; --refresh so it asks the model itself instead of reusing the shards' answers.
        let whole = try CLIRunner.run(["eval", "--data", data] + fields + ["--model", model, "--run", "whole", "--db", db, "--json",
                                       "--refresh"] + metrics)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try Self.json(whole)["requests"] as? Int ?? 0 > 0)
    }

    @Test("three shards of a text set, run out of order and merged, equal the one-machine evaluation bit for bit, paired tests too", arguments: Backend.available)
    func shardedTextSetEqualsOneMachine(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let log = dir.appendingPathComponent("requests.jsonl")
        let fields = ["--input-field", "source", "--reference-field", "reference"]
        let metrics = ["--metrics", "bleu,chrf,ter,rouge", "--resamples", "200"]
        let model = Self.model(log: log, data: Self.summaries, request: "source", answer: "lead3")
        try shardsThenWhole(db: db, log: log, data: Self.summaries, fields: fields, model: model, metrics: metrics, order: [3, 1, 2])
        try Self.expectIdenticalEvaluations(db, "whole", "sharded")

        // A third system: its paired tests against the sharded run and against the one-machine run are the same.
        let other = try CLIRunner.run(["eval", "--data", Self.summaries] + fields + [
            "--model", Self.model(log: log, data: Self.summaries, request: "source", answer: "lead1"), "--run", "lead1",
            "--db", db] + metrics)
        #expect(other.status == 0, "\(other.stderr)")
        let versusWhole = try Self.paired(db, "lead1", "whole")
        #expect(versusWhole.count == 7, "bleu, chrf, ter and four ROUGE types")
        #expect(try Self.paired(db, "lead1", "sharded") == versusWhole)
    }

    @Test("three shards of a classification set merge into the one-machine accuracy and macro-F1, bit for bit", arguments: Backend.available)
    func shardedClassificationSetEqualsOneMachine(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let log = dir.appendingPathComponent("requests.jsonl")
        let fields = ["--input-field", "text", "--reference-field", "label"]
        let metrics = ["--metrics", "accuracy", "--resamples", "200"]
        let model = Self.model(log: log, data: Self.sections, request: "text", answer: "pred")
        try shardsThenWhole(db: db, log: log, data: Self.sections, fields: fields, model: model, metrics: metrics, order: [2, 3, 1])
        try Self.expectIdenticalEvaluations(db, "whole", "sharded")
        let store = try Store(path: db)
        let names = try store.evaluations(run: store.resolveRun("sharded").id)[0].metrics.map(\.name)
        #expect(names.contains("accuracy") && names.contains("macro_f1"))
    }

    @Test("three workers claiming shards of one store answer every example once and record one evaluation, the one-machine one", arguments: Backend.available)
    func concurrentWorkersClaimShards(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let log = dir.appendingPathComponent("requests.jsonl")
        let fields = ["--input-field", "source", "--reference-field", "reference"]
        let metrics = ["--metrics", "bleu,chrf", "--resamples", "200"]
        let model = Self.model(log: log, data: Self.summaries, request: "source", answer: "lead3")
        let args = ["eval", "--data", Self.summaries] + fields + ["--model", model, "--run", "claimed", "--db", db, "--json",
                                                                  "--workers-claim", "--shards", "6", "--lease", "30",
                                                                  "--concurrency", "2"] + metrics
        let workers = try (0..<3).map { _ in try CLIRunner.start(args) }
        let results = try workers.map { worker in
            let r = worker.wait()
            #expect(r.status == 0, "\(r.stderr)")
            return try Self.json(r)
        }
        let evaluationIDs = Set(results.compactMap { $0["evaluation_id"] as? Int })
        #expect(evaluationIDs.count == 1, "every worker reports the one evaluation")
        #expect(results.filter { $0["merged_here"] as? Bool == true }.count == 1, "one worker merged")
        let done = results.flatMap { $0["shards_done"] as? [Int] ?? [] }
        #expect(done.sorted() == Array(1...6), "each shard done by one worker: \(done)")

        let ids = try Self.requestedIDs(log)
        #expect(ids.count == Set(ids).count, "no example asked twice")
        #expect(results.map { $0["requests"] as? Int ?? 0 }.reduce(0, +) == ids.count)
        #expect(try EvalCLITests.count(db, "SELECT count(*) FROM predictions") == 700)
        #expect(try EvalCLITests.count(db, "SELECT count(*) FROM evaluation_shards WHERE status = 'done'") == 6)
        let store = try Store(path: db)
        #expect(try store.evaluations(run: store.resolveRun("claimed").id).count == 1)
        #expect(try store.resolveRun("claimed").status == "finished")

        let whole = try CLIRunner.run(["eval", "--data", Self.summaries] + fields + ["--model", model, "--run", "whole", "--db", db,
                                                                                 "--refresh"] + metrics)
        #expect(whole.status == 0, "\(whole.stderr)")
        try Self.expectIdenticalEvaluations(db, "whole", "claimed")
    }

    @Test("a worker whose model is slower than the lease keeps its shard: the lease is renewed while it waits")
    func aSlowModelKeepsItsShardThroughTheHeartbeat() throws {
        let dir = try TemporaryDirectory.make()
        let db = dir.appendingPathComponent("store.db").path
        let log = dir.appendingPathComponent("requests.jsonl")
        let data = dir.appendingPathComponent("set.jsonl")
        try (0..<6).map { "{\"id\": \"e\($0)\", \"prompt\": \"p\($0)\", \"completion\": \"c\($0)\"}" }.joined(separator: "\n")
            .write(to: data, atomically: true, encoding: .utf8)
        // Each answer takes 1.5 s, longer than the 1 s lease: without renewal the second worker would take the first
        // one's shard over after a second and reject its answers.
        let slow = dir.appendingPathComponent("slow.py")
        try """
            import json, sys, time
            for line in sys.stdin:
                request = json.loads(line)
                with open(\(String(reflecting: log.path)), "a") as f:
                    f.write(json.dumps({"id": request["id"]}) + "\\n")
                time.sleep(1.5)
                print(json.dumps({"id": request["id"], "output": "c" + request["id"][1:]}), flush=True)
            """.write(to: slow, atomically: true, encoding: .utf8)
        let args = ["eval", "--data", data.path, "--model", "command:python3 '\(slow.path)'", "--run", "slow", "--db", db,
                    "--json", "--workers-claim", "--shards", "2", "--lease", "1", "--concurrency", "1", "--metrics", "exact-match"]
        let first = try CLIRunner.start(args)
        usleep(300_000)  // the first worker claims shard 1 before the second starts
        let second = try CLIRunner.start(args)
        // Without renewal the two would take the shards from each other for ever: give them a minute.
        let finished = [first, second].map { $0.wait(killingAfter: 60) }
        for r in finished { #expect(!r.killedBySignal && r.status == 0, "still taking shards from each other after 60 s: \(r.stderr.suffix(500))") }
        let results = try finished.map { try Self.json($0) }
        #expect(results.allSatisfy { ($0["shards_lost"] as? [Int] ?? [0]).isEmpty }, "no shard was taken over: \(results)")
        let ids = try Self.requestedIDs(log)
        #expect(ids.count == 6 && Set(ids).count == 6, "each example asked once: \(ids)")
        #expect(Set(results.compactMap { $0["evaluation_id"] as? Int }).count == 1)
    }

    @Test("bad shard options are refused with a message naming the option")
    func badShardOptionsAreRefused() throws {
        let base = ["eval", "--data", Self.summaries, "--model", "file:/nonexistent", "--db", "/nonexistent/store.db"]
        for (extra, message) in [(["--shard", "4/3"], "between 1 and 3"), (["--shard", "0/2"], "between 1 and 2"),
                                 (["--shard", "two"], "I/N"), (["--shard", "1/0"], "at least 1"),
                                 (["--shards", "4"], "--workers-claim"), (["--workers-claim", "--lease", "0"], "--lease"),
                                 (["--shard", "1/2", "--workers-claim"], "not both")] {
            let r = try CLIRunner.run(base + extra)
            #expect(r.status != 0 && r.stderr.contains(message), "\(extra): \(r.stderr)")
        }
    }
}
