import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// `yardstick eval` end to end on real held-out data, against local providers.
@Suite(.serialized) struct EvalCLITests {
    static let sections = Fixtures.url("metrics/classification/sections.jsonl").path
    static let summaries = Fixtures.url("metrics/summary/descriptions.jsonl").path
    static let lookup = Fixtures.url("runner/lookup_model.py").path

    func json(_ r: CLIRunner.Result) throws -> [String: Any] {
        try #require(try CLIRunner.json(r) as? [String: Any], "\(r.stdout)\n\(r.stderr)")
    }

    func metric(_ object: [String: Any], _ name: String) -> Double? {
        (object["metrics"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["score"] as? Double
    }

    @Test(arguments: Backend.available) func aCommandModelOnTheClassificationSetScoresAsScoreDoesAndResumesWithoutRequests(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        // The "model" answers each description with the keyword classifier's prediction stored in the set.
        let model = "command:python3 \(Self.lookup) \(Self.sections) text pred"
        let args = ["eval", "--data", Self.sections, "--input-field", "text", "--reference-field", "label", "--model", model,
                    "--metrics", "accuracy", "--run", "keyword", "--db", db, "--json", "--concurrency", "2", "--resamples", "100"]
        let first = try CLIRunner.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let result = try json(first)
        #expect(result["examples"] as? Int == 1879 && result["failed"] as? Int == 0)
        // Rows with the same description are asked once; the repeats share the answer.
        #expect((result["answered"] as? Int ?? 0) + (result["from_cache"] as? Int ?? 0) == 1879)
        #expect(result["requests"] as? Int == result["answered"] as? Int)
        let scored = try CLIRunner.run(["score", "accuracy", "--data", Self.sections, "--hyp-field", "pred", "--ref-field", "label",
                                        "--json", "--resamples", "100"])
        let reference = try #require(try CLIRunner.json(scored) as? [String: Any])
        #expect(metric(result, "accuracy") == reference["accuracy"] as? Double)
        #expect(metric(result, "macro_f1") == ((reference["averages"] as? [String: Any])?["macro"] as? [String: Any])?["f1"] as? Double)

        let again = try json(try CLIRunner.run(args))
        #expect(again["already_done"] as? Int == 1879 && again["requests"] as? Int == 0, "a re-run asks for nothing")
        let store = try Store(path: db)
        let evaluations = try store.evaluations(run: try store.resolveRun("keyword", experiment: nil).id)
        #expect(evaluations.count == 2 && Set(evaluations.compactMap(\.predictionSetID)).count == 1, "one prediction set")
        let predictions = try store.predictions(evaluation: evaluations[1].id)
        #expect(predictions.count == 1879 && predictions[0].exampleID == "cls:00000" && predictions[0].prediction == "utils")
        #expect(predictions[0].scores["accuracy"] == 0)
        #expect(try store.run(id: evaluations[1].runID)?.status == "finished")
    }

    @Test(arguments: Backend.available) func aPredictionsFileScoresROUGEAsScoreDoes(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let rows = try Fixtures.jsonLines("metrics/summary/descriptions.jsonl")
        let predictions = dir.appendingPathComponent("lead3.jsonl")
        var text = ""
        for row in rows.reversed() {  // any order: matched by id
            let line = try JSONSerialization.data(withJSONObject: ["id": row["id"]!, "prediction": row["lead3"]!], options: [.sortedKeys])
            text += String(decoding: line, as: UTF8.self) + "\n"
        }
        try Data(text.utf8).write(to: predictions)
        let r = try CLIRunner.run(["eval", "--data", Self.summaries, "--input-field", "source", "--reference-field", "reference",
                                   "--model", "file:\(predictions.path)", "--metrics", "rouge", "--stemmer", "--no-confidence",
                                   "--run", "lead3", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let result = try json(r)
        let scored = try CLIRunner.run(["score", "rouge", "--data", Self.summaries, "--hyp-field", "lead3", "--ref-field", "reference",
                                        "--stemmer", "--json", "--no-confidence"])
        let scores = try #require((try CLIRunner.json(scored) as? [String: Any])?["scores"] as? [String: [String: Double]])
        for type in ["rouge1", "rouge2", "rougeL", "rougeLsum"] {
            #expect(metric(result, type) == scores[type]?["fmeasure"], "\(type)")
        }
        #expect(result["from_cache"] as? Int == 0, "a predictions file is not cached")
    }

    @Test func faultsAreRetriedAndNothingAnsweredIsAskedAgain() throws {
        let server = try FakeOpenAIServer(["--answers", Self.sections, "--fail-500", "0.1", "--fail-429", "0.05", "--retry-after", "0",
                                           "--malformed", "0.02", "--drop", "0.01", "--seed", "3"])
        let dir = try TemporaryDirectory.make()
        let db = dir.appendingPathComponent("store.db").path
        let data = dir.appendingPathComponent("set.jsonl")
        try Data(try Fixtures.text("metrics/classification/sections.jsonl").split(separator: "\n").prefix(300).joined(separator: "\n").utf8)
            .write(to: data)
        let key = "sk-yardstick-test-4f3a9c1e7b"
        let args = ["eval", "--data", data.path, "--input-field", "text", "--reference-field", "label", "--model", "openai:ft:test",
                    "--base-url", server.baseURL, "--metrics", "accuracy", "--no-confidence", "--concurrency", "8",
                    "--max-retries", "6", "--run", "api", "--db", db, "--json"]
        let r = try CLIRunner.run(args, environment: ["OPENAI_API_KEY": key])
        #expect(r.status == 0, "\(r.stderr)")
        let result = try json(r)
        #expect((result["answered"] as? Int ?? 0) + (result["from_cache"] as? Int ?? 0) + (result["failed"] as? Int ?? 0) == 300,
                "every example is scored or recorded as failed")
        #expect(try Self.count(db, "SELECT count(*) FROM predictions") == 300)
        #expect((result["retries"] as? Int ?? 0) > 0)
        let requests = try server.requests()
        #expect(Set(requests.compactMap { $0["outcome"] as? String }).isSuperset(of: ["ok", "500", "429", "malformed"]))
        #expect(requests.allSatisfy { $0["auth"] as? Bool == true })
        var answered = Set<String>()
        for request in requests {
            let prompt = request["prompt"] as? String ?? ""
            #expect(!answered.contains(prompt), "asked again after an answer: \(prompt)")
            if request["outcome"] as? String == "ok" { answered.insert(prompt) }
        }
        // The same evaluation again: everything is stored, nothing is requested.
        let again = try json(try CLIRunner.run(args, environment: ["OPENAI_API_KEY": key]))
        #expect(again["requests"] as? Int == 0)
        #expect(try server.requests().count == requests.count)
        // Another run with the same settings is answered from the cache.
        var other = args
        other[other.firstIndex(of: "api")!] = "api-2"
        let cached = try json(try CLIRunner.run(other, environment: ["OPENAI_API_KEY": key]))
        #expect(cached["from_cache"] as? Int == 300 - (result["failed"] as? Int ?? 0))
        #expect(try server.requests().count == requests.count + (cached["requests"] as? Int ?? 0))
        // The key is nowhere: not in the store's folder, not in any output.
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(file))
            #expect(bytes.range(of: Data(key.utf8)) == nil, "\(file) holds the API key")
        }
        #expect(!r.stdout.contains(key) && !r.stderr.contains(key))
    }

    @Test(arguments: Backend.available) func aKilledRunResumesAskingOnlyForWhatIsMissing(_ backend: Backend) throws {
        let server = try FakeOpenAIServer(["--answers", Self.sections, "--latency-ms", "150"])
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let data = dir.appendingPathComponent("set.jsonl")
        try Data(try Fixtures.text("metrics/classification/sections.jsonl").split(separator: "\n").prefix(80).joined(separator: "\n").utf8)
            .write(to: data)
        let args = ["eval", "--data", data.path, "--input-field", "text", "--reference-field", "label", "--model", "openai:ft:test",
                    "--base-url", server.baseURL, "--metrics", "accuracy", "--no-confidence", "--concurrency", "4",
                    "--run", "resumed", "--db", db, "--json"]
        let running = try CLIRunner.start(args)
        let deadline = Date().addingTimeInterval(30)
        var saved = 0
        while saved < 20 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            saved = (try? Self.count(db, "SELECT count(*) FROM predictions")) ?? 0
        }
        kill(running.process.processIdentifier, SIGKILL)
        _ = running.wait()
        Thread.sleep(forTimeInterval: 0.5)  // the server logs a request when it answers: let the ones in flight land
        let done = Set(try Self.column(db, "SELECT input FROM predictions"))
        #expect(done.count >= 20 && done.count < 80, "killed in the middle (\(done.count) saved)")
        let before = try server.requests().count
        let r = try CLIRunner.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let result = try json(r)
        #expect(result["already_done"] as? Int == done.count)
        let after = try server.requests().dropFirst(before)
        #expect(after.allSatisfy { !done.contains($0["prompt"] as? String ?? "") }, "no saved example is asked again")
        #expect(after.count == 80 - done.count)
        #expect(try Self.count(db, "SELECT count(*) FROM predictions") == 80)
        #expect(try Self.count(db, "SELECT count(DISTINCT example_id) FROM predictions") == 80)
    }

