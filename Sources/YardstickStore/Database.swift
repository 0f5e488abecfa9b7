import CPostgres
import CSQLite
import Foundation

/// A failure reported by SQLite or PostgreSQL, with enough context to act on it.
public struct DatabaseError: Error, Equatable, CustomStringConvertible {
    /// The extended SQLite result code (e.g. `SQLITE_CONSTRAINT_UNIQUE`); -1 for PostgreSQL.
    public var code: Int32
    /// The database's message or the wrapper's own explanation.
    public var message: String
    /// The statement that failed, when there was one.
    public var sql: String?
    /// PostgreSQL's SQLSTATE (`23505`, `40P01`, …); nil for SQLite.
    public var sqlState: String?

    /// Creates an error from its parts.
    public init(code: Int32, message: String, sql: String? = nil, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.sqlState = sqlState
    }

    /// The primary result code (`code & 0xff`), e.g. `SQLITE_BUSY` for `SQLITE_BUSY_SNAPSHOT`.
    public var primaryCode: Int32 { code & 0xff }

    /// True when another connection's lock stopped the statement: `SQLITE_BUSY`/`SQLITE_LOCKED`, or PostgreSQL's
    /// serialization failure (40001), deadlock (40P01) or lock timeout (55P03). Retrying the transaction is safe.
    public var isBusy: Bool {
        if let sqlState { return ["40001", "40P01", "55P03"].contains(sqlState) }
        return primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED
    }

    /// True when another transaction committed the same unique key first (PostgreSQL's 23505): where SQLite
    /// serializes writers, PostgreSQL lets two check-then-insert transactions race, and running the loser again
    /// finds the winner's row.
    var isUniqueRace: Bool { sqlState == "23505" }

    /// True when a constraint (UNIQUE, FOREIGN KEY, CHECK, NOT NULL) rejected the statement.
    public var isConstraintViolation: Bool {
        if let sqlState { return sqlState.hasPrefix("23") }
        return primaryCode == SQLITE_CONSTRAINT
    }

    /// `SQLite error 2067: UNIQUE constraint failed: … (in: INSERT …)` or `PostgreSQL error 23505: …`.
    public var description: String {
        let base = sqlState.map { "PostgreSQL error \($0): \(message)" } ?? "SQLite error \(code): \(message)"
        guard let sql else { return base }
        return "\(base) (in: \(sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")))"
    }
}

/// A value SQLite can store, for the convenience (non-hot-path) query helpers.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    /// The value as an integer when it is one.
    public var int64: Int64? { if case let .integer(v) = self { return v }; return nil }
    /// The value as a double for integers and reals.
    public var double: Double? {
        switch self {
        case let .integer(v): return Double(v)
        case let .real(v): return v
        default: return nil
        }
    }
    /// The value as text when it is text.
    public var text: String? { if case let .text(v) = self { return v }; return nil }
    /// True for SQL NULL.
    public var isNull: Bool { self == .null }
}

/// How a transaction takes its locks; see SQLite's `BEGIN` documentation.
public enum TransactionKind: String, Sendable {
    /// Locks on first read/write; a later write may fail with `SQLITE_BUSY` under contention.
    case deferred = "DEFERRED"
    /// Takes the write lock at `BEGIN`, so concurrent writers queue on the busy timeout instead of failing.
    case immediate = "IMMEDIATE"
    /// Like `immediate`; in WAL mode the two are the same.
    case exclusive = "EXCLUSIVE"
}

/// The SQL dialect of a connection, for the few statements the two databases spell differently.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// One connection to a SQLite file or a PostgreSQL server.
///
/// Not `Sendable`: SQLite connections are opened in multi-thread mode (`SQLITE_OPEN_NOMUTEX`) and libpq
/// connections are not thread-safe, so each thread or process opens its own.
public final class Database {
    /// Flags for `sqlite3_open_v2`.
    public struct OpenFlags: OptionSet, Sendable {
        /// The `SQLITE_OPEN_*` bits.
        public let rawValue: Int32
        /// Flags from raw `SQLITE_OPEN_*` bits.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// Open for reading only.
        public static let readOnly = OpenFlags(rawValue: SQLITE_OPEN_READONLY)
        /// Open for reading and writing.
        public static let readWrite = OpenFlags(rawValue: SQLITE_OPEN_READWRITE)
        /// Create the file when missing (with `.readWrite`).
        public static let create = OpenFlags(rawValue: SQLITE_OPEN_CREATE)
        /// Multi-thread mode: the connection itself is not locked, which is right for a non-`Sendable` owner.
        public static let noMutex = OpenFlags(rawValue: SQLITE_OPEN_NOMUTEX)
        /// Interpret the path as a `file:` URI.
        public static let uri = OpenFlags(rawValue: SQLITE_OPEN_URI)
        /// The default: read-write, created if missing, no connection mutex.
        public static let `default`: OpenFlags = [.readWrite, .create, .noMutex]
    }

