import Foundation
import YardstickStore

/// The databases a store test runs against: SQLite always, PostgreSQL when a server is given in
/// `YARDSTICK_TEST_POSTGRES` (`make test` starts a throwaway one; see `Tests/with-postgres.sh`).
public enum Backend: String, Sendable, CustomStringConvertible, CaseIterable {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// SQLite, plus PostgreSQL when a server is available.
    public static var available: [Backend] { TestPostgres.uri == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A new, empty store location: a file in `folder`, or a fresh schema on the test server.
    public func newLocation(in folder: URL, name: String = "store.db") throws -> String {
        switch self {
        case .sqlite: return folder.appendingPathComponent(name).path
        case .postgres: return try TestPostgres.scratchURI()
        }
    }
}

/// The PostgreSQL server of the test run.
public enum TestPostgres {
    /// The server's URI, nil when none is given.
    public static let uri: String? = {
        let value = ProcessInfo.processInfo.environment["YARDSTICK_TEST_POSTGRES"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// True under CI (`CI=true`), where a missing server is a failure rather than a skip.
    public static let isRequired = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Why the PostgreSQL cases do not run here.
    public static let skipReason = "no PostgreSQL server: YARDSTICK_TEST_POSTGRES is not set (make test starts a throwaway server when PostgreSQL is installed)"

    private static let lock = NSLock()
    nonisolated(unsafe) private static var admin: Database?

    /// Runs SQL on the test server through one shared administrative connection.
    public static func execute(_ sql: String) throws {
        guard let uri else { throw TestSkip(reason: skipReason) }
        lock.lock()
        defer { lock.unlock() }
        if admin == nil { admin = try Database(postgresURI: uri) }
        try admin?.execute(sql)
    }

    /// A URI of a new, empty schema of its own on the test server (`search_path` set through libpq's `options`),
    /// so tests running in parallel never see each other's tables.
    public static func scratchURI() throws -> String {
        guard let uri else { throw TestSkip(reason: skipReason) }
        let schema = "yardstick_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try execute("CREATE SCHEMA \(schema)")
        return uri + (uri.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }
}

/// Thrown when a PostgreSQL case is asked for without a server.
public struct TestSkip: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
