import Foundation
import Testing
import YardstickTestSupport

/// Reads a database file directly through the system SQLite library (loaded at run time, since this test
/// target links only the test support module), to check what the processes left behind.
struct SQLiteProbe {
    private typealias Open = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<OpaquePointer?>, Int32, UnsafePointer<CChar>?) -> Int32
    private typealias Prepare = @convention(c) (OpaquePointer, UnsafePointer<CChar>, Int32, UnsafeMutablePointer<OpaquePointer?>, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    private typealias Step = @convention(c) (OpaquePointer) -> Int32
    private typealias ColumnText = @convention(c) (OpaquePointer, Int32) -> UnsafePointer<UInt8>?
    private typealias Finish = @convention(c) (OpaquePointer?) -> Int32

    private let open: Open
    private let prepare: Prepare
    private let step: Step
    private let columnText: ColumnText
    private let finalize: Finish
    private let close: Finish

    init() throws {
        let names = ["libsqlite3.so.0", "libsqlite3.so", "libsqlite3.dylib", "/usr/lib/libsqlite3.dylib"]
        guard let library = names.lazy.compactMap({ dlopen($0, RTLD_NOW) }).first else {
            throw ProbeError(message: "cannot load the SQLite library")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let pointer = dlsym(library, name) else { throw ProbeError(message: "missing \(name)") }
            return unsafeBitCast(pointer, to: type)
        }
        open = try symbol("sqlite3_open_v2", as: Open.self)
        prepare = try symbol("sqlite3_prepare_v2", as: Prepare.self)
        step = try symbol("sqlite3_step", as: Step.self)
        columnText = try symbol("sqlite3_column_text", as: ColumnText.self)
        finalize = try symbol("sqlite3_finalize", as: Finish.self)
        close = try symbol("sqlite3_close_v2", as: Finish.self)
    }

    struct ProbeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The first column of every row of `sql`, as text. Opens read-write so WAL recovery can run, as it
    /// would for the next yardstick process.
    func column(_ sql: String, in path: String) throws -> [String] {
        var db: OpaquePointer?
        guard open(path, &db, 0x2 /* SQLITE_OPEN_READWRITE */, nil) == 0, let db else {
            _ = close(db)
            throw ProbeError(message: "cannot open \(path)")
        }
        defer { _ = close(db) }
        var statement: OpaquePointer?
        guard prepare(db, sql, -1, &statement, nil) == 0, let statement else { throw ProbeError(message: "cannot prepare \(sql)") }
        defer { _ = finalize(statement) }
        var rows: [String] = []
        while true {
            let rc = step(statement)
            if rc == 100 /* SQLITE_ROW */ {
                rows.append(columnText(statement, 0).map { String(cString: $0) } ?? "NULL")
            } else if rc == 101 /* SQLITE_DONE */ {
                return rows
            } else {
                throw ProbeError(message: "step failed with \(rc) for \(sql)")
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
        let probe = try SQLiteProbe()
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
        let probe = try SQLiteProbe()
        #expect(try probe.column("SELECT count(*) FROM runs", in: cli.database) == ["8"])
        #expect(try probe.column("SELECT count(*) FROM experiments", in: cli.database) == ["1"])
        #expect(try probe.column("PRAGMA user_version", in: cli.database) == ["1"])
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
        let probe = try SQLiteProbe()
        #expect(try probe.column("PRAGMA integrity_check", in: cli.database) == ["ok"])
        let stored = try probe.column("SELECT count(*) FROM metric_points", in: cli.database)
        #expect(stored == ["100"] || stored == ["\(rows + 100)"], "partial batch survived: \(stored)")
        // The store keeps working after the crash.
        #expect(try cli.ok(["log", "metrics", id], stdin: "key,step,value\nafter,1,1\n").hasPrefix("logged 1 point"))
    }
}
