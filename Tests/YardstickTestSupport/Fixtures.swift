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

    /// A JSON document as Foundation objects.
    public static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: data(relativePath), options: [.fragmentsAllowed])
    }

    /// One JSON object per non-empty line.
    public static func jsonLines(_ relativePath: String) throws -> [[String: Any]] {
        try text(relativePath).split(separator: "\n", omittingEmptySubsequences: true).map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
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
