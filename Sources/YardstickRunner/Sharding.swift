import Foundation
import YardstickMetrics

/// Splits a held-out set into shards by example id, so machines can each evaluate a part of it.
///
/// A shard depends only on the example's id and the number of shards — never on its position, the file's
/// order or the other examples — so the shards never overlap, together cover the set, and every worker computes
/// the same split without talking to the others.
public enum Sharding {
    /// The 0-based shard of the example with this id among `count` shards: the first 8 bytes of the SHA-256 of
    /// the id's UTF-8, read as a big-endian `UInt64`, modulo `count`.
    /// - Precondition: `count >= 1`.
    public static func shard(ofExampleID id: String, count: Int) -> Int {
        precondition(count >= 1, "a set has at least one shard")
        let digest = Array(id.utf8).withUnsafeBytes { SHA256.digest($0) }
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return Int(value % UInt64(count))
    }

    /// The positions (indices in `examples`) of the examples in 0-based shard `shard` of `count`, in set order.
    public static func positions(of examples: [HeldOutExample], shard: Int, count: Int) -> [Int] {
        examples.indices.filter { self.shard(ofExampleID: examples[$0].id, count: count) == shard }
    }
}

/// `--shard I/N`: shard `I` (1-based, as people count) of `N`.
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    /// 0-based shard index, as ``Sharding/shard(ofExampleID:count:)`` returns it.
    public var index: Int
    /// Number of shards.
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N` with 1 ≤ I ≤ N.
    /// - Throws: a message naming what is wrong with the value.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw ShardSpecError("--shard takes I/N, e.g. 2/4 for the second of four shards; got '\(text)'")
        }
        guard n >= 1 else { throw ShardSpecError("--shard \(text): the number of shards N must be at least 1") }
        guard (1...n).contains(i) else { throw ShardSpecError("--shard \(text): I must be between 1 and \(n) (shards count from 1)") }
        self.init(index: i - 1, count: n)
    }

    /// `I/N`, 1-based.
    public var description: String { "\(index + 1)/\(count)" }
}

/// A malformed `--shard` value.
public struct ShardSpecError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