    @Test func tooManyFailuresStopTheRunAndMarkItFailed() throws {
        let server = try FakeOpenAIServer(["--fail-500", "1"])
        let dir = try TemporaryDirectory.make()
        let db = dir.appendingPathComponent("store.db").path
        let r = try CLIRunner.run(["eval", "--data", Self.sections, "--input-field", "text", "--reference-field", "label",
                                   "--model", "openai:ft:test", "--base-url", server.baseURL, "--metrics", "accuracy",
                                   "--no-confidence", "--max-retries", "1", "--max-failures", "5", "--concurrency", "2",
                                   "--run", "broken", "--db", db])
        #expect(r.status == 1)
        #expect(r.stderr.contains("the run stopped"), "\(r.stderr)")
        #expect(try server.requests().count < 40, "it stopped early")
        let store = try Store(path: db)
        #expect(try store.resolveRun("broken", experiment: nil).status == "failed")
        let wrongKey = try FakeOpenAIServer(["--require-key", "right-key"])
        let denied = try CLIRunner.run(["eval", "--data", Self.sections, "--input-field", "text", "--reference-field", "label",
                                        "--model", "openai:m", "--base-url", wrongKey.baseURL, "--metrics", "accuracy",
                                        "--max-failures", "0", "--run", "denied", "--db", db],
                                       environment: ["OPENAI_API_KEY": "wrong-key-123"])
        #expect(denied.status == 1 && !denied.stderr.contains("wrong-key-123") && !denied.stdout.contains("wrong-key-123"))
    }

