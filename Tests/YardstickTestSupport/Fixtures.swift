import Foundation

/// Locates and reads the test fixtures copied into `Tests/Fixtures`.
public enum Fixtures {
    /// `Tests/Fixtures`, found from this file's path so tests run from any working directory.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The repository root (the folder holding `Package.swift`).
    public static let repositoryRoot: URL = root.deletingLastPathComponent().deletingLastPathComponent()

    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    public static func data(_ relativePath: String) throws -> Data { try Data(contentsOf: url(relativePath)) }

    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    /// A JSON document as Foundation objects (`[String: Any]`, `[Any]`, `String`, `NSNumber`, `NSNull`).
    ///
    /// Decoded with `JSONDecoder`, because `JSONSerialization` on Linux misreads some decimals by one unit in the
    /// last place, and the fixtures are exact to the bit.
    public static func json(_ relativePath: String) throws -> Any {
        try parse(data(relativePath))
    }

    /// One JSON object per non-empty line.
    public static func jsonLines(_ relativePath: String) throws -> [[String: Any]] {
        try text(relativePath).split(separator: "\n", omittingEmptySubsequences: true).map {
            try parse(Data($0.utf8)) as! [String: Any]
        }
    }

    /// Parses JSON text exactly (see ``json(_:)``).
    public static func parse(_ data: Data) throws -> Any {
        try JSONDecoder().decode(ExactJSON.self, from: data).value
    }

    /// The fixtures' float rule: `|a − b| ≤ 1e-9 · max(1, |b|)`.
    public static func close(_ actual: Double, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
        abs(actual - expected) <= tolerance * max(1, abs(expected))
    }

    /// A JSON number as `Double` (integers and floats alike).
    public static func double(_ any: Any?) -> Double? {
        if let n = any as? NSNumber { return n.doubleValue }
        return nil
    }

    /// A JSON array of numbers as `[Double]`.
    public static func doubles(_ any: Any?) -> [Double]? {
        guard let a = any as? [Any] else { return nil }
        let mapped = a.compactMap(double)
        return mapped.count == a.count ? mapped : nil
    }
}

/// Decodes any JSON value into Foundation objects, with correctly rounded numbers.
private struct ExactJSON: Decodable {
    let value: Any

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [Any] = []
            while !array.isAtEnd { items.append(try array.decode(ExactJSON.self).value) }
            value = items
        } else if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [String: Any] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(ExactJSON.self, forKey: key).value }
            value = members
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { value = NSNull() }
            else if let b = try? single.decode(Bool.self) { value = NSNumber(value: b) }
            else if let i = try? single.decode(Int.self) { value = NSNumber(value: i) }
            else if let d = try? single.decode(Double.self) { value = NSNumber(value: d) }
            else { value = try single.decode(String.self) }
        }
    }
}
