import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// Reads what the processes left behind through the project's own database wrapper (a SQLite file opened
/// read-write so WAL recovery runs as it would for the next yardstick process, or the PostgreSQL store).
struct SQLiteProbe {
    /// The first column of every row of `sql`, as text.
    func column(_ sql: String, in path: String) throws -> [String] {
        let location = StoreLocation(path)
        let database: Database
        if case .postgres = location { database = try Database(location: location) } else { database = try Database(path: path, flags: [.readWrite]) }
        defer { database.close() }
        return try database.query(sql).map { row in
            switch row.first ?? .null {
            case .null: return "NULL"
            case let .integer(v): return String(v)
            case let .real(v): return String(v)
            case let .text(v): return v
            case let .blob(v): return "\(v.count) bytes"
            }
        }
    }
}

@Suite(.serialized) struct StoreConcurrencyTests {
    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: StoreCLI.binary.path),
                     "build the executable first (swift build): \(StoreCLI.binary.path)")
    }

    /// `key,step,value` rows for steps `first..<first+count`.
    static func metricRows(first: Int, count: Int, key: String = "loss") -> String {
        var text = "key,step,value\n"
        text.reserveCapacity(count * 24)
        for step in first..<(first + count) {
            text += "\(key),\(step),\(Double(step % 1000) / 997)\n"
        }
        return text
    }

    @Test(arguments: Backend.available) func eightProcessesLoggingAtOnceAllSucceedAndEveryPointIsStored(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let id = try cli.ok(["runs", "create", "--experiment", "concurrency", "--name", "shared"]).trimmingCharacters(in: .newlines)
        var files: [String] = []
        for process in 0..<8 {
            let file = cli.path("points-\(process).csv")
            // Same run, alternating keys, disjoint steps: every one of the 160,000 points is distinct.
            try StoreConcurrencyTests.metricRows(first: process * 20_000, count: 20_000, key: process % 2 == 0 ? "loss" : "eval/loss")
                .write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let started = try files.map { try cli.start(["log", "metrics", String(id.prefix(8)), "--file", $0]) }
        let results = started.map { $0.wait() }
        for (process, result) in results.enumerated() {
            #expect(result.status == 0, "process \(process) exited \(result.status): \(result.stderr)")
            #expect(!result.stderr.contains("locked"), "process \(process): \(result.stderr)")
            #expect(result.stdout.hasPrefix("logged 20000 points"), "process \(process): \(result.stdout)")
        }
        let probe = SQLiteProbe()
        #expect(try probe.column("SELECT count(*) FROM metric_points", in: cli.database) == ["160000"])
        #expect(try probe.column("SELECT count(DISTINCT step) FROM metric_points", in: cli.database) == ["160000"])
        if backend == .sqlite { #expect(try probe.column("PRAGMA integrity_check", in: cli.database) == ["ok"]) }
    }

    @Test(arguments: Backend.available) func eightProcessesCreatingTheFirstRunsOfANewStoreAllSucceed(_ backend: Backend) throws {
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let started = try (0..<8).map { try cli.start(["runs", "create", "--experiment", "race", "--name", "run-\($0)"]) }
        for (process, result) in started.map({ $0.wait() }).enumerated() {
            #expect(result.status == 0, "process \(process) exited \(result.status): \(result.stderr)")
        }
        let probe = SQLiteProbe()
        #expect(try probe.column("SELECT count(*) FROM runs", in: cli.database) == ["8"])
        #expect(try probe.column("SELECT count(*) FROM experiments", in: cli.database) == ["1"])
        let version = backend == .sqlite ? "PRAGMA user_version" : "SELECT version FROM yardstick_schema"
        #expect(try probe.column(version, in: cli.database) == [String(StoreSchema.currentVersion)])
    }

    @Test(arguments: Backend.available) func eightProcessesScoringIntoOneNewRunAllSucceed(_ backend: Backend) throws {
        // Every process resolves or creates the same run, experiment and dataset at once: on PostgreSQL the losers
        // of the race for a new unique name are run again and find the winner's rows.
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let hyp = cli.path("hyp.txt"), ref = cli.path("ref.txt")
        try "the cat sat on the mat\na dog barked\n".write(toFile: hyp, atomically: true, encoding: .utf8)
        try "the cat sat on a mat\nthe dog barked\n".write(toFile: ref, atomically: true, encoding: .utf8)
        let started = try (0..<8).map { _ in
            try cli.start(["score", "bleu", "--hyp", hyp, "--ref", ref, "--run", "together", "--experiment", "race", "--no-confidence"])
        }
        for (process, result) in started.map({ $0.wait() }).enumerated() {
            #expect(result.status == 0, "process \(process) exited \(result.status): \(result.stderr)")
        }
        let probe = SQLiteProbe()
        #expect(try probe.column("SELECT count(*) FROM runs", in: cli.database) == ["1"])
        #expect(try probe.column("SELECT count(*) FROM experiments", in: cli.database) == ["1"])
        #expect(try probe.column("SELECT count(*) FROM datasets", in: cli.database) == ["1"])
        #expect(try probe.column("SELECT count(*) FROM evaluations", in: cli.database) == ["8"])
    }

    @Test(arguments: Backend.available) func aBadRowDeepInALargeFileNamesItsLineAndStoresNothing(_ backend: Backend) throws {
        // The file is stored in batches while it is still being parsed: a bad row after several batches were
        // written must still roll all of them back.
        let cli = try StoreCLI(backend)
        defer { cli.remove() }
        let id = try cli.ok(["runs", "create", "--experiment", "bad", "--name", "r"]).trimmingCharacters(in: .newlines)
        var rows = StoreConcurrencyTests.metricRows(first: 0, count: 250_000)
        rows += "loss,250000,not-a-number\n"
        let file = cli.path("bad.csv")
        try rows.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try cli.run(["log", "metrics", id, "--file", file])
        #expect(result.status == 1 && result.stderr.contains("bad.csv:250002"), "\(result.stderr)")
        #expect(try SQLiteProbe().column("SELECT count(*) FROM metric_points", in: cli.database) == ["0"])
    }

    @Test(.enabled(if: TestPostgres.uri != nil, "\(TestPostgres.skipReason)"))
    func postgresWriterKilledMidCopyLeavesNoneOfItsBatch() throws {
        let cli = try StoreCLI(.postgres)
        defer { cli.remove() }
        let id = try cli.ok(["runs", "create", "--experiment", "crash", "--name", "victim"]).trimmingCharacters(in: .newlines)
        _ = try cli.ok(["log", "metrics", id], stdin: StoreConcurrencyTests.metricRows(first: 0, count: 100, key: "before"))
        let rows = 2_000_000
        let file = cli.path("big.csv")
        try StoreConcurrencyTests.metricRows(first: 0, count: rows).write(toFile: file, atomically: true, encoding: .utf8)
        let writer = try cli.start(["log", "metrics", id, "--file", file])
        let probe = SQLiteProbe()
        let deadline = Date().addingTimeInterval(60)
        // Kill once the server is receiving the batch's COPY.
        func copying() -> Bool {
            ((try? probe.column("SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 0", in: cli.database)) ?? ["0"]) != ["0"]
        }
        while writer.process.isRunning && !copying() && Date() < deadline { usleep(2_000) }
        let killedMidWay = writer.process.isRunning
        if killedMidWay { kill(writer.process.processIdentifier, SIGKILL) }
        let result = writer.wait()
        #expect(killedMidWay && result.killedBySignal, "the writer finished before it could be killed; the test proved nothing")
        // The server notices the dropped connection and rolls the transaction back.
        var stored: [String] = []
        for _ in 0..<100 {
            stored = try probe.column("SELECT count(*) FROM metric_points", in: cli.database)
            if try probe.column("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY metric_points%' AND state <> 'idle'", in: cli.database) == ["0"] { break }
            usleep(50_000)
        }
        #expect(stored == ["100"], "a partial batch survived: \(stored)")
        #expect(try cli.ok(["log", "metrics", id], stdin: "key,step,value\nafter,1,1\n").hasPrefix("logged 1 point"))
    }

    @Test func writerKilledMidBatchLeavesAnIntactFileWithAllOrNoneOfTheBatch() throws {
        let cli = try StoreCLI()
        defer { cli.remove() }
        let id = try cli.ok(["runs", "create", "--experiment", "crash", "--name", "victim"]).trimmingCharacters(in: .newlines)
        _ = try cli.ok(["log", "metrics", id], stdin: StoreConcurrencyTests.metricRows(first: 0, count: 100, key: "before"))
        let rows = 2_000_000
        let file = cli.path("big.csv")
        try StoreConcurrencyTests.metricRows(first: 0, count: rows).write(toFile: file, atomically: true, encoding: .utf8)
        let wal = cli.database + "-wal"
        func walSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? Int) ?? 0 }
        let initialWAL = walSize()
        let writer = try cli.start(["log", "metrics", id, "--file", file])
        let deadline = Date().addingTimeInterval(60)
        // Kill once the uncommitted batch has started spilling into the WAL.
        while writer.process.isRunning && walSize() < initialWAL + 4 << 20 && Date() < deadline { usleep(2_000) }
        let killedMidWay = writer.process.isRunning
        if killedMidWay { kill(writer.process.processIdentifier, SIGKILL) }
        let result = writer.wait()
        #expect(killedMidWay && result.killedBySignal, "the writer finished before it could be killed; the test proved nothing")
        let probe = SQLiteProbe()
        #expect(try probe.column("PRAGMA integrity_check", in: cli.database) == ["ok"])
        let stored = try probe.column("SELECT count(*) FROM metric_points", in: cli.database)
        #expect(stored == ["100"] || stored == ["\(rows + 100)"], "partial batch survived: \(stored)")
        // The store keeps working after the crash.
        #expect(try cli.ok(["log", "metrics", id], stdin: "key,step,value\nafter,1,1\n").hasPrefix("logged 1 point"))
    }
}
