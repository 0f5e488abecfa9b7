import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickStore

@Suite struct StoreMigrationTests {
    @Test func freshFileGetsTheLatestSchemaVersionAndConnectionSettings() throws {
        let folder = try TemporaryFolder()
        let store = try Store(path: folder.path("nested/deeper/new.db"))
        #expect(FileManager.default.fileExists(atPath: folder.path("nested/deeper/new.db")), "parent folders are created")
        #expect(try store.database.userVersion == StoreSchema.currentVersion)
        #expect(StoreSchema.currentVersion >= 1)
        #expect(try store.database.scalar("PRAGMA journal_mode").text == "wal")
        #expect(try store.database.scalar("PRAGMA foreign_keys").int64 == 1)
        #expect(try store.database.scalar("PRAGMA synchronous").int64 == 1, "NORMAL")
        let tables = Set(try store.database.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0[0].text })
        for table in Store.allTables {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test func reopeningIsANoOpAndKeepsData() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("reopen.db")
        let id = try Store(path: path).createRun(experiment: "e", name: "r").id
        let schemaBefore = try Store(path: path).database.query("SELECT sql FROM sqlite_master ORDER BY name")
        let reopened = try Store(path: path)
        #expect(try reopened.database.userVersion == StoreSchema.currentVersion)
        #expect(try reopened.database.query("SELECT sql FROM sqlite_master ORDER BY name") == schemaBefore)
        #expect(try reopened.run(id: id)?.name == "r")
    }

    @Test(.enabled(if: TestPostgres.uri != nil, "\(TestPostgres.skipReason)"))
    func postgresStoreGetsTheCurrentVersionOnceAndANewerOneIsRefusedUntouched() throws {
        let uri = try TestPostgres.scratchURI()
        let store = try Store(path: uri)
        #expect(store.dialect == .postgres)
        if let password = URLComponents(string: uri)?.password { #expect(!store.path.contains(password)) }
        let database = try Database(postgresURI: uri)
        #expect(try database.userVersion == StoreSchema.currentVersion)
        #expect(try database.scalar("SELECT count(*) FROM yardstick_schema").int64 == 1)
        _ = try Store(path: uri)
        #expect(try database.scalar("SELECT count(*) FROM yardstick_schema").int64 == 1, "reopening changes nothing")
        let newer = StoreSchema.currentVersion + 1
        try database.execute("UPDATE yardstick_schema SET version = \(newer)")
        do {
            _ = try Store(path: uri)
            Issue.record("a newer schema must be refused")
        } catch let error as StoreError {
            #expect(error == .newerSchema(path: database.path, found: newer, supported: StoreSchema.currentVersion))
        }
        #expect(try database.userVersion == newer, "the refused database is not modified")
    }

    @Test func fileFromANewerYardstickIsRefusedUntouched() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("newer.db")
        _ = try Store(path: path)
        let newer = StoreSchema.currentVersion + 1
        try Database(path: path).execute("PRAGMA user_version = \(newer)")
        do {
            _ = try Store(path: path)
            Issue.record("a newer schema must be refused")
        } catch let error as StoreError {
            #expect(error == .newerSchema(path: path, found: newer, supported: StoreSchema.currentVersion))
            #expect(error.description.contains("upgrade yardstick"))
        }
        #expect(try Database(path: path).userVersion == newer, "the refused file is not modified")
    }

    @Test func schemaDocumentationHasASectionForEveryTable() {
        let headingWords = Set(StoreSchema.documentation.split(separator: "\n").filter { $0.hasPrefix("### ") }
            .flatMap { $0.split(separator: " ").map(String.init) })
        for table in Store.allTables {
            #expect(headingWords.contains(table), "no documentation section for \(table)")
        }
    }

    /// `Tests/Fixtures/store/v1.db` was written by the v1 binary: two imported logs, a tag and params, and
    /// `score --run` of BLEU (40 lines), ROUGE with four types (12 pairs) and accuracy (30 rows) with examples.
    @Test func aVersion1FileMigratesKeepingEveryRow() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("v1.db")
        try FileManager.default.copyItem(at: Fixtures.url("store/v1.db"), to: URL(fileURLWithPath: path))
        let v1 = try Database(path: path)
        #expect(try v1.userVersion == 1)
        let kept = ["experiments", "runs", "params", "tags", "metric_keys", "metric_points", "datasets", "run_datasets", "imports"]
        var before: [String: [[SQLValue]]] = [:]
        for table in kept { before[table] = try v1.query("SELECT * FROM \(table) ORDER BY 1, 2") }
        let oldEvaluations = try v1.query("SELECT run_pk, metric, score, signature, ci_low, ci_high, statistics, details FROM evaluations ORDER BY id")
        let oldExamples = try v1.query("SELECT example_id, input, reference, prediction, error, latency_ms FROM examples ORDER BY id")
        v1.close()

        let store = try Store(path: path)
        #expect(try store.database.userVersion == StoreSchema.currentVersion)
        for table in kept {
            let columns = try store.database.query("SELECT * FROM \(table) ORDER BY 1, 2").map { Array($0.prefix(before[table]![0].count)) }
            #expect(columns == before[table]!, "\(table) unchanged")
        }
        let metrics = try store.database.query("""
            SELECT ev.run_pk, m.name, m.score, m.signature, m.ci_low, m.ci_high, m.totals, m.details
            FROM evaluation_metrics m JOIN evaluations ev ON ev.id = m.evaluation_id ORDER BY m.id
            """)
        #expect(metrics == oldEvaluations, "every v1 evaluation row is a metric, bit for bit")
        #expect(try store.count("evaluations") == 3, "one evaluation per score --run: BLEU, ROUGE, accuracy")
        let predictions = try store.database.query("""
            SELECT example_id, input, reference, prediction, error, latency_ms FROM predictions ORDER BY prediction_set_id, position
            """)
        #expect(predictions == oldExamples)
        let names = try store.evaluations(run: try store.resolveRun("lead3", experiment: "demo").id).flatMap { $0.metrics.map(\.name) }
        #expect(names == ["rouge1", "rouge2", "rougeL", "rougeLsum"])
        let rouge = try #require(try store.evaluations(run: try store.resolveRun("lead3", experiment: "demo").id).first)
        let rows = try store.predictions(evaluation: rouge.id)
        #expect(rows.count == 12 && rows.allSatisfy { $0.scores.count == 4 }, "v1 kept example scores under rouge1 only; v2 under each type")
        #expect(try store.count("example_scores") == 40 + 12 * 4 + 30 * 2)
        #expect(try store.database.scalar("PRAGMA foreign_key_check") == .null)
        #expect(try store.database.scalar("PRAGMA integrity_check").text == "ok")
        #expect(try store.listRuns(where: "metrics.bleu > 50").map(\.run.name) == ["de-tar"])
    }
}
