import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// Reads what the processes left behind through the project's own SQLite wrapper, opened read-write so WAL
/// recovery runs as it would for the next yardstick process.
struct SQLiteProbe {
    /// The first column of every row of `sql`, as text.
    func column(_ sql: String, in path: String) throws -> [String] {
        let database = try Database(path: path, flags: [.readWrite])
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

    @Test func eightProcessesLoggingAtOnceAllSucceedAndEveryPointIsStored() throws {
        let cli = try StoreCLI()
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
        #expect(try probe.column("PRAGMA integrity_check", in: cli.database) == ["ok"])
    }

    @Test func eightProcessesCreatingTheFirstRunsOfANewFileAllSucceed() throws {
        let cli = try StoreCLI()
        defer { cli.remove() }
        let started = try (0..<8).map { try cli.start(["runs", "create", "--experiment", "race", "--name", "run-\($0)"]) }
        for (process, result) in started.map({ $0.wait() }).enumerated() {
            #expect(result.status == 0, "process \(process) exited \(result.status): \(result.stderr)")
        }
        let probe = SQLiteProbe()
        #expect(try probe.column("SELECT count(*) FROM runs", in: cli.database) == ["8"])
        #expect(try probe.column("SELECT count(*) FROM experiments", in: cli.database) == ["1"])
        #expect(try probe.column("PRAGMA user_version", in: cli.database) == [String(StoreSchema.currentVersion)])
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
