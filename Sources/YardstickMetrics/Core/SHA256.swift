import Foundation

/// SHA-256 (FIPS 180-4), written here so hashing imported files and datasets needs no cryptography package:
/// the hashes are content keys for idempotent imports, not security boundaries, and a dependency cost minutes
/// of every fresh build.
public enum SHA256 {
    /// Lowercase hex digest of `data` (64 characters), the form stored and printed everywhere.
    public static func hex(_ data: Data) -> String {
        var hasher = Hasher()
        hasher.update(data)
        return hexString(hasher.finalize())
    }

    /// The 32-byte digest of `bytes`.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Lowercase hex of any byte sequence.
    static func hexString(_ digest: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return digits.withUTF8Buffer { table in
            String(unsafeUninitializedCapacity: digest.count * 2) { out in
                for (i, byte) in digest.enumerated() {
                    out[2 * i] = table[Int(byte >> 4)]
                    out[2 * i + 1] = table[Int(byte & 0x0f)]
                }
                return digest.count * 2
            }
        }
    }

    /// Incremental hashing, for content that arrives in pieces (a dataset's fields, a file read in chunks)
    /// and should not be concatenated first. Feeding the pieces in order gives the digest of their concatenation.
    public struct Hasher: Sendable {
        private var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85, h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
        private var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c, h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19
        /// A partial block carried between updates (64 bytes, stored inline so a hasher never allocates).
        private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        private var pendingCount = 0
        /// Total bytes fed so far.
        private var length: UInt64 = 0

        public init() {}

        public mutating func update(_ data: Data) {
            data.withUnsafeBytes { update($0) }
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard var source = bytes.baseAddress, bytes.count > 0 else { return }
            var remaining = bytes.count
            length &+= UInt64(remaining)
            if pendingCount > 0 {
                let take = min(64 - pendingCount, remaining)
                let filled = pendingCount
                withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.advanced(by: filled).copyMemory(from: source, byteCount: take) }
                pendingCount += take
                source += take
                remaining -= take
                guard pendingCount == 64 else { return }
                var block = pending
                withUnsafeBytes(of: &block) { compress($0.baseAddress!, blocks: 1) }
                pendingCount = 0
            }
            let whole = remaining / 64
            if whole > 0 {
                compress(source, blocks: whole)
                source += whole * 64
                remaining -= whole * 64
            }
            if remaining > 0 {
                let tail = remaining
                withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: source, byteCount: tail) }
                pendingCount = tail
            }
        }

        /// The 32-byte digest of everything fed so far; the hasher itself is left as it was, so more can be added.
        public func finalize() -> [UInt8] {
            var copy = self
            let bitLength = length &* 8
            // Padding: 0x80, zeros up to 56 mod 64, then the message length in bits, big-endian.
            var padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                          UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let padCount = (pendingCount < 56 ? 56 : 120) - pendingCount
            withUnsafeMutableBytes(of: &padding) { raw in
                raw[0] = 0x80
                raw.storeBytes(of: bitLength.bigEndian, toByteOffset: padCount, as: UInt64.self)
                let total = padCount + 8
                // Do not count the padding as message bytes.
                let savedLength = copy.length
                copy.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(raw)[0..<total]))
                copy.length = savedLength
            }
            let words = [copy.h0, copy.h1, copy.h2, copy.h3, copy.h4, copy.h5, copy.h6, copy.h7]
            var out = [UInt8](repeating: 0, count: 32)
            for (i, word) in words.enumerated() {
                out[4 * i] = UInt8(truncatingIfNeeded: word >> 24)
                out[4 * i + 1] = UInt8(truncatingIfNeeded: word >> 16)
                out[4 * i + 2] = UInt8(truncatingIfNeeded: word >> 8)
                out[4 * i + 3] = UInt8(truncatingIfNeeded: word)
            }
            return out
        }

        /// Runs the compression function over `blocks` consecutive 64-byte blocks starting at `base`.
        private mutating func compress(_ base: UnsafeRawPointer, blocks: Int) {
            var a0 = h0, b0 = h1, c0 = h2, d0 = h3, e0 = h4, f0 = h5, g0 = h6, hh0 = h7
            // The message schedule lives in a 16-word ring: word t only needs words t-2, t-7, t-15 and t-16.
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
                SHA256.roundConstants.withUnsafeBufferPointer { k in
                    for blockIndex in 0..<blocks {
                        let block = base + blockIndex * 64
                        for t in 0..<16 {
                            w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
                        }
                        var a = a0, b = b0, c = c0, d = d0, e = e0, f = f0, g = g0, h = hh0
                        for t in 0..<64 {
                            let word: UInt32
                            if t < 16 {
                                word = w[t]
                            } else {
                                let x = w[(t &- 15) & 15], y = w[(t &- 2) & 15]
                                let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
                                let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
                                word = w[t & 15] &+ s0 &+ w[(t &- 7) & 15] &+ s1
                                w[t & 15] = word
                            }
                            let sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                            let choose = g ^ (e & (f ^ g))
                            let t1 = h &+ sigma1 &+ choose &+ k[t] &+ word
                            let sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                            let majority = (a & b) | (c & (a | b))
                            h = g
                            g = f
                            f = e
                            e = d &+ t1
                            d = c
                            c = b
                            b = a
                            a = t1 &+ sigma0 &+ majority
                        }
                        a0 &+= a; b0 &+= b; c0 &+= c; d0 &+= d
                        e0 &+= e; f0 &+= f; g0 &+= g; hh0 &+= h
                    }
                }
            }
            h0 = a0; h1 = b0; h2 = c0; h3 = d0; h4 = e0; h5 = f0; h6 = g0; h7 = hh0
        }
    }

    /// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 §4.2.2).
    fileprivate static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}

@inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