    /// The path the connection was opened with (`:memory:` for an in-memory database); for PostgreSQL the URI
    /// without its password.
    public let path: String
    /// Which database this is.
    public let dialect: SQLDialect
    private var handle: OpaquePointer?
    var postgres: PostgresConnection?
    private var savepointDepth = 0
    private var pgLastInsertRowID: Int64 = 0
    private var pgChanges = 0

    /// Opens (and with `.create`, creates) a database file.
    /// - Parameter busyTimeout: how long a statement waits for another connection's lock before
    ///   failing with `SQLITE_BUSY`.
    public init(path: String, flags: OpenFlags = .default, busyTimeout: Duration = .seconds(30)) throws {
        self.path = path
        dialect = .sqlite
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags.rawValue, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw DatabaseError(code: rc, message: "cannot open \(StoreLocation(path).display): \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        let (seconds, attoseconds) = busyTimeout.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(db, Int32(clamping: milliseconds))
    }

    /// Connects to a PostgreSQL server (`postgres://user@host:port/db?…`, any libpq URI). The password comes from
    /// the URI, `PGPASSWORD` or `~/.pgpass`, as libpq reads them; it is never kept in ``path`` or any message.
    public init(postgresURI uri: String) throws {
        path = PostgresURI.redacted(uri)
        dialect = .postgres
        let connection = try PostgresConnection(uri: uri)
        postgres = connection
        // Same text rendering whatever the server's defaults; waits on locks are bounded. The store's reads are
        // key lookups and range scans in primary-key order: right after a bulk load, before autovacuum has analyzed
        // the table, the planner's guess of a few rows would pick a bitmap scan plus a sort for a 250,000-point
        // history (2.5× slower), so bitmap scans are off; JIT compiling such short queries costs more than it saves.
        try connection.execute("""
            SET client_encoding = 'UTF8'; SET lock_timeout = '60s'; SET client_min_messages = warning;
            SET enable_bitmapscan = off; SET jit = off
            """)
    }

    /// Opens a store location: a file path or a `postgres://` URI.
    public convenience init(location: StoreLocation) throws {
        switch location {
        case let .sqlite(path): try self.init(path: path)
        case let .postgres(uri): try self.init(postgresURI: uri)
        }
    }

    deinit { close() }

    /// Closes the connection. Statements still alive keep SQLite's handle until they are released
    /// (`sqlite3_close_v2`); using the `Database` afterwards throws.
    public func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
        postgres = nil
    }

    /// The open handle, or an error once closed.
    func connection() throws -> OpaquePointer {
        guard let handle else { throw DatabaseError(code: SQLITE_MISUSE, message: "database \(path) is closed") }
        return handle
    }

    /// The open PostgreSQL connection, or an error once closed.
    func postgresConnection() throws -> PostgresConnection {
        guard let postgres else { throw DatabaseError(code: SQLITE_MISUSE, message: "database \(path) is closed") }
        return postgres
    }

