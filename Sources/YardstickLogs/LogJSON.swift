import Foundation

/// A parsed JSON value. Objects keep their key order (parameters are reported in file order) and the byte offset
/// where they start (so errors about an entry can name its line).
enum LogJSON: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([LogJSON])
    case object(JSONObject)

    var object: JSONObject? { if case let .object(o) = self { return o } else { return nil } }
    var array: [LogJSON]? { if case let .array(a) = self { return a } else { return nil } }
    var string: String? { if case let .string(s) = self { return s } else { return nil } }
    var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a `Double` when it is a number (including the Python literals `NaN` and `Infinity`).
    var double: Double? { if case let .number(n) = self { return n.double } else { return nil } }

    /// A metric value: a number, including the `NaN`/`Infinity` literals and NaN/infinity written as a string
    /// (`"nan"`, `"-Infinity"`, …), which loggers that cannot write the literals use. Nil for anything else.
    var measurement: Double? {
        switch self {
        case let .number(n): return n.double
        case let .string(s): return NumberParsing.nonFinite(s)
        default: return nil
        }
    }

    /// `null`, or a string that means "no value" (`""`, `"null"`, `"NA"`, `"N/A"`, …, as in CSV cells).
    var isMissing: Bool {
        switch self {
        case .null: return true
        case let .string(s): return NumberParsing.isMissingText(s)
        default: return false
        }
    }

    /// The value as an integer when it is a whole number.
    var int64: Int64? {
        guard case let .number(n) = self else { return nil }
        return n.integer ?? NumberParsing.integral(n.double)
    }

    /// A number as a parameter: integer literals stay integers, everything else is a float.
    var numericParam: ParamValue? {
        guard case let .number(n) = self else { return nil }
        if let i = n.integer { return .int(i) }
        return .double(n.double)
    }
}

/// A JSON number: its `Double` value and, for integer literals that fit, the exact integer.
struct JSONNumber: Sendable {
    var double: Double
    var integer: Int64?
}

/// A JSON object with its entries in file order.
struct JSONObject: Sendable {
    var entries: [(key: String, value: LogJSON)]
    /// Byte offset of the opening brace in the parsed buffer.
    var offset: Int

    /// The value for `key`; with duplicate keys the last one wins, as in Python's `json`.
    subscript(key: String) -> LogJSON? {
        var i = entries.count - 1
        while i >= 0 {
            if entries[i].key == key { return entries[i].value }
            i -= 1
        }
        return nil
    }

    func has(_ key: String) -> Bool { self[key] != nil }
}

/// A JSON syntax error at a byte offset of the parsed buffer.
struct JSONSyntaxError: Error {
    var offset: Int
    var message: String
}

/// A strict RFC 8259 parser that also accepts Python's `NaN`, `Infinity` and `-Infinity` (which Python's `json`
/// writes for non-finite floats and Foundation's `JSONSerialization` rejects).
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos: Int
    private let baseOffset: Int
    private var depth = 0
    private static let maxDepth = 512

    private init(bytes: UnsafeBufferPointer<UInt8>, baseOffset: Int) {
        self.bytes = bytes
        self.pos = 0
        self.baseOffset = baseOffset
    }

    /// Parses one complete document; only whitespace may follow the value. `baseOffset` is added to reported offsets
    /// so a JSON Lines line can be parsed in place and still report offsets into the whole file.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, baseOffset: Int = 0) throws(JSONSyntaxError) -> LogJSON {
        var parser = JSONParser(bytes: bytes, baseOffset: baseOffset)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.pos = 3 }
        parser.skipWhitespace()
        guard parser.pos < bytes.count else { throw parser.error("empty document") }
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.pos < bytes.count { throw parser.error("unexpected content after the JSON value") }
        return value
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: baseOffset + (offset ?? pos), message: message)
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private func describeCurrent() -> String {
        guard pos < bytes.count else { return "end of input" }
        let b = bytes[pos]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> LogJSON {
        guard pos < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number(JSONNumber(double: .nan, integer: nil))
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number(JSONNumber(double: .infinity, integer: nil))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let start = pos
        let n = literal.utf8CodeUnitCount
        let lit = UnsafeBufferPointer(start: literal.utf8Start, count: n)
        guard pos + n <= bytes.count else { throw error("invalid literal", at: start) }
        for k in 0..<n where bytes[pos + k] != lit[k] { throw error("invalid literal", at: start) }
        pos += n
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > JSONParser.maxDepth { throw error("nesting deeper than \(JSONParser.maxDepth) levels") }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> LogJSON {
        let start = pos
        try enter()
        pos += 1
        var entries: [(key: String, value: LogJSON)] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(JSONObject(entries: entries, offset: baseOffset + start))
        }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()), expected ':'")
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            entries.append((key, value))
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; break }
            throw error("unexpected \(describeCurrent()), expected ',' or '}'")
        }
        depth -= 1
        return .object(JSONObject(entries: entries, offset: baseOffset + start))
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> LogJSON {
        try enter()
        pos += 1
        var items: [LogJSON] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; break }
            throw error("unexpected \(describeCurrent()), expected ',' or ']'")
        }
        depth -= 1
        return .array(items)
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return JSONNumber(double: -.infinity, integer: nil)
            }
        }
        guard pos < bytes.count, NumberParsing.isDigit(bytes[pos]) else { throw error("invalid number", at: start) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, NumberParsing.isDigit(bytes[pos]) { throw error("invalid number (leading zero)", at: start) }
        } else {
            while pos < bytes.count, NumberParsing.isDigit(bytes[pos]) { pos += 1 }
        }
        var isInteger = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < bytes.count, NumberParsing.isDigit(bytes[pos]) else { throw error("invalid number", at: start) }
            while pos < bytes.count, NumberParsing.isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, NumberParsing.isDigit(bytes[pos]) else { throw error("invalid number", at: start) }
            while pos < bytes.count, NumberParsing.isDigit(bytes[pos]) { pos += 1 }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<pos])
        let integer = isInteger ? NumberParsing.int64(text) : nil
        guard let value = NumberParsing.double(text) else { throw error("invalid number", at: start) }
        return JSONNumber(double: value, integer: integer)
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = pos
        pos += 1
        let contentStart = pos
        // Fast path: no escapes, decode the slice directly.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            pos += 1
        }
        guard pos < bytes.count else { throw error("unterminated string", at: start) }
        var buffer = [UInt8](UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]))
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if b != UInt8(ascii: "\\") {
                buffer.append(b)
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(e)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar), pos + 1 < bytes.count,
                    bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                {
                    let save = pos
                    pos += 2
                    let low = try parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        pos = save
                    }
                }
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                buffer.append(contentsOf: Array(String(s).utf8))
            default:
                throw error("invalid escape sequence", at: pos - 2)
            }
        }
        throw error("unterminated string", at: start)
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - 55)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }
}
