import Foundation
import Testing
import YardstickRunner
import YardstickTestSupport

@Suite struct ShardingTests {
    static let sets: [(path: String, options: HeldOutSet.Options)] = [
        ("metrics/summary/descriptions.jsonl", HeldOutSet.Options(inputField: "source", referenceField: "reference")),
        ("metrics/classification/sections.jsonl", HeldOutSet.Options(inputField: "text", referenceField: "label")),
    ]

    @Test("shards of a real set never overlap, together cover it, and keep set order")
    func shardsPartitionARealSet() throws {
        for (path, options) in Self.sets {
            let set = try HeldOutSet.read(path: Fixtures.url(path).path, options: options)
            for count in [1, 2, 3, 8] {
                let parts = (0..<count).map { Sharding.positions(of: set.examples, shard: $0, count: count) }
                #expect(parts.joined().sorted() == Array(set.examples.indices), "\(path) in \(count) shards")
                #expect(parts.allSatisfy { $0 == $0.sorted() })
                if count > 1 {
                    // A hash, not a stripe: every shard gets a fair share and no shard is empty.
                    let expected = Double(set.examples.count) / Double(count)
                    #expect(parts.allSatisfy { Double($0.count) > 0.8 * expected && Double($0.count) < 1.2 * expected },
                            "\(path): \(parts.map(\.count))")
                }
            }
        }
    }

    @Test("a shard depends only on the example id: the file's order and other examples do not move it")
    func shardsAreStableAcrossOrder() throws {
        let (path, options) = Self.sets[0]
        let set = try HeldOutSet.read(path: Fixtures.url(path).path, options: options)
        let reversed = Array(set.examples.reversed())
        let forward = Set(Sharding.positions(of: set.examples, shard: 1, count: 3).map { set.examples[$0].id })
        let backward = Set(Sharding.positions(of: reversed, shard: 1, count: 3).map { reversed[$0].id })
        #expect(forward == backward && !forward.isEmpty)
        let half = Array(set.examples.prefix(350))
        #expect(Set(Sharding.positions(of: half, shard: 1, count: 3).map { half[$0].id }) == forward.filter { id in half.contains { $0.id == id } })
    }

    @Test("the shard is the first 8 bytes of the id's SHA-256, big-endian, modulo N (values from Python's hashlib)")
    func shardMatchesTheDocumentedHash() {
        // int.from_bytes(hashlib.sha256(id.encode()).digest()[:8], "big") % n
        #expect(Sharding.shard(ofExampleID: "desc:00000", count: 1_000_003) == 99476)
        #expect(Sharding.shard(ofExampleID: "cls:00000", count: 1_000_003) == 617_453)
        #expect(Sharding.shard(ofExampleID: "1", count: 1_000_003) == 634_763)
        #expect(Sharding.shard(ofExampleID: "héllo", count: 1_000_003) == 601_818)
        #expect(Sharding.shard(ofExampleID: "desc:00000", count: 8) == 6)
        #expect(Sharding.shard(ofExampleID: "anything", count: 1) == 0)
    }

    @Test("--shard takes I/N with 1 ≤ I ≤ N and names what is wrong otherwise")
    func shardSpecParsing() throws {
        #expect(try ShardSpec(parsing: "2/3") == ShardSpec(index: 1, count: 3))
        #expect(try ShardSpec(parsing: "1/1").description == "1/1")
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", ""] {
            #expect(throws: ShardSpecError.self, "\(bad)") { try ShardSpec(parsing: bad) }
        }
        var message = ""
        do { _ = try ShardSpec(parsing: "5/4") } catch { message = "\(error)" }
        #expect(message.contains("between 1 and 4"), "\(message)")
    }
}
