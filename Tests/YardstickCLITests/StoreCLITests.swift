import Foundation
import Testing
import YardstickTestSupport

/// A test database in its own folder, and `yardstick` commands run against it through ``CLIRunner``.
struct StoreCLI {
    static var binary: URL { CLIRunner.binary }

    let folder: URL
    let database: String

    init(_ backend: Backend = .sqlite) throws {
        folder = try TemporaryDirectory.make()
        database = try backend.newLocation(in: folder)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Starts `yardstick ARGS --db <test db>` (no `--db` when `useDatabase` is false).
    func start(_ arguments: [String], useDatabase: Bool = true, environment: [String: String] = [:], stdin: String? = nil,
               workingDirectory: URL? = nil) throws -> CLIRunner.Running {
        try CLIRunner.start(arguments + (useDatabase ? ["--db", database] : []), stdin: stdin.map { Data($0.utf8) },
                            environment: environment, directory: workingDirectory, scratch: folder)
    }

    func run(_ arguments: [String], useDatabase: Bool = true, environment: [String: String] = [:], stdin: String? = nil,
             workingDirectory: URL? = nil) throws -> CLIRunner.Result {
        try start(arguments, useDatabase: useDatabase, environment: environment, stdin: stdin, workingDirectory: workingDirectory).wait()
    }

    /// Runs a command that must succeed and returns its stdout.
    func ok(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments, stdin: stdin)
        #expect(result.status == 0, "yardstick \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}

@Suite(.serialized) struct StoreCLITests {
    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: StoreCLI.binary.path),
                     "build the executable first (swift build): \(StoreCLI.binary.path)")
    }

    @Test(arguments: Backend.available) func createPrintsTheIdOrAJSONObject(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let id = try cli.ok(["runs", "create", "--experiment", "e", "--name", "plain"]).trimmingCharacters(in: .newlines)
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
        let object = try #require(try StoreCLI.json(try cli.ok(["runs", "create", "--experiment", "e", "--name", "j", "--json",
                                                                  "--param", "lr=0.001", "--tag", "stage=sft", "--job-id", "ftjob-1", "--base-model", "m"])) as? [String: Any])
        #expect(Set(object.keys) == ["id", "name", "experiment"])
        #expect(object["name"] as? String == "j" && object["experiment"] as? String == "e")
        let taken = try cli.run(["runs", "create", "--experiment", "e", "--name", "j"])
        #expect(taken.status == 1)
        #expect(taken.stderr == "error: experiment 'e' already has a run named 'j'\n")
    }

    @Test(arguments: Backend.available) func listJSONHasTheDocumentedFieldsAndFilters(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        _ = try cli.ok(["runs", "create", "--experiment", "e", "--name", "a", "--param", "lr=0.001", "--param", "opt=adam", "--tag", "stage=final"])
        _ = try cli.ok(["runs", "create", "--experiment", "e", "--name", "b", "--param", "lr=0.01"])
        _ = try cli.ok(["log", "metric", "a", "eval/loss", "-0.5", "--step", "3", "--epoch", "1.5"])
        let runs = try #require(try StoreCLI.json(try cli.ok(["runs", "list", "--json", "--where", "metrics.`eval/loss` < 0 and params.lr <= 0.001"])) as? [[String: Any]])
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(Set(run.keys) == ["id", "experiment", "name", "status", "created_at", "started_at", "ended_at", "provider", "job_id",
                                   "base_model", "fine_tuned_model", "notes", "params", "tags", "metrics", "final_metrics", "evaluation_scores"])
        #expect(run["name"] as? String == "a")
        #expect((run["params"] as? [String: Any])?["lr"] as? Double == 0.001)
        #expect((run["params"] as? [String: Any])?["opt"] as? String == "adam")
        #expect((run["metrics"] as? [String: Any])?["eval/loss"] as? Double == -0.5)
        #expect((run["tags"] as? [String: Any])?["stage"] as? String == "final")
        let sorted = try #require(try StoreCLI.json(try cli.ok(["runs", "list", "--json", "--sort", "params.lr desc", "--limit", "1"])) as? [[String: Any]])
        #expect(sorted.map { $0["name"] as? String } == ["b"])
        let table = try cli.ok(["runs", "list", "--experiment", "e"])
        #expect(table.hasPrefix("ID"))
        #expect(table.contains("lr=0.001") && table.contains("eval/loss=-0.5"))
    }

    @Test(arguments: Backend.available) func badFilterIsOneErrorLineWithTheColumn(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        _ = try cli.ok(["runs", "create", "--name", "a"])
        let result = try cli.run(["runs", "list", "--where", "params.learning_rate >= 0.1 and metrics.bleu >="])
        #expect(result.status == 1)
        #expect(result.stderr == "error: --where: expected a value after '>=' at column 48 (found the end of the filter)\n")
        let sort = try cli.run(["runs", "list", "--sort", "metrics.bleu sideways"])
        #expect(sort.status == 1 && sort.stderr.hasPrefix("error: --sort: expected 'asc' or 'desc'"))
    }

    @Test(arguments: Backend.available) func errorsExitOneAndUsageErrorsExitTwo(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let missing = try cli.run(["runs", "show", "nothing"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: no run 'nothing'") && missing.stderr.split(separator: "\n").count == 1)
        let usage = try cli.run(["runs", "create", "--param", "no-equals-sign"])
        #expect(usage.status == 2, "usage errors exit 2 (\(usage.status))")
        _ = try cli.ok(["runs", "create", "--name", "r"])
        let badFile = try cli.run(["log", "metrics", "r", "--file", cli.path("absent.csv")])
        #expect(badFile.status == 1)
        #expect(badFile.stderr == "error: \(cli.path("absent.csv")): no such file\n")
    }

    @Test(arguments: Backend.available) func deleteRefusesWithoutYes(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let id = try cli.ok(["runs", "create", "--name", "doomed"]).trimmingCharacters(in: .newlines)
        let refused = try cli.run(["runs", "delete", "doomed"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: refusing to delete run \(id.prefix(8)) (default/doomed) without --yes\n")
        #expect(try cli.run(["runs", "show", id]).status == 0, "the run is still there")
        #expect(try cli.ok(["runs", "delete", String(id.prefix(6)), "--yes"]) == "deleted run \(id.prefix(8)) (default/doomed)\n")
        #expect(try cli.run(["runs", "show", id]).status == 1)
    }

    @Test(arguments: Backend.available) func logMetricsReadsStdinAndHistoryCSVRoundTrips(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        _ = try cli.ok(["runs", "create", "--name", "src"])
        _ = try cli.ok(["runs", "create", "--name", "dst"])
        let csv = "key,step,value\nloss,1,2.5\nloss,2,2.25\nlr,1,0.0001\n"
        let logged = try #require(try StoreCLI.json(try cli.ok(["log", "metrics", "src", "--json"], stdin: csv)) as? [String: Any])
        #expect(logged["points"] as? Int == 3 && logged["skipped"] as? Int == 0)
        let again = try #require(try StoreCLI.json(try cli.ok(["log", "metrics", "src", "--json"], stdin: csv)) as? [String: Any])
        #expect(again["points"] as? Int == 0 && again["skipped"] as? Int == 3, "identical points are not stored twice")
        let history = try cli.ok(["runs", "history", "src", "--csv"])
        #expect(history == "key,step,epoch,value,wall_time\nloss,1,,2.5,\nloss,2,,2.25,\nlr,1,,0.0001,\n")
        _ = try cli.ok(["log", "metrics", "dst"], stdin: history)
        #expect(try cli.ok(["runs", "history", "dst", "--csv"]) == history)
        let json = try #require(try StoreCLI.json(try cli.ok(["runs", "history", "src", "loss", "--json"])) as? [String: Any])
        let points = try #require(json["points"] as? [[String: Any]])
        #expect(points.count == 2)
        #expect(Set(points[0].keys) == ["key", "step", "epoch", "value", "wall_time"])
        #expect(points[1]["value"] as? Double == 2.25)
    }

    @Test(arguments: Backend.available) func showCompareTagParamAndExport(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        _ = try cli.ok(["runs", "create", "--experiment", "e", "--name", "a", "--param", "lr=0.1", "--param", "model=m"])
        _ = try cli.ok(["runs", "create", "--experiment", "e", "--name", "b", "--param", "lr=0.2", "--param", "model=m"])
        _ = try cli.ok(["runs", "tag", "a", "stage=final", "owner=me"])
        _ = try cli.ok(["log", "param", "b", "epochs=3", "lora=true"])
        let show = try #require(try StoreCLI.json(try cli.ok(["runs", "show", "a", "--experiment", "e", "--json"])) as? [String: Any])
        #expect((show["tags"] as? [String: String]) == ["stage": "final", "owner": "me"])
        for key in ["metric_series", "evaluations", "datasets", "imports"] { #expect(show[key] is [Any], "show has \(key)") }
        let compare = try #require(try StoreCLI.json(try cli.ok(["runs", "compare", "a", "b", "--json"])) as? [String: Any])
        #expect(Set(compare.keys) == ["runs", "differing_params", "common_params", "metrics", "paired", "not_compared"])
        let differing = try #require(compare["differing_params"] as? [String: [Any]])
        #expect(Set(differing.keys) == ["lr", "epochs", "lora"])
        #expect(differing["lora"]?[1] as? Bool == true && differing["lora"]?[0] is NSNull)
        #expect((compare["common_params"] as? [String: String]) == ["model": "m"])
        let output = cli.path("runs.csv")
        _ = try cli.ok(["export", "--experiment", "e", "--output", output])
        let exported = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(exported.count == 3)
        #expect(exported[0].hasSuffix("params.epochs,params.lora,params.lr,params.model,tags.owner,tags.stage"))
        let jsonl = try cli.ok(["export", "--format", "jsonl"]).split(separator: "\n")
        #expect(jsonl.count == 2)
    }

    @Test(arguments: Backend.available) func databasePathComesFromTheOptionTheEnvironmentOrTheDefault(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let fromEnvironment = cli.path("env/chosen.db")
        #expect(try cli.run(["runs", "create", "--name", "x"], useDatabase: false, environment: ["YARDSTICK_DB": fromEnvironment]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fromEnvironment))
        #expect(try cli.run(["runs", "create", "--name", "y"], useDatabase: false, workingDirectory: cli.folder).status == 0)
        #expect(FileManager.default.fileExists(atPath: cli.path("experiments/yardstick.db")))
    }
}

/// The password of a `postgres://` store never reaches any output, whatever the command and whether it succeeds.
@Suite(.enabled(if: TestPostgres.uri != nil, "\(TestPostgres.skipReason)"))
struct PostgresPasswordCLITests {
    @Test func noCommandPrintsThePasswordOfThePostgresURI() throws {
        let uri = try TestPostgres.scratchURI()
        let password = try #require(URLComponents(string: uri)?.password, "the test server's URI carries a password")
        let folder = try TemporaryDirectory.make()
        let data = folder.appendingPathComponent("set.jsonl")
        try "{\"prompt\": \"a\", \"completion\": \"b\"}\n".write(to: data, atomically: true, encoding: .utf8)
        let bad = folder.appendingPathComponent("bad.csv")
        try "step,key,value\n1,loss,x\n".write(to: bad, atomically: true, encoding: .utf8)
        let commands: [[String]] = [
            ["runs", "create", "--experiment", "e", "--name", "r"],
            ["runs", "create", "--experiment", "e", "--name", "r"],  // taken: an error
            ["runs", "list"], ["runs", "list", "--json"], ["runs", "show", "r"], ["runs", "show", "nope"],
            ["runs", "history", "r", "--json"], ["runs", "compare", "r", "nope"],
            ["log", "metrics", "r", "--file", bad.path], ["log", "metrics", "r"],
            ["advise", "r"], ["advise", "nope"], ["report", "--out", folder.appendingPathComponent("out").path],
            ["export"], ["cache", "stats"],
            ["eval", "--data", data.path, "--model", "file:/nonexistent", "--run", "x"],
            ["eval", "--data", data.path, "--model", "command:cat", "--run", "x", "--workers-claim", "--shards", "2"],
        ]
        var failures = 0
        for arguments in commands {
            let result = try CLIRunner.run(arguments + ["--db", uri], stdin: Data("step,key,value\n1,loss,0.5\n".utf8), scratch: folder)
            if result.status != 0 { failures += 1 }
            #expect(!result.stdout.contains(password) && !result.stderr.contains(password), "\(arguments): the password was printed")
        }
        #expect(failures >= 5, "the sweep includes failing commands, whose messages name the store")
    }
}
