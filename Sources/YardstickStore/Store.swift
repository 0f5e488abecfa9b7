import Foundation
// Callers that `import YardstickStore` keep seeing the log types (TrainingLog, MetricPoint, Importers, …) the
// store's API takes and returns.
@_exported import YardstickLogs

/// The experiment-tracking store: experiments, runs, params, tags, metric histories, evaluations,
/// datasets and import provenance in one SQLite file.
///
/// One `Store` owns one connection and is not `Sendable`: open one per thread or process, or share one
/// through ``SharedStore``, which confines it to an actor. Any number of processes may write to the same file
/// at once: each write is one `BEGIN IMMEDIATE` transaction, so writers queue on the 30 s busy timeout
/// instead of failing.
public final class Store {
    /// The connection; not public, so every write goes through the store's transactions.
    let database: Database
    /// The file path given to ``init(path:)``; for PostgreSQL the URI without its password.
    public let path: String

    /// Interned metric key ids by name, remembered for the duration of one write. Emptied when each write
    /// starts and when it fails, so an id that a rollback (ours, or of a caller's enclosing transaction)
    /// took back is never reused.
    var keyIDs: [String: Int64] = [:]
    /// Prepared statements reused across calls, by SQL text.
    private var statements: [String: Statement] = [:]

    /// Opens and migrates the store at `path`: a SQLite file (created with its parent folders when missing) or,
    /// for a `postgres://` / `postgresql://` URI, a PostgreSQL database (its tables created when missing).
    /// - Throws: ``StoreError/newerSchema(path:found:supported:)`` for a store written by a newer Yardstick,
    ///   ``DatabaseError`` when the database cannot be opened or reached.
    public convenience init(path: String) throws {
        try self.init(location: StoreLocation(path))
    }