    @Test func syncImportsAJobWithEventsCheckpointsAndResultsOnceOnly() throws {
        let dir = try TemporaryDirectory.make()
        let jobs = dir.appendingPathComponent("jobs")
        try FileManager.default.createDirectory(at: jobs.appendingPathComponent("files"), withIntermediateDirectories: true)
        let job = "ftjob-7Hq2LmXbR4kT9vNc1sYdWe3F"
        try Fixtures.data("importers/openai_job_supervised.json").write(to: jobs.appendingPathComponent("\(job).json"))
        try Fixtures.data("importers/openai_events.json").write(to: jobs.appendingPathComponent("\(job).events.json"))
        try Fixtures.data("runner/openai_checkpoints.json").write(to: jobs.appendingPathComponent("\(job).checkpoints.json"))
        try Fixtures.data("importers/openai_results_full_valid.b64").write(to: jobs.appendingPathComponent("files/file-3Rk9ZsYvQ1mWbN7cT5xLp2Hd"))
        let server = try FakeOpenAIServer(["--jobs", jobs.path, "--require-key", "sk-sync-key"])
        let db = dir.appendingPathComponent("store.db").path
        let args = ["sync", "openai", job, "--base-url", server.baseURL, "--db", db, "--out", dir.appendingPathComponent("openai").path, "--json"]
        let first = try CLIRunner.run(args, environment: ["OPENAI_API_KEY": "sk-sync-key"])
        #expect(first.status == 0, "\(first.stderr)")
        let imported = try #require(try CLIRunner.json(first) as? [[String: Any]])
        #expect(imported.map { $0["format"] as? String } == ["openai-job", "openai-events", "openai-checkpoints", "openai-results"])
        let store = try Store(path: db)
        let run = try store.resolveRun(job, experiment: nil)
        #expect(try store.summary(run: run.id).tags["checkpoint.step-6"] == "ft:gpt-4o-mini-2024-07-18:acme-research:support-bot:9nB3xKqP:ckpt-step-6")
        #expect(try store.history(run: run.id, keys: ["eval_full_loss"]).count >= 2)
        let second = try CLIRunner.run(args, environment: ["OPENAI_API_KEY": "sk-sync-key"])
        let again = try #require(try CLIRunner.json(second) as? [[String: Any]])
        #expect(again.allSatisfy { (($0["runs"] as? [[String: Any]])?.first?["status"] as? String) == "already_imported" })
        let denied = try CLIRunner.run(args, environment: ["OPENAI_API_KEY": "sk-wrong"])
        #expect(denied.status == 1 && denied.stderr.contains("HTTP 401") && !denied.stderr.contains("sk-wrong"))
    }

