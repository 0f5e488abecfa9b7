import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// `yardstick store copy` end to end, on the demo's real data.
@Suite(.serialized) struct StoreCopyCLITests {
    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: StoreCLI.binary.path),
                     "build the executable first (swift build): \(StoreCLI.binary.path)")
    }

    /// The store `make demo` builds (experiments/demo.sh, with its report written to the test's folder): five real
    /// training logs, two models evaluated on a real held-out split (predictions, cache, statistics, example scores)
    /// and two translation systems scored.
    static func demoStore(_ cli: StoreCLI) throws {
        let script = Fixtures.repositoryRoot.appendingPathComponent("experiments/demo.sh").path
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: "/bin/bash")
        demo.arguments = [script, StoreCLI.binary.path, cli.database, cli.path("reports")]
        demo.currentDirectoryURL = Fixtures.repositoryRoot
        demo.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        demo.standardError = errors
        try demo.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        demo.waitUntilExit()
        #expect(demo.terminationStatus == 0, "demo.sh failed: \(String(decoding: stderr, as: UTF8.self))")
    }

    /// What a user reads from a store: the run list, every run's history, and the paired comparison.
    static func views(_ database: String, runs: [String], in folder: URL) throws -> [String] {
        var outputs: [String] = []
        func read(_ arguments: [String]) throws {
            let result = try CLIRunner.run(arguments + ["--db", database], scratch: folder)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            outputs.append(result.stdout)
        }
        try read(["runs", "list", "--json"])
        for run in runs { try read(["runs", "history", run, "--json"]) }
        try read(["runs", "compare", "mt-sys1", "mt-sys2", "--json"])
        try read(["runs", "compare", "mt-sys1", "mt-sys2"])
        try read(["runs", "compare", "majority", "keyword", "--json"])
        return outputs
    }

    @Test("the demo store copied SQLite → PostgreSQL → SQLite reads the same, byte for byte, on all three stores")
    func demoRoundTrip() throws {
        let cli = try StoreCLI(.sqlite)
        defer { cli.remove() }
        try Self.demoStore(cli)
        let listed = try #require(try StoreCLI.json(try cli.ok(["runs", "list", "--json"])) as? [[String: Any]])
        let runs = listed.compactMap { $0["id"] as? String }
        #expect(runs.count == 9, "five imported logs, two evaluated models, two scored systems")
        let evaluations = Int(try SQLiteProbe().column("SELECT count(*) FROM evaluations", in: cli.database).first ?? "") ?? -1
        #expect(evaluations >= 4)
        let original = try Self.views(cli.database, runs: runs, in: cli.folder)
        #expect(original[original.count - 2].contains("mt-sys") && original.last?.contains("keyword") == true)

        var chain = [cli.database]
        if Backend.available.contains(.postgres) { chain.append(try Backend.postgres.newLocation(in: cli.folder)) }
        chain.append(cli.path("back.db"))
        for (from, to) in zip(chain, chain.dropFirst()) {
            let copy = try CLIRunner.run(["store", "copy", "--from", from, "--to", to, "--json"], scratch: cli.folder)
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(copy.stderr.contains("runs 9/9"), "progress goes to stderr: \(copy.stderr)")
            let summary = try #require(try StoreCLI.json(copy.stdout) as? [String: Any])
            let tables = try #require(summary["tables"] as? [String: [String: Int]])
            #expect(tables["runs"] == ["copied": 9, "already_present": 0] && tables["evaluations"] == ["copied": evaluations, "already_present": 0])
            #expect((tables["predictions"]?["copied"] ?? 0) > 0 && (tables["response_cache"]?["copied"] ?? 0) > 0)
            #expect(try Self.views(to, runs: runs, in: cli.folder) == original, "\(StoreLocation(to).display) reads as the original")

            let again = try CLIRunner.run(["store", "copy", "--from", from, "--to", to, "--quiet"], scratch: cli.folder)
            #expect(again.status == 0 && again.stderr.isEmpty, "--quiet: \(again.stderr)")
            #expect(again.stdout.contains(": 0 rows added, "), "\(again.stdout)")
        }
    }

    @Test("a run the destination refuses: exit 1, an error naming the run, whole runs only in the destination")
    func refusedRunFailsTheCommand() throws {
        let cli = try StoreCLI(.sqlite)
        defer { cli.remove() }
        try Self.demoStore(cli)
        let destination = cli.path("destination.db")
        _ = try Store(path: destination)
        let refused = try cli.ok(["runs", "show", "mt-sys2", "--json"])
        let refusedID = try #require((try StoreCLI.json(refused) as? [String: Any])?["id"] as? String)
        // A real refusal by the destination: it will not take chrF scores of that run, the last rows of its transaction.
        try Database(path: destination).execute("""
            CREATE TRIGGER refuse BEFORE INSERT ON evaluation_metrics WHEN NEW.name = 'chrf'
              AND (SELECT r.id FROM evaluations e JOIN runs r ON r.pk = e.run_pk WHERE e.id = NEW.evaluation_id) = '\(refusedID)'
            BEGIN SELECT RAISE(ABORT, 'no chrF here'); END
            """)
        let result = try CLIRunner.run(["store", "copy", "--from", cli.database, "--to", destination], scratch: cli.folder)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error: copying run \(refusedID) (demo/mt-sys2) failed, nothing of it was written"), "\(result.stderr)")
        #expect(result.stderr.contains("no chrF here"))
        let inDestination = { (arguments: [String]) in try CLIRunner.run(arguments + ["--db", destination], scratch: cli.folder).stdout }
        let copied = try #require(try StoreCLI.json(try inDestination(["runs", "list", "--json"])) as? [[String: Any]])
        let names = copied.compactMap { $0["name"] as? String }
        // mt-sys2 is the demo's last run: every run before it arrived.
        let sourceRuns = try #require(try StoreCLI.json(try cli.ok(["runs", "list", "--json"])) as? [[String: Any]])
        #expect(names.count == sourceRuns.count - 1 && !names.contains("mt-sys2"), "\(names)")
        // Every run that arrived is whole: its history reads as in the source.
        for run in copied.compactMap({ $0["id"] as? String }) {
            #expect(try inDestination(["runs", "history", run, "--json"]) == cli.ok(["runs", "history", run, "--json"]))
        }
    }

    @Test("no password of either URI appears in any output, whether the copy succeeds or fails")
    func passwordsNeverAppear() throws {
        let cli = try StoreCLI(.sqlite)
        defer { cli.remove() }
        _ = try cli.ok(["runs", "create", "--experiment", "e", "--name", "r"])
        _ = try cli.ok(["log", "metric", "r", "loss", "0.5", "--step", "1"])
        let secret = "S3cretPassw0rd"
        for uri in ["postgres://me:\(secret)@127.0.0.1:1/yardstick", "postgresql://me@127.0.0.1:1/yardstick?password=\(secret)&sslmode=disable"] {
            for arguments in [["--from", cli.database, "--to", uri], ["--from", uri, "--to", cli.path("x.db")]] {
                let result = try CLIRunner.run(["store", "copy"] + arguments, scratch: cli.folder)
                #expect(result.status == 1 && result.stderr.contains("cannot connect to postgres"), "\(result.stderr)")
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(result.stderr)")
            }
        }
        guard Backend.available.contains(.postgres) else { return }
        // The test server's own URI carries its password: a successful copy each way must not print it either.
        let server = try Backend.postgres.newLocation(in: cli.folder)
        // (A server reached without a password, e.g. through ~/.pgpass, leaves nothing to leak here.)
        guard let password = URLComponents(string: server)?.password, !password.isEmpty else { return }
        for arguments in [["--from", cli.database, "--to", server], ["--from", server, "--to", cli.path("back.db")],
                          ["--from", server, "--to", server, "--json"]] {
            let result = try CLIRunner.run(["store", "copy"] + arguments, scratch: cli.folder)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("postgres://") && !result.stdout.contains(password) && !result.stderr.contains(password))
        }
    }
}
