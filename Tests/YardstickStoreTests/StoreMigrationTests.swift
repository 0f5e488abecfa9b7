import Foundation
import Testing
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
        for table in ["experiments", "runs", "params", "tags", "metric_keys", "metric_points", "datasets", "run_datasets",
                      "evaluations", "examples", "imports"] {
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
        for table in ["experiments", "runs", "params", "tags", "metric_keys", "metric_points", "datasets", "run_datasets",
                      "evaluations", "examples", "imports"] {
            #expect(headingWords.contains(table), "no documentation section for \(table)")
        }
    }
}