    /// Opens and migrates the store at `location`.
    public init(location: StoreLocation) throws {
        path = location.display
        switch location {
        case let .sqlite(path):
            if path != ":memory:" && !path.hasPrefix("file:") {
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            database = try Database(path: path)
            // Larger pages make the metric B-tree shallower (faster bulk logging); only applies to a new file.
            try database.execute("PRAGMA page_size=8192")
            // WAL lets readers run while one process writes; switching needs a moment of exclusive access.
            _ = try database.retryingWhileBusy { try database.scalar("PRAGMA journal_mode=WAL") }
            try database.execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384")
            try StoreSchema.migrate(database)
        case let .postgres(uri):
            database = try Database(postgresURI: uri)
            try PostgresSchema.migrate(database)
        }
    }

    /// Which database holds the store.
    public var dialect: SQLDialect { database.dialect }

    /// A cached prepared statement, reset and ready to bind.
    func statement(_ sql: String) throws -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let prepared = try database.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction; on failure everything is rolled back and the
    /// key cache forgets ids that may have been rolled back with it.
    func write<T>(_ body: () throws -> T) throws -> T {
        do {
            // Cleared on every attempt: PostgreSQL may roll a transaction back and run it again (deadlock).
            return try database.transaction(.immediate) {
                keyIDs.removeAll(keepingCapacity: true)
                return try body()
            }
        } catch {
            keyIDs.removeAll(keepingCapacity: true)
            throw error
        }
    }

    // MARK: Experiments

    /// The experiment named `name`, created when missing.
    @discardableResult
    public func experiment(named name: String) throws -> Experiment {
        guard !name.isEmpty else { throw StoreError.invalidArgument("experiment name must not be empty") }
        if let existing = try findExperiment(named: name) { return existing }
        return try write { try experimentInTransaction(named: name) }
    }

    func experimentInTransaction(named name: String) throws -> Experiment {
        if let existing = try findExperiment(named: name) { return existing }
        let now = Date()
        let insert = try statement("INSERT INTO experiments(name, created_at) VALUES (?, ?)")
        defer { insert.reset() }
        try insert.bind(name, at: 1)
        try insert.bind(StoreTime.format(now), at: 2)
        try insert.step()
        return Experiment(id: database.lastInsertRowID, name: name, createdAt: StoreTime.parse(StoreTime.format(now)) ?? now)
    }

    /// The experiment named `name`, or nil.
    public func findExperiment(named name: String) throws -> Experiment? {
        let query = try statement("SELECT id, name, created_at FROM experiments WHERE name = ?")
        defer { query.reset() }
        try query.bind(name, at: 1)
        guard try query.step() else { return nil }
        return Experiment(id: query.int64(0), name: query.string(1) ?? "", createdAt: StoreTime.parse(query.string(2) ?? "") ?? Date(timeIntervalSince1970: 0))
    }

    /// All experiments, by name.
    public func experiments() throws -> [Experiment] {
        let query = try statement("SELECT id, name, created_at FROM experiments ORDER BY name")
        defer { query.reset() }
        var result: [Experiment] = []
        while try query.step() {
            result.append(Experiment(id: query.int64(0), name: query.string(1) ?? "", createdAt: StoreTime.parse(query.string(2) ?? "") ?? Date(timeIntervalSince1970: 0)))
        }
        return result
    }

    // MARK: Runs

    static let runColumns = """
        r.id, e.name, r.name, r.status, r.created_at, r.started_at, r.ended_at, r.base_model, \
        r.fine_tuned_model, r.provider, r.job_id, r.notes, r.pk
        """
    static let runFrom = "FROM runs r JOIN experiments e ON e.id = r.experiment_id"

    static func readRun(_ s: Statement) -> Run {
        Run(
            id: s.string(0) ?? "", experiment: s.string(1) ?? "", name: s.string(2) ?? "", status: s.string(3) ?? "",
            createdAt: StoreTime.parse(s.string(4) ?? "") ?? Date(timeIntervalSince1970: 0),
            startedAt: s.string(5).flatMap(StoreTime.parse), endedAt: s.string(6).flatMap(StoreTime.parse),
            baseModel: s.string(7), fineTunedModel: s.string(8), provider: s.string(9), jobID: s.string(10),
            notes: s.string(11)
        )
    }

    /// Runs matching a condition on `runs r` / `experiments e`, with their internal keys.
    func runs(where condition: String, _ values: [SQLValue]) throws -> [(pk: Int64, run: Run)] {
        let query = try statement("SELECT \(Store.runColumns) \(Store.runFrom) WHERE \(condition) ORDER BY r.created_at, r.pk")
        defer { query.reset() }
        try query.bind(values)
        var result: [(Int64, Run)] = []
        while try query.step() { result.append((query.int64(12), Store.readRun(query))) }
        return result
    }

    /// A new random run id: 32 lowercase hex digits.
    static func newRunID() -> String {
        var generator = SystemRandomNumberGenerator()
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(generator.next()) + hex(generator.next())
    }

    /// Creates a run in `experiment` (created when missing) with its params and tags, in one transaction.
    /// - Parameter name: unique within the experiment; nil names the run `run-<first 8 id digits>`.
    /// - Throws: ``StoreError/runNameTaken(name:experiment:)`` when the name is in use.
    @discardableResult
    public func createRun(
        experiment: String, name: String? = nil, params: [(key: String, value: ParamValue)] = [],
        tags: [(key: String, value: String)] = [], jobID: String? = nil, baseModel: String? = nil,
        fineTunedModel: String? = nil, provider: String? = nil, status: String = "running", notes: String? = nil,
        createdAt: Date = Date(), startedAt: Date? = nil, endedAt: Date? = nil
    ) throws -> Run {
        guard !experiment.isEmpty else { throw StoreError.invalidArgument("experiment name must not be empty") }
        if let name, name.isEmpty { throw StoreError.invalidArgument("run name must not be empty") }
        return try write {
            let id = Store.newRunID()
            let run = Run(
                id: id, experiment: experiment, name: name ?? "run-\(id.prefix(8))", status: status,
                createdAt: createdAt, startedAt: startedAt, endedAt: endedAt, baseModel: baseModel,
                fineTunedModel: fineTunedModel, provider: provider, jobID: jobID, notes: notes
            )
            let pk = try insertRun(run)
            try writeParams(pk, params)
            try writeTags(pk, tags)
            return try self.run(pk: pk)
        }
    }

    /// Inserts `run` (its experiment is created when missing) and returns its internal key.
    func insertRun(_ run: Run) throws -> Int64 {
        let experiment = try experimentInTransaction(named: run.experiment)
        let taken = try statement("SELECT 1 FROM runs WHERE experiment_id = ? AND name = ?")
        defer { taken.reset() }
        try taken.bind(experiment.id, at: 1)
        try taken.bind(run.name, at: 2)
        if try taken.step() { throw StoreError.runNameTaken(name: run.name, experiment: run.experiment) }
        let insert = try statement("""
            INSERT INTO runs(id, experiment_id, name, status, created_at, started_at, ended_at, base_model,
                             fine_tuned_model, provider, job_id, notes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        defer { insert.reset() }
        try insert.bind(run.id, at: 1)
        try insert.bind(experiment.id, at: 2)
        try insert.bind(run.name, at: 3)
        try insert.bind(run.status, at: 4)
        try insert.bind(StoreTime.format(run.createdAt), at: 5)
        try insert.bind(run.startedAt.map(StoreTime.format), at: 6)
        try insert.bind(run.endedAt.map(StoreTime.format), at: 7)
        try insert.bind(run.baseModel, at: 8)
        try insert.bind(run.fineTunedModel, at: 9)
        try insert.bind(run.provider, at: 10)
        try insert.bind(run.jobID, at: 11)
        try insert.bind(run.notes, at: 12)
        try insert.step()
        return database.lastInsertRowID
    }

    func run(pk: Int64) throws -> Run {
        guard let found = try runs(where: "r.pk = ?", [.integer(pk)]).first else {
            throw StoreError.runNotFound(reference: "#\(pk)", experiment: nil)
        }
        return found.run
    }

    /// The internal key of the run with this full id.
    func runKey(_ id: String) throws -> Int64 {
        let query = try statement("SELECT pk FROM runs WHERE id = ?")
        defer { query.reset() }
        try query.bind(id, at: 1)
        guard try query.step() else { throw StoreError.runNotFound(reference: id, experiment: nil) }
        return query.int64(0)
    }

    /// The run with this full id, or nil.
    public func run(id: String) throws -> Run? {
        try runs(where: "r.id = ?", [.text(id.lowercased())]).first?.run
    }

    /// Finds the one run `reference` names, trying in order: the full id, the run name (within
    /// `experiment` when given), the provider job id, and a unique id prefix of at least 4 hex digits.
    /// - Throws: ``StoreError/ambiguousRun(reference:candidates:)`` listing every candidate when a name,
    ///   job id or prefix matches several runs; ``StoreError/runNotFound(reference:experiment:)`` otherwise.
    public func resolveRun(_ reference: String, experiment: String? = nil) throws -> Run {
        try resolve(reference, experiment: experiment).run
    }

    func resolve(_ reference: String, experiment: String?) throws -> (pk: Int64, run: Run) {
        let ref = reference.trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty else { throw StoreError.invalidArgument("empty run reference") }
        let lower = ref.lowercased()
        let isHex = lower.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
        if isHex && lower.utf8.count == 32, let exact = try runs(where: "r.id = ?", [.text(lower)]).first {
            return exact
        }
        let scope = experiment == nil ? "" : " AND e.name = ?"
        let scopeValues: [SQLValue] = experiment.map { [.text($0)] } ?? []
        for column in ["r.name", "r.job_id"] {
            let found = try runs(where: "\(column) = ?\(scope)", [.text(ref)] + scopeValues)
            if found.count == 1 { return found[0] }
            if found.count > 1 { throw StoreError.ambiguousRun(reference: ref, candidates: found.map { Store.describe($0.run) }) }
        }
        if isHex && lower.utf8.count >= 4 {
            // Ids are lowercase hex and both databases compare text byte by byte, so a prefix is a range of the index.
            let found = try runs(where: "r.id >= ? AND r.id < ?", [.text(lower), .text(lower + "g")])
            if found.count == 1 { return found[0] }
            if found.count > 1 { throw StoreError.ambiguousRun(reference: ref, candidates: found.map { Store.describe($0.run) }) }
        }
        throw StoreError.runNotFound(reference: ref, experiment: experiment)
    }

    static func describe(_ run: Run) -> String { "\(run.id) \(run.experiment)/\(run.name)" }

    /// Deletes a run and everything that belongs to it (params, tags, metric points, evaluations,
    /// examples, dataset links, import records). Returns the deleted run.
    @discardableResult
    public func deleteRun(_ id: String) throws -> Run {
        try write {
            let pk = try runKey(id)
            let run = try self.run(pk: pk)
            try database.execute("DELETE FROM runs WHERE pk = ?", [.integer(pk)])
            return run
        }
    }

    // MARK: Params and tags

    /// Sets params of a run; a key logged again takes the new value and type.
    public func logParams(run id: String, _ params: [(key: String, value: ParamValue)]) throws {
        try write { try writeParams(try runKey(id), params) }
    }

    func writeParams(_ pk: Int64, _ params: [(key: String, value: ParamValue)]) throws {
        guard !params.isEmpty else { return }
        let upsert = try statement("""
            INSERT INTO params(run_pk, key, value, value_type) VALUES (?, ?, ?, ?)
            ON CONFLICT(run_pk, key) DO UPDATE SET value = excluded.value, value_type = excluded.value_type
            """)
        defer { upsert.reset() }
        try upsert.bind(pk, at: 1)
        for (key, value) in params {
            guard !key.isEmpty else { throw StoreError.invalidArgument("param key must not be empty") }
            try upsert.bind(key, at: 2)
            try upsert.bind(value.description, at: 3)
            try upsert.bind(Store.typeName(value), at: 4)
            try upsert.step()
            upsert.reset()
        }
    }

    static func typeName(_ value: ParamValue) -> String {
        switch value {
        case .int: return "int"
        case .double: return "float"
        case .string: return "string"
        case .bool: return "bool"
        }
    }

    static func paramValue(text: String, type: String) -> ParamValue {
        switch type {
        case "int": return Int64(text).map(ParamValue.int) ?? .string(text)
        case "float": return Double(text).map(ParamValue.double) ?? .string(text)
        case "bool": return .bool(text == "true")
        default: return .string(text)
        }
    }

    /// The params of a run, by key.
    public func params(run id: String) throws -> [String: ParamValue] { try params(pk: try runKey(id)) }

    func params(pk: Int64) throws -> [String: ParamValue] {
        let query = try statement("SELECT key, value, value_type FROM params WHERE run_pk = ?")
        defer { query.reset() }
        try query.bind(pk, at: 1)
        var result: [String: ParamValue] = [:]
        while try query.step() {
            result[query.string(0) ?? ""] = Store.paramValue(text: query.string(1) ?? "", type: query.string(2) ?? "")
        }
        return result
    }

    /// Sets tags of a run; a key set again takes the new value.
    public func setTags(run id: String, _ tags: [(key: String, value: String)]) throws {
        try write { try writeTags(try runKey(id), tags) }
    }

    func writeTags(_ pk: Int64, _ tags: [(key: String, value: String)]) throws {
        guard !tags.isEmpty else { return }
        let upsert = try statement("""
            INSERT INTO tags(run_pk, key, value) VALUES (?, ?, ?)
            ON CONFLICT(run_pk, key) DO UPDATE SET value = excluded.value
            """)
        defer { upsert.reset() }
        try upsert.bind(pk, at: 1)
        for (key, value) in tags {
            guard !key.isEmpty else { throw StoreError.invalidArgument("tag key must not be empty") }
            try upsert.bind(key, at: 2)
            try upsert.bind(value, at: 3)
            try upsert.step()
            upsert.reset()
        }
    }

    /// The tags of a run, by key.
    public func tags(run id: String) throws -> [String: String] { try tags(pk: try runKey(id)) }

    func tags(pk: Int64) throws -> [String: String] {
        let query = try statement("SELECT key, value FROM tags WHERE run_pk = ?")
        defer { query.reset() }
        try query.bind(pk, at: 1)
        var result: [String: String] = [:]
        while try query.step() { result[query.string(0) ?? ""] = query.string(1) ?? "" }
        return result
    }
}

@available(*, unavailable, message: "a Store owns one SQLite connection; share it through SharedStore")
extension Store: Sendable {}

/// One store shared by concurrent tasks (e.g. the workers of an evaluation): its connection is confined to
/// this actor, so writes from many tasks run one after another, each in its own transaction.
public actor SharedStore {
    private let store: Store

    /// Opens the store at `path`; see ``Store/init(path:)``.
    public init(path: String) throws {
        store = try Store(path: path)
    }

    /// Runs `body` with the store, on the actor: nothing else touches the connection meanwhile.
    public func perform<T: Sendable>(_ body: @Sendable (Store) throws -> T) throws -> T {
        try body(store)
    }
}