    /// The current error of the connection as a typed error.
    func lastError(code: Int32, sql: String?) -> DatabaseError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return DatabaseError(code: code, message: message, sql: sql)
    }

    /// Runs one or more statements that return no rows (`sqlite3_exec`).
    public func execute(_ sql: String) throws {
        if dialect == .postgres { return try postgresConnection().execute(sql) }
        let db = try connection()
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errorMessage)
            throw DatabaseError(code: sqlite3_extended_errcode(db), message: message, sql: sql)
        }
    }

    /// Runs one statement with bound values, discarding any rows.
    public func execute(_ sql: String, _ values: [SQLValue]) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Compiles one statement for repeated use. SQL is written with `?`/`?N` placeholders for both databases.
    public func prepare(_ sql: String) throws -> Statement {
        if dialect == .postgres {
            _ = try postgresConnection()
            return Statement(postgres: PostgresStatement(sql: sql), database: self, sql: sql)
        }
        let db = try connection()
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw lastError(code: rc == SQLITE_OK ? SQLITE_MISUSE : sqlite3_extended_errcode(db), sql: sql)
        }
        return Statement(handle: statement, database: self, sql: sql)
    }

    /// All rows of a query, as values (for small results; hot paths use `prepare` and the typed getters).
    public func query(_ sql: String, _ values: [SQLValue] = []) throws -> [[SQLValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [[SQLValue]] = []
        // Read per row: a PostgreSQL statement knows its columns only once it has run.
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        return rows
    }

    /// The first column of the first row, or `.null` when there is no row.
    public func scalar(_ sql: String, _ values: [SQLValue] = []) throws -> SQLValue {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.value(at: 0) : .null
    }

    /// The generated key of the last successful `INSERT` on this connection (SQLite's rowid; on PostgreSQL the
    /// key column the insert returned).
    public var lastInsertRowID: Int64 {
        if dialect == .postgres { return pgLastInsertRowID }
        return handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Rows changed by the last `INSERT`, `UPDATE` or `DELETE`.
    public var changes: Int {
        if dialect == .postgres { return pgChanges }
        return handle.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    func recordPostgresOutcome(_ statement: PostgresStatement) {
        pgChanges = statement.changes
        if statement.returnsKey, let key = statement.insertedKey { pgLastInsertRowID = key }
    }

    /// True outside any transaction.
    public var isAutocommit: Bool {
        if dialect == .postgres { return !(postgres?.inTransaction ?? false) }
        return handle.map { sqlite3_get_autocommit($0) != 0 } ?? true
    }

    /// The store's schema version: `PRAGMA user_version` in SQLite, the `yardstick_schema` table in PostgreSQL.
    public var userVersion: Int {
        get throws {
            if dialect == .postgres {
                guard try scalar("SELECT to_regclass('yardstick_schema') IS NOT NULL").int64 == 1 else { return 0 }
                return Int(try scalar("SELECT version FROM yardstick_schema").int64 ?? 0)
            }
            return Int(try scalar("PRAGMA user_version").int64 ?? 0)
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// `BEGIN` is retried while another connection holds the write lock (beyond the busy timeout that
    /// already applies), so writers queue instead of failing with "database is locked". On PostgreSQL a
    /// transaction that loses a deadlock or a serialization check (SQLSTATE 40P01/40001) is rolled back and run
    /// again, a bounded number of times, as is one that lost a race for a new unique key (23505) to a transaction
    /// that committed it meanwhile. Called inside another transaction, it uses a savepoint, so an inner
    /// failure undoes only the inner work.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if !isAutocommit { return try savepoint(body) }
        if dialect == .postgres {
            var attempt = 0
            while true {
                do {
                    // A deferred transaction reads: one snapshot for all its statements, as SQLite's read transaction.
                    return try runTransaction(begin: kind == .deferred ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN", body)
                } catch let error as DatabaseError where (error.isBusy || error.isUniqueRace) && attempt < 8 {
                    attempt += 1
                    usleep(useconds_t(Int.random(in: 1...(attempt * 20)) * 1_000))
                }
            }
        }
        return try runTransaction(begin: "BEGIN \(kind.rawValue)", body)
    }

    private func runTransaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        try retryingWhileBusy { try execute(begin) }
        let result: T
        do {
            result = try body()
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            try retryingWhileBusy { try execute("COMMIT") }
        } catch {
            rollbackQuietly()
            throw error
        }
        return result
    }
    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "yardstick_sp\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        do {
            let result = try body()
            try execute("RELEASE \(name)")
            return result
        } catch {
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
    }

    private func rollbackQuietly() {
        if !isAutocommit { try? execute("ROLLBACK") }
    }

    /// Retries `body` on `SQLITE_BUSY` for up to about a minute; the busy timeout already waited before each failure.
    func retryingWhileBusy<T>(_ body: () throws -> T) throws -> T {
        // PostgreSQL waits on locks itself (lock_timeout); a failed COMMIT there ends the transaction.
        if dialect == .postgres { return try body() }
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.isBusy && attempt < 200 {
                attempt += 1
                usleep(useconds_t(min(attempt, 50) * 5_000))
            }
        }
    }
}

/// A compiled statement, reused across rows by binding, stepping and resetting.
///
/// Parameter and column indices follow SQLite: parameters count from 1, columns from 0. On PostgreSQL the
/// statement is prepared on the server at its first run (per parameter types), integers, doubles and blobs are
/// sent in binary, and rows arrive in binary.
public final class Statement {
    let handle: OpaquePointer?
    let pg: PostgresStatement?
    /// The connection; kept alive as long as the statement is.
    public let database: Database
    /// The SQL text, for error messages.
    public let sql: String

    fileprivate init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.pg = nil
        self.database = database
        self.sql = sql
    }

    fileprivate init(postgres: PostgresStatement, database: Database, sql: String) {
        self.handle = nil
        self.pg = postgres
        self.database = database
        self.sql = sql
    }

    deinit { if let handle { sqlite3_finalize(handle) } }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    private func check(_ rc: Int32) throws {
        if rc != SQLITE_OK { throw database.lastError(code: rc, sql: sql) }
    }

    /// Binds an integer to parameter `index` (1-based).
    @inline(__always)
    public func bind(_ value: Int64, at index: Int32) throws {
        if let pg { return pg.set(.int64(value), at: index) }
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds a double. NaN is stored as NULL (SQLite has no NaN; PostgreSQL follows so both read back alike).
    @inline(__always)
    public func bind(_ value: Double, at index: Int32) throws {
        if let pg { return pg.set(value.isNaN ? .null : .double(value), at: index) }
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds UTF-8 text (embedded NULs are kept in SQLite; PostgreSQL text cannot hold them).
    public func bind(_ value: String, at index: Int32) throws {
        if let pg { return pg.set(.text(value), at: index) }
        var text = value
        let rc = text.withUTF8 { buffer -> Int32 in
            if let base = buffer.baseAddress {
                return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(buffer.count), Statement.transient)
                }
            }
            return sqlite3_bind_text(handle, index, "", 0, Statement.transient)
        }
        try check(rc)
    }

    /// Binds a blob; an empty `Data` binds a zero-length blob, not NULL.
    public func bind(_ value: Data, at index: Int32) throws {
        if let pg { return pg.set(.bytes(value), at: index) }
        let rc = value.withUnsafeBytes { buffer -> Int32 in
            if let base = buffer.baseAddress, buffer.count > 0 {
                return sqlite3_bind_blob(handle, index, base, Int32(buffer.count), Statement.transient)
            }
            return sqlite3_bind_zeroblob(handle, index, 0)
        }
        try check(rc)
    }

    /// Binds NULL.
    public func bindNull(at index: Int32) throws {
        if let pg { return pg.set(.null, at: index) }
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds an optional integer (nil → NULL).
    @inline(__always)
    public func bind(_ value: Int64?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds an optional double (nil → NULL).
    @inline(__always)
    public func bind(_ value: Double?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds optional text (nil → NULL).
    public func bind(_ value: String?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds an optional blob (nil → NULL).
    public func bind(_ value: Data?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds any value.
    public func bind(_ value: SQLValue, at index: Int32) throws {
        switch value {
        case .null: try bindNull(at: index)
        case let .integer(v): try bind(v, at: index)
        case let .real(v): try bind(v, at: index)
        case let .text(v): try bind(v, at: index)
        case let .blob(v): try bind(v, at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, … in order.
    public func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    /// Advances to the next row: true when a row is ready, false when the statement is done.
    @discardableResult @inline(__always)
    public func step() throws -> Bool {
        if let pg {
            if pg.row < 0 && pg.result == nil {
                try pg.execute(on: database.postgresConnection())
                database.recordPostgresOutcome(pg)
            }
            pg.row += 1
            return pg.row < pg.rowCount
        }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = database.lastError(code: rc, sql: sql)
        sqlite3_reset(handle)
        throw error
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    @inline(__always)
    public func reset() {
        if let pg { return pg.clear() }
        sqlite3_reset(handle)
    }

    /// Number of result columns.
    public var columnCount: Int32 {
        if let pg { return pg.result.map(PQnfields) ?? 0 }
        return sqlite3_column_count(handle)
    }

    /// True when column `index` of the current row is NULL.
    @inline(__always)
    public func isNull(_ index: Int32) -> Bool {
        if let pg { return pg.isNull(index) }
        return sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` as an integer (NULL reads as 0).
    @inline(__always)
    public func int64(_ index: Int32) -> Int64 {
        if let pg { return pg.int64(index) }
        return sqlite3_column_int64(handle, index)
    }

    /// Column `index` as a double (NULL reads as 0).
    @inline(__always)
    public func double(_ index: Int32) -> Double {
        if let pg { return pg.double(index) }
        return sqlite3_column_double(handle, index)
    }

    /// Column `index` as an optional integer.
    @inline(__always)
    public func optionalInt64(_ index: Int32) -> Int64? { isNull(index) ? nil : int64(index) }

    /// Column `index` as an optional double.
    @inline(__always)
    public func optionalDouble(_ index: Int32) -> Double? { isNull(index) ? nil : double(index) }

    /// Column `index` as text, nil for NULL.
    public func string(_ index: Int32) -> String? {
        if let pg { return pg.string(index) }
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` as bytes, nil for NULL.
    public func data(_ index: Int32) -> Data? {
        if let pg { return pg.data(index) }
        if isNull(index) { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Column `index` with its storage class.
    public func value(at index: Int32) -> SQLValue {
        if let pg { return pg.value(index) }
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(string(index) ?? "")
        case SQLITE_BLOB: return .blob(data(index) ?? Data())
        default: return .null
        }
    }
}
