import CPostgres
import Foundation

/// A store location: a file path (SQLite) or a `postgres://` / `postgresql://` URI (PostgreSQL).
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(uri: String)

    /// Reads `--db` / `YARDSTICK_DB`: a `postgres://` or `postgresql://` URI is a server, anything else a file path.
    public init(_ text: String) {
        let lower = text.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            self = .postgres(uri: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    /// The location as it may be printed: a URI loses its password (`postgres://user@host:5432/db`).
    public var display: String {
        switch self {
        case let .sqlite(path): return path
        case let .postgres(uri): return PostgresURI.redacted(uri)
        }
    }
}

/// Password-free rendering of a libpq URI, for messages and the store's `path`.
enum PostgresURI {
    static func redacted(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var redactedQuery = String(rest[authorityEnd...])
        if let question = redactedQuery.firstIndex(of: "?") {
            let path = redactedQuery[..<question]
            let query = redactedQuery[redactedQuery.index(after: question)...]
            let kept = query.split(separator: "&").filter { !$0.lowercased().hasPrefix("password=") }
            redactedQuery = String(path) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        }
        guard let at = authority.lastIndex(of: "@") else { return String(uri[..<scheme.upperBound]) + authority + redactedQuery }
        let userInfo = authority[..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return String(uri[..<scheme.upperBound]) + user + authority[at...] + redactedQuery
    }
}

/// One libpq connection. Not `Sendable`: like a SQLite connection, each thread or process opens its own.
final class PostgresConnection {
    let handle: OpaquePointer
    /// Server notices (e.g. "relation already exists, skipping") are kept here instead of reaching stderr.
    var notices: [String] = []
    private var preparedNames: [String: String] = [:]

    init(uri: String) throws {
        guard let connection = PQconnectdb(uri) else {
            throw DatabaseError(code: -1, message: "cannot connect to \(PostgresURI.redacted(uri)): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            // libpq's message names host and port, never the password.
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw DatabaseError(code: -1, message: "cannot connect to \(PostgresURI.redacted(uri)): \(message)")
        }
        handle = connection
        PQsetNoticeProcessor(connection, { context, message in
            guard let context, let message else { return }
            let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
            if connection.notices.count < 100 { connection.notices.append(String(cString: message)) }
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { PQfinish(handle) }

    /// The error of a failed result, with its SQLSTATE.
    func error(_ result: OpaquePointer?, sql: String?) -> DatabaseError {
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        var message = result.map { String(cString: PQresultErrorMessage($0)) } ?? ""
        if message.isEmpty { message = String(cString: PQerrorMessage(handle)) }
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if message.hasPrefix("ERROR:") { message = String(message.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
        return DatabaseError(code: -1, message: message, sql: sql, sqlState: state)
    }

    /// Runs SQL text (several statements allowed) that returns no rows the caller needs.
    func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw error(result, sql: sql)
        }
    }

    /// The server-side name of `sql` prepared for the given parameter types, preparing it on first use.
    func preparedName(_ sql: String, types: [Oid]) throws -> String {
        let key = types.map(String.init).joined(separator: ",") + "|" + sql
        if let name = preparedNames[key] { return name }
        let name = "y\(preparedNames.count + 1)"
        let result = types.withUnsafeBufferPointer { PQprepare(handle, name, sql, Int32(types.count), $0.baseAddress) }
        defer { PQclear(result) }
        guard let result, PQresultStatus(result) == PGRES_COMMAND_OK else { throw error(result, sql: sql) }
        preparedNames[key] = name
        return name
    }

    var inTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Streams rows in PostgreSQL's binary COPY format into `table(columns)`; `rows` appends tuples to the buffer
    /// it is given and is called until it returns false, so millions of rows never sit in memory at once.
    func copyIn(_ sql: String, rows: (inout PostgresCopyBuffer) throws -> Bool) throws {
        try startCopy(sql, expecting: PGRES_COPY_IN)
        var buffer = PostgresCopyBuffer()
        buffer.header()
        var failure: Error?
        do {
            while try rows(&buffer) {
                if buffer.bytes.count >= 1 << 20 { try send(&buffer, sql: sql) }
            }
            buffer.trailer()
            try send(&buffer, sql: sql)
        } catch {
            failure = error
        }
        let endResult = failure == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "aborted by the client")
        var copyError: DatabaseError?
        if endResult != 1 { copyError = error(nil, sql: sql) }
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, copyError == nil { copyError = error(result, sql: sql) }
            PQclear(result)
        }
        if let failure { throw failure }
        if let copyError { throw copyError }
    }

    /// Streams the rows of `COPY (…) TO STDOUT (FORMAT binary)`: `row` gets each tuple's fields (nil for NULL) as
    /// they arrive, so the client decodes while the server still scans.
    func copyOut(_ sql: String, row: (PostgresCopyRow) throws -> Void) throws {
        try startCopy(sql, expecting: PGRES_COPY_OUT)
        var headerSeen = false
        var failure: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length == -1 { break }
            if length < 0 {
                failure = failure ?? error(nil, sql: sql)
                break
            }
            guard let buffer else { continue }
            defer { PQfreemem(buffer) }
            guard failure == nil else { continue }
            var bytes = UnsafeRawBufferPointer(start: buffer, count: Int(length))
            if !headerSeen {
                // "PGCOPY\n\377\r\n\0", flags, header extension length and extension.
                guard bytes.count >= 19 else { failure = DatabaseError(code: -1, message: "short COPY header", sql: sql); continue }
                let extensionLength = Int(bigEndian(bytes, at: 15, as: Int32.self))
                bytes = UnsafeRawBufferPointer(rebasing: bytes[(19 + extensionLength)...])
                headerSeen = true
                if bytes.isEmpty { continue }
            }
            let fields = Int(bigEndian(bytes, as: Int16.self))
            if fields < 0 { continue }  // the trailer
            do { try row(PostgresCopyRow(bytes: bytes, fields: fields)) } catch { failure = error }
        }
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil { failure = error(result, sql: sql) }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// Sends a `COPY` statement; the server must answer that it is ready to receive (or send) the rows.
    private func startCopy(_ sql: String, expecting expected: ExecStatusType) throws {
        let start = PQexec(handle, sql)
        defer { PQclear(start) }
        let status = start.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == expected else { throw error(start, sql: sql) }
    }

    private func send(_ buffer: inout PostgresCopyBuffer, sql: String) throws {
        guard !buffer.bytes.isEmpty else { return }
        let rc = buffer.bytes.withUnsafeBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { PQputCopyData(handle, $0, Int32(raw.count)) }
        }
        guard rc == 1 else { throw error(nil, sql: sql) }
        buffer.bytes.removeAll(keepingCapacity: true)
    }
}

/// PostgreSQL's binary formats are big-endian: one reader for columns, COPY rows and `numeric` digits.
@inline(__always)
func bigEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0, as: T.Type) -> T {
    var value: T = 0
    for i in 0..<MemoryLayout<T>.size { value = (value << 8) | T(truncatingIfNeeded: bytes[offset + i]) }
    return value
}

/// One tuple of a binary `COPY … TO STDOUT`, valid only inside the callback that receives it.
struct PostgresCopyRow {
    let bytes: UnsafeRawBufferPointer
    let fields: Int

    /// The fields in order, each an 8-byte big-endian value (int8 or float8 bits) or nil for NULL.
    func eightByteFields() -> [UInt64?] {
        var result: [UInt64?] = []
        result.reserveCapacity(fields)
        var offset = 2
        for _ in 0..<fields {
            let length = Int(bigEndian(bytes, at: offset, as: Int32.self))
            offset += 4
            if length < 0 { result.append(nil); continue }
            result.append(length == 8 ? bigEndian(bytes, at: offset, as: UInt64.self) : nil)
            offset += length
        }
        return result
    }
}

/// Rows in PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`): big-endian fields, each with its length.
struct PostgresCopyBuffer {
    var bytes: [UInt8] = []

    mutating func header() {
        bytes += Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
        append32(0)
        append32(0)
    }

    mutating func trailer() { append16(-1) }

    @inline(__always) mutating func tuple(fields: Int16) { append16(fields) }

    @inline(__always) mutating func int64(_ value: Int64) {
        append32(8)
        let v = UInt64(bitPattern: value).bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func int64(_ value: Int64?) { if let value { int64(value) } else { null() } }

    /// NaN is written as NULL, as SQLite stores it, so both backends read back the same values.
    @inline(__always) mutating func double(_ value: Double?) {
        guard let value, !value.isNaN else { return null() }
        append32(8)
        let v = value.bitPattern.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ value: String?) {
        guard let value else { return null() }
        let utf8 = Array(value.utf8)
        append32(Int32(utf8.count))
        bytes += utf8
    }

    mutating func bytea(_ value: Data?) {
        guard let value else { return null() }
        append32(Int32(value.count))
        bytes += value
    }

    @inline(__always) mutating func null() { append32(-1) }

    @inline(__always) mutating func append16(_ value: Int16) {
        let v = UInt16(bitPattern: value).bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func append32(_ value: Int32) {
        let v = UInt32(bitPattern: value).bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}

/// SQL written for SQLite, as PostgreSQL wants it: `?` and `?N` placeholders become `$N`, and an `INSERT` into a
/// table with a generated integer key returns it (`RETURNING`), which serves `lastInsertRowID`.
enum PostgresSQL {
    /// Tables whose rows get a generated integer key, and its column.
    static let generatedKeys: [String: String] = [
        "experiments": "id", "runs": "pk", "metric_keys": "id", "datasets": "id", "dataset_aliases": "id",
        "prediction_sets": "id", "evaluations": "id", "evaluation_statistics": "id", "evaluation_metrics": "id",
        "imports": "id",
    ]

    static func translate(_ sql: String) -> (sql: String, returnsKey: Bool) {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var next = 1
        var quote: Character?
        let characters = Array(sql)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                i += 1
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
                i += 1
                continue
            }
            if c == "?" {
                var j = i + 1
                var digits = ""
                while j < characters.count, let d = characters[j].wholeNumberValue, characters[j].isASCII {
                    digits.append(String(d))
                    j += 1
                }
                if let n = Int(digits) {
                    out += "$\(n)"
                    next = max(next, n + 1)
                } else {
                    out += "$\(next)"
                    next += 1
                }
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        var returnsKey = false
        let words = out.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" }).prefix(3).map { $0.uppercased() }
        if words.count == 3, words[0] == "INSERT", words[1] == "INTO", let key = generatedKeys[words[2].lowercased()],
           !out.uppercased().contains("RETURNING") {
            out += " RETURNING \(key)"
            returnsKey = true
        }
        return (out, returnsKey)
    }
}

/// A statement's parameters and current result on a PostgreSQL connection.
final class PostgresStatement {
    enum Parameter {
        case null
        case int64(Int64)
        case double(Double)
        case text(String)
        case bytes(Data)
    }

    let sql: String
    let returnsKey: Bool
    var parameters: [Parameter]
    var result: OpaquePointer?
    var row: Int32 = -1
    var rowCount: Int32 = 0
    var changes = 0
    var insertedKey: Int64?

    init(sql original: String) {
        let translated = PostgresSQL.translate(original)
        sql = translated.sql
        returnsKey = translated.returnsKey
        parameters = []
    }

    deinit { if let result { PQclear(result) } }

    func set(_ parameter: Parameter, at index: Int32) {
        let i = Int(index) - 1
        if parameters.count <= i { parameters += Array(repeating: .null, count: i + 1 - parameters.count) }
        parameters[i] = parameter
    }

    func clear() {
        if let result { PQclear(result) }
        result = nil
        row = -1
        rowCount = 0
    }

    // Parameter types are declared from the bound values (int8, float8, bytea and text, all in binary); a NULL's
    // type is left to the server, which infers it from the context.
    static let int8: Oid = 20, float8: Oid = 701, bytea: Oid = 17, text: Oid = 25

    /// Executes with the bound parameters (binary results).
    func execute(on connection: PostgresConnection) throws {
        clear()
        var types: [Oid] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        // Every value's bytes in one buffer, at its offset (nil for NULL).
        var data: [UInt8] = []
        var offsets: [Int?] = []
        types.reserveCapacity(parameters.count)
        func add(_ type: Oid, _ bytes: some Sequence<UInt8>) {
            let start = data.count
            data.append(contentsOf: bytes)
            types.append(type); formats.append(1); lengths.append(Int32(data.count - start)); offsets.append(start)
        }
        for parameter in parameters {
            switch parameter {
            case .null:
                types.append(0); lengths.append(0); formats.append(0); offsets.append(nil)
            case let .int64(v): add(Self.int8, withUnsafeBytes(of: UInt64(bitPattern: v).bigEndian, Array.init))
            case let .double(v): add(Self.float8, withUnsafeBytes(of: v.bitPattern.bigEndian, Array.init))
            // Binary, with its length: a text parameter with U+0000 is refused by the server instead of being cut at
            // the NUL as a C string would be.
            case let .text(v): add(Self.text, v.utf8)
            case let .bytes(v): add(Self.bytea, v)
            }
        }
        data.append(0)  // so an empty value still has an address, which libpq tells from NULL
        let name = try connection.preparedName(sql, types: types)
        let result = data.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let values = offsets.map { $0.map { base + $0 } }
            return PQexecPrepared(connection.handle, name, Int32(parameters.count), values, lengths, formats, 1)
        }
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let failure = connection.error(result, sql: sql)
            PQclear(result)
            throw failure
        }
        self.result = result
        changes = Int(String(cString: PQcmdTuples(result))) ?? 0
        rowCount = PQntuples(result)
        if returnsKey {
            insertedKey = rowCount > 0 ? int64(0, row: 0) : nil
            rowCount = 0
        }
    }

    // MARK: Reading binary columns

    static let boolType: Oid = 16, int2: Oid = 21, int4: Oid = 23, float4: Oid = 700, numeric: Oid = 1700

    @inline(__always) func isNull(_ column: Int32) -> Bool { PQgetisnull(result, row, column) != 0 }

    @inline(__always) private func raw(_ column: Int32, row: Int32) -> UnsafeRawBufferPointer {
        let length = Int(PQgetlength(result, row, column))
        guard let value = PQgetvalue(result, row, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: value, count: length)
    }

    func int64(_ column: Int32, row: Int32? = nil) -> Int64 {
        let row = row ?? self.row
        if PQgetisnull(result, row, column) != 0 { return 0 }
        let bytes = raw(column, row: row)
        switch PQftype(result, column) {
        case Self.int8: return bigEndian(bytes, as: Int64.self)
        case Self.int4: return Int64(bigEndian(bytes, as: Int32.self))
        case Self.int2: return Int64(bigEndian(bytes, as: Int16.self))
        case Self.boolType: return bytes.first.map { Int64($0) } ?? 0
        case Self.numeric: return Self.numericInteger(bytes) ?? Int64(clamping: Int64(exactly: double(column, row: row).rounded(.towardZero)) ?? 0)
        case Self.float8, Self.float4:
            let d = double(column, row: row)
            return d.isFinite ? Int64(d) : 0
        default: return Int64(string(column, row: row) ?? "") ?? 0
        }
    }

    func double(_ column: Int32, row: Int32? = nil) -> Double {
        let row = row ?? self.row
        if PQgetisnull(result, row, column) != 0 { return 0 }
        let bytes = raw(column, row: row)
        switch PQftype(result, column) {
        case Self.float8: return Double(bitPattern: bigEndian(bytes, as: UInt64.self))
        case Self.float4: return Double(Float(bitPattern: bigEndian(bytes, as: UInt32.self)))
        case Self.int8, Self.int4, Self.int2, Self.boolType: return Double(int64(column, row: row))
        case Self.numeric: return Self.numericValue(bytes)
        default: return Double(string(column, row: row) ?? "") ?? 0
        }
    }

    /// PostgreSQL's binary `numeric` (base-10000 digits) as the nearest double, via its decimal text.
    static func numericValue(_ bytes: UnsafeRawBufferPointer) -> Double {
        guard bytes.count >= 8 else { return .nan }
        func word(_ i: Int) -> Int { Int(bigEndian(bytes, at: i * 2, as: UInt16.self)) }
        let count = word(0), weight = Int(Int16(truncatingIfNeeded: word(1))), sign = word(2)
        if sign == 0xC000 { return .nan }
        if sign == 0xD000 { return .infinity }
        if sign == 0xF000 { return -.infinity }
        guard count > 0 else { return 0 }
        var text = sign == 0x4000 ? "-" : ""
        var digits = ""
        for i in 0..<count {
            let d = String(word(4 + i))
            digits += String(repeating: "0", count: 4 - d.count) + d
        }
        text += "0." + digits + "e\((weight + 1) * 4)"
        return Double(text) ?? .nan
    }

    /// A binary `numeric` holding an integer (sums of bigints) exactly, or nil when it has a fraction or overflows.
    static func numericInteger(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count >= 8 else { return nil }
        func word(_ i: Int) -> Int64 { Int64(bigEndian(bytes, at: i * 2, as: UInt16.self)) }
        let count = Int(word(0)), weight = Int(Int16(truncatingIfNeeded: word(1))), sign = word(2)
        guard sign == 0 || sign == 0x4000, bytes.count >= 8 + count * 2, count <= weight + 1 || count == 0 else { return nil }
        var value: Int64 = 0
        for i in 0...max(weight, -1) where weight >= 0 {
            let digit = i < count ? word(4 + i) : 0
            let (times, o1) = value.multipliedReportingOverflow(by: 10_000)
            let (plus, o2) = times.addingReportingOverflow(sign == 0 ? digit : -digit)
            if o1 || o2 { return nil }
            value = plus
        }
        return value
    }

    func string(_ column: Int32, row: Int32? = nil) -> String? {
        let row = row ?? self.row
        if PQgetisnull(result, row, column) != 0 { return nil }
        let type = PQftype(result, column)
        switch type {
        case Self.int8, Self.int4, Self.int2, Self.boolType: return String(int64(column, row: row))
        case Self.float8, Self.float4, Self.numeric: return String(double(column, row: row))
        default:
            let bytes = raw(column, row: row)
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    func data(_ column: Int32) -> Data? {
        if isNull(column) { return nil }
        let bytes = raw(column, row: row)
        return bytes.isEmpty ? Data() : Data(bytes)
    }

    func value(_ column: Int32) -> SQLValue {
        if isNull(column) { return .null }
        switch PQftype(result, column) {
        case Self.int8, Self.int4, Self.int2, Self.boolType: return .integer(int64(column))
        case Self.numeric:
            // As SQLite's sum() of integers is an integer: a whole numeric reads as one.
            if let whole = Self.numericInteger(raw(column, row: row)) { return .integer(whole) }
            return .real(double(column))
        case Self.float8, Self.float4: return .real(double(column))
        case Self.bytea: return .blob(data(column) ?? Data())
        default: return .text(string(column) ?? "")
        }
    }
}
