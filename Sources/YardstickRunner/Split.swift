import Foundation
import YardstickMetrics

/// Deterministic train/valid/test splits.
///
/// Each example's place comes from the SHA-256 of the seed and its id, not from a random generator, so the same
/// file and seed give the same split on every machine and in every version, and adding examples later does not
/// move the ones already placed from one split to another more than their share requires. With a stratify
/// field, each class is split on its own (largest-remainder rounding), so rare labels keep their proportion.
public enum DatasetSplit {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var fraction: Double
        /// Indices into the examples, in file order.
        public var indices: [Int]
    }

    /// Splits `examples` into `fractions` (name → share; shares are normalised to sum to 1).
    public static func split(_ examples: [HeldOutExample], fractions: [(String, Double)], seed: UInt64,
                             stratify: String? = nil) -> [Part] {
        let total = fractions.map(\.1).reduce(0, +)
        let shares = fractions.map { ($0.0, total > 0 ? $0.1 / total : 0) }
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, e) in examples.enumerated() {
            let key = stratify.map { e.fields[$0] ?? "" } ?? ""
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(i)
        }
        var assigned = [[Int]](repeating: [], count: shares.count)
        for key in order {
            let members = groups[key]!
            let ranked = members.map { ($0, rank(examples[$0].id, seed: seed)) }.sorted { $0.1 < $1.1 }.map(\.0)
            let counts = allocate(ranked.count, shares: shares.map(\.1))
            var start = 0
            for (p, count) in counts.enumerated() {
                assigned[p] += ranked[start..<(start + count)]
                start += count
            }
        }
        return shares.enumerated().map { p, share in Part(name: share.0, fraction: share.1, indices: assigned[p].sorted()) }
    }

    /// Integer counts summing to `n` proportional to `shares` (largest remainder, ties to the earlier part).
    static func allocate(_ n: Int, shares: [Double]) -> [Int] {
        let exact = shares.map { $0 * Double(n) }
        var counts = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(counts[$0]), -$0) > (exact[$1] - Double(counts[$1]), -$1) }
        var left = n - counts.reduce(0, +)
        for i in byRemainder where left > 0 {
            counts[i] += 1
            left -= 1
        }
        return counts
    }

    /// A stable pseudo-random rank of an id under a seed.
    static func rank(_ id: String, seed: UInt64) -> String {
        SHA256.hex(Data("\(seed):\(id)".utf8))
    }

    /// Writes each part as its own file next to `out`: the examples' original text (lines of JSON Lines, rows of
    /// CSV with the header first), in file order. Returns the paths written.
    public static func write(_ parts: [Part], of set: HeldOutSet, source: Data, to folder: String) throws -> [String] {
        let text = String(decoding: source, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let starts = set.examples.map { $0.line - 1 }
        let header = lines[0..<(starts.min() ?? 0)].joined(separator: "\n")
        func rows(_ i: Int) -> String {
            let start = starts[i]
            var end = i + 1 < starts.count ? starts[i + 1] : lines.count
            while end > start + 1 && lines[end - 1].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { end -= 1 }
            return lines[start..<end].joined(separator: "\n")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ext = URL(fileURLWithPath: set.path).pathExtension.isEmpty ? "jsonl" : URL(fileURLWithPath: set.path).pathExtension
        var written: [String] = []
        for part in parts {
            var body = header.isEmpty ? "" : header + "\n"
            for i in part.indices { body += rows(i) + "\n" }
            let path = URL(fileURLWithPath: folder).appendingPathComponent("\(part.name).\(ext)").path
            try Data(body.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            written.append(path)
        }
        return written
    }
}
