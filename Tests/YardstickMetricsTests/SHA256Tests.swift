import Foundation
import Testing
import YardstickMetrics
import YardstickTestSupport

/// The in-house SHA-256 against FIPS 180-4 / NIST example vectors, `sha256sum`, and itself fed in pieces.
@Suite struct SHA256Tests {
    static func hex(_ text: String) -> String { SHA256.hex(Data(text.utf8)) }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// `n` bytes cycling through `a`…`z` (the inputs hashed with `sha256sum` for the boundary vectors).
    static func alphabet(_ n: Int) -> Data { Data((0..<n).map { UInt8(97 + $0 % 26) }) }

    @Test func fipsExampleVectorsMatch() {
        #expect(Self.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
            == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionRepetitionsOfAMatchTheNISTVector() {
        let data = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(data) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries: 55 bytes is the longest message whose length fits in its last block,
    /// 56 needs an extra block, 64 is exactly one block.
    @Test func lengthsAroundTheBlockAndPaddingBoundariesMatchSha256sum() {
        let expected: [Int: String] = [
            55: "595615dbe4f0f407ae397d08b4c2cb870cb9b0e11937416f950c5160acf9c005",
            56: "784f623b787495078e93ff28a25b581df0584055a7e71d8cd90c454716b92f51",
            63: "5ca3e1ef5207490eac01a795e5cc94d59582a5118bf9534665c8668d87aa647c",
            64: "2fcd5a0d60e4c941381fcc4e00a4bf8be422c3ddfafb93c809e8d1e2bfffae8e",
            65: "1b3cd1877ab2f2f19f7be001722554f336cb799df0329de0bb4c118dc6abc06d",
        ]
        for (n, digest) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(SHA256.hex(Self.alphabet(n)) == digest, "length \(n)")
        }
    }

    @Test func digestOfRawBytesEqualsTheHexOfData() {
        let data = Self.alphabet(65)
        let digest = data.withUnsafeBytes { SHA256.digest($0) }
        #expect(digest.count == 32)
        #expect(Self.hex(digest) == SHA256.hex(data))
    }

    @Test func incrementalUpdatesSplitAtEveryOffsetEqualTheOneShotDigest() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        let oneShot = message.withUnsafeBytes { SHA256.digest($0) }
        #expect(Self.hex(oneShot) == "5e48d64839a8bff5e2471507af6a49f9990817df437857f4a2007df41266e1b5", "sha256sum")
        for split in 0...message.count {
            var hasher = SHA256.Hasher()
            message.withUnsafeBytes { bytes in
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[..<split]))
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[split...]))
            }
            #expect(hasher.finalize() == oneShot, "split at \(split)")
        }
        // Three pieces, the middle one shorter than a block, through the `Data` entry point.
        for first in stride(from: 0, through: 200, by: 7) {
            for second in stride(from: first, through: min(200, first + 70), by: 9) {
                var hasher = SHA256.Hasher()
                hasher.update(Data(message[..<first]))
                hasher.update(Data(message[first..<second]))
                hasher.update(Data(message[second...]))
                #expect(hasher.finalize() == oneShot, "pieces \(first), \(second)")
            }
        }
    }

    @Test func finalizeLeavesTheHasherUsableForMoreInput() {
        var hasher = SHA256.Hasher()
        hasher.update(Data("ab".utf8))
        #expect(Self.hex(hasher.finalize()) == Self.hex("ab"))
        hasher.update(Data("c".utf8))
        #expect(Self.hex(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// `Tests/Fixtures/SHA256SUMS` is `sha256sum` output for every fixture; regenerate it after changing fixtures:
    /// `cd Tests/Fixtures && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS`.
    @Test func everyFixtureFileMatchesItsSha256sumManifestEntry() throws {
        let manifest = try Fixtures.text("SHA256SUMS")
        var listed: [String: String] = [:]
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            try #require(parts.count == 2 && parts[1].hasPrefix(" ./"), "malformed manifest line: \(line)")
            listed[String(parts[1].dropFirst(3))] = String(parts[0])
        }
        var onDisk: Set<String> = []
        let enumerator = try #require(FileManager.default.enumerator(at: Fixtures.root, includingPropertiesForKeys: [.isRegularFileKey]))
        let rootPath = Fixtures.root.standardizedFileURL.path + "/"
        for case let url as URL in enumerator where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            let path = String(url.standardizedFileURL.path.dropFirst(rootPath.count))
            if path != "SHA256SUMS" { onDisk.insert(path) }
        }
        #expect(onDisk.count > 100)
        #expect(Set(listed.keys) == onDisk, "the manifest lists exactly the fixture files")
        for path in onDisk.sorted() {
            guard let digest = listed[path] else { continue }
            #expect(SHA256.hex(try Fixtures.data(path)) == digest, "\(path)")
        }
    }
}
