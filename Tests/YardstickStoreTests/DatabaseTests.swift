import Foundation
import Testing
@testable import YardstickStore

@Suite struct DatabaseTests {
    @Test func bindsAndReadsEveryStorageType() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        let text = "héllo\u{0}wörld 🎉"
        let blob = Data([0, 1, 2, 255, 0])
        try insert.bind(Int64.min, at: 1)
        try insert.bind(-1.25e-300, at: 2)
        try insert.bind(text, at: 3)
        try insert.bind(blob, at: 4)
        try insert.bindNull(at: 5)
        try insert.step()
        insert.reset()
        try insert.bind(Int64.max, at: 1)
        try insert.bind(Double?.none, at: 2)
        try insert.bind("", at: 3)
        try insert.bind(Data(), at: 4)
        try insert.bind(Int64?.some(7), at: 5)
        try insert.step()

        let read = try db.prepare("SELECT i, d, s, b, n FROM t ORDER BY rowid")
        #expect(try read.step())
        #expect(read.int64(0) == Int64.min)
        #expect(read.double(1) == -1.25e-300)
        #expect(read.string(2) == text, "embedded NUL and non-ASCII text survive")
        #expect(read.data(3) == blob)
        #expect(read.isNull(4) && read.string(4) == nil && read.data(4) == nil && read.optionalInt64(4) == nil)
        #expect(try read.step())
        #expect(read.int64(0) == Int64.max)
        #expect(read.optionalDouble(1) == nil)
        #expect(read.string(2) == "", "empty text is not NULL")
        #expect(read.data(3) == Data(), "empty blob is not NULL")
        #expect(read.optionalInt64(4) == 7)
        #expect(try !read.step())
    }

    @Test func sqlValueHelpersRoundTripEveryCase() throws {
        let db = try Database(path: ":memory:")
        let values: [SQLValue] = [.null, .integer(42), .real(0.5), .text("x"), .blob(Data([9]))]
        let rows = try db.query("SELECT ?, ?, ?, ?, ?", values)
        #expect(rows == [values])
        #expect(try db.scalar("SELECT 1 WHERE 0") == .null)
        #expect(try db.scalar("SELECT 3").int64 == 3)
    }

    @Test func nanIsStoredAsNullAndInfinityIsKept() throws {
        let db = try Database(path: ":memory:")
        let rows = try db.query("SELECT ?, ?", [.real(.nan), .real(-.infinity)])
        #expect(rows[0][0] == .null)
        #expect(rows[0][1] == .real(-.infinity))
    }

    @Test func transactionCommitsWhenTheBodyReturns() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t(x)")
        let result = try db.transaction { () -> Int in
            try db.execute("INSERT INTO t VALUES (1)")
            return 5
        }
        #expect(result == 5)
        #expect(try db.scalar("SELECT count(*) FROM t").int64 == 1)
        #expect(db.isAutocommit)
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        struct Boom: Error {}
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t(x)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t").int64 == 0)
        #expect(db.isAutocommit, "no transaction is left open")
    }

    @Test func nestedTransactionFailureUndoesOnlyTheInnerWork() throws {
        struct Boom: Error {}
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t(x)")
        try db.transaction {
            try db.execute("INSERT INTO t VALUES (1)")
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            try db.execute("INSERT INTO t VALUES (3)")
        }
        #expect(try db.query("SELECT x FROM t ORDER BY x") == [[.integer(1)], [.integer(3)]])
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        let db = try Database(path: ":memory:")
        do {
            _ = try db.prepare("SELEC 1")
            Issue.record("a syntax error must throw")
        } catch let error as DatabaseError {
            #expect(error.primaryCode == 1, "SQLITE_ERROR, got \(error.code)")
            #expect(error.message.contains("syntax error"))
            #expect(error.sql == "SELEC 1")
            #expect(error.description.contains("SELEC 1"))
        }
        try db.execute("CREATE TABLE u(x UNIQUE)")
        try db.execute("INSERT INTO u VALUES (1)")
        do {
            try db.execute("INSERT INTO u VALUES (?)", [.integer(1)])
            Issue.record("a UNIQUE violation must throw")
        } catch let error as DatabaseError {
            #expect(error.isConstraintViolation)
            #expect(error.code == 2067, "extended code SQLITE_CONSTRAINT_UNIQUE, got \(error.code)")
            #expect(error.message.contains("UNIQUE"))
            #expect(error.sql == "INSERT INTO u VALUES (?)")
        }
    }

    @Test func closedDatabaseThrowsInsteadOfCrashing() throws {
        let db = try Database(path: ":memory:")
        db.close()
        #expect(throws: DatabaseError.self) { try db.execute("SELECT 1") }
    }

    @Test func openingAMissingFolderFailsWithATypedError() throws {
        #expect(throws: DatabaseError.self) {
            _ = try Database(path: "/nonexistent-folder-\(UUID().uuidString)/x.db")
        }
    }

    @Test func secondWriterGetsBusyWhileTheFirstHoldsTheWriteLock() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("busy.db")
        let first = try Database(path: path)
        try first.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(x)")
        let second = try Database(path: path, busyTimeout: .milliseconds(10))
        try first.execute("BEGIN IMMEDIATE")
        do {
            try second.execute("BEGIN IMMEDIATE")
            Issue.record("the second writer must not get the lock")
        } catch let error as DatabaseError {
            #expect(error.isBusy, "got \(error)")
        }
        // Readers are not blocked by the writer in WAL mode.
        #expect(try second.scalar("SELECT count(*) FROM t").int64 == 0)
        try first.execute("COMMIT")
        try second.transaction { try second.execute("INSERT INTO t VALUES (1)") }
        #expect(try first.scalar("SELECT count(*) FROM t").int64 == 1)
    }

    @Test func preparedStatementIsReusableAfterReset() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t(x INTEGER)")
        let insert = try db.prepare("INSERT INTO t VALUES (?)")
        try db.transaction {
            for i in 0..<1000 {
                try insert.bind(Int64(i), at: 1)
                try insert.step()
                insert.reset()
            }
        }
        #expect(try db.scalar("SELECT sum(x) FROM t").int64 == 499_500)
        #expect(db.changes == 1)
        #expect(db.lastInsertRowID == 1000)
    }
}