    @Test func splitAndCheckFindAPlantedLeakOnTheRealSet() throws {
        let dir = try TemporaryDirectory.make()
        let out = dir.appendingPathComponent("split").path
        let split = try CLIRunner.run(["split", Self.sections, "--stratify", "label", "--out", out, "--json"])
        #expect(split.status == 0, "\(split.stderr)")
        let parts = try #require(try CLIRunner.json(split) as? [[String: Any]])
        #expect(parts.map { $0["examples"] as? Int } == [1508, 191, 180], "each label split on its own")
        let train = "\(out)/train.jsonl", test = "\(out)/test.jsonl"
        let clean = try CLIRunner.run(["check", test, "--against", train, "--input-field", "text", "--reference-field", "label", "--json"])
        let cleanLeaks = ((try CLIRunner.json(clean) as? [String: Any])?["leakage"] as? [String: Any])?["exact"] as? [Any]
        // Plant one test example in the training file.
        let leaked = try String(contentsOfFile: test, encoding: .utf8).split(separator: "\n")[3]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: train))
        handle.seekToEndOfFile()
        handle.write(Data((leaked + "\n").utf8))
        try handle.close()
        let r = try CLIRunner.run(["check", test, "--against", train, "--input-field", "text", "--reference-field", "label", "--json"])
        #expect(r.status == 1)
        let report = try #require(try CLIRunner.json(r) as? [String: Any])
        let exact = try #require((report["leakage"] as? [String: Any])?["exact"] as? [[String: Any]])
        #expect(exact.count == (cleanLeaks?.count ?? 0) + 1 && exact.contains { $0["line"] as? Int == 4 })
        #expect((report["labels"] as? [Any])?.isEmpty == false)
    }

    static func count(_ db: String, _ sql: String) throws -> Int {
        Int(try column(db, sql).first ?? "") ?? -1
    }

    static func column(_ db: String, _ sql: String) throws -> [String] {
        try SQLiteProbe().column(sql, in: db).map { $0 == "NULL" ? "" : $0 }
    }
}
