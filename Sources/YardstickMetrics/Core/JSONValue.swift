import Foundation

/// A JSON document with ordered object keys, written deterministically.
///
/// Reports and CLI output keep the reference libraries' field order, and doubles are written as the
/// shortest decimal that round-trips (Python's `repr`), so output can be diffed against them.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// JSON text already validated elsewhere (e.g. a stored evaluation's details), written as is.
    case raw(String)

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.raw(x), .raw(y)): return x == y
        default: return false
        }
    }

    /// Convenience for optional numbers.
    public static func number(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
    /// An optional string, `null` when nil.
    public static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// An optional double, `null` when nil.
    public static func double(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    /// An optional integer, `null` when nil.
    public static func int(_ value: Int64?) -> JSONValue { value.map { .int(Int($0)) } ?? .null }

    /// How numbers and separators are written.
    struct Style {
        var indent: String?
        var itemSeparator: String
        var keySeparator: String
        /// Tracking output: non-finite numbers as `null` and integral doubles without a fraction.
        var plainNumbers: Bool
    }

    /// Compact JSON text (one line), spaced like Python's `json.dumps`; NaN and infinities as Python writes them.
    public var compact: String { written(Style(indent: nil, itemSeparator: ", ", keySeparator: ": ", plainNumbers: false)) }

    /// Indented JSON text.
    public var pretty: String { written(Style(indent: "  ", itemSeparator: ",", keySeparator: ": ", plainNumbers: false)) }

    /// Tight one-line JSON for the tracking commands: no spaces, integral doubles without a fraction, and
    /// non-finite numbers (which strict JSON readers reject) as `null`.
    public func serialized() -> String {
        written(Style(indent: nil, itemSeparator: ",", keySeparator: ":", plainNumbers: true))
    }

    private func written(_ style: Style) -> String {
        var out = ""
        write(to: &out, style: style, level: 0)
        return out
    }

    /// A member of an object, if present.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    private func write(to out: inout String, style: Style, level: Int) {
        let indent = style.indent
        switch self {
        case .null: out += "null"
        case let .raw(text): out += text
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += style.plainNumbers ? JSONValue.plainNumber(d) : JSONValue.format(d)
        case let .string(s): JSONValue.escape(s, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += style.itemSeparator }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                item.write(to: &out, style: style, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case let .object(members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += style.itemSeparator }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                JSONValue.escape(key, into: &out)
                out += style.keySeparator
                value.write(to: &out, style: style, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    /// A double for tracking output: integral values without a fraction, others in shortest round-trip
    /// form, non-finite values as `null`.
    public static func plainNumber(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// Python-compatible float text: shortest round-trip digits; NaN/Infinity as Python's `json` writes them.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return d.description
    }

    /// Appends `s` as a JSON string literal.
    public static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    out += "\\u" + String(format: "%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue {
    /// Converts Foundation JSON objects (from `JSONSerialization`) into ordered values; object keys are
    /// sorted because Foundation does not keep their order.
    public init(foundation any: Any) {
        switch any {
        case is NSNull: self = .null
        case let n as NSNumber:
            // Foundation marks booleans with objCType "c" and floats with "d"/"f".
            switch String(cString: n.objCType) {
            case "c", "B": self = .bool(n.boolValue)
            case "d", "f": self = .double(n.doubleValue)
            default: self = .int(n.intValue)
            }
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init(foundation:)))
        case let o as [String: Any]:
            self = .object(o.keys.sorted().map { ($0, JSONValue(foundation: o[$0]!)) })
        default: self = .string(String(describing: any))
        }
    }
}
