/// An n-gram of token ids that sorts and compares exactly.
protocol BLEUGramKey: Comparable {
    /// The key of the `order` ids starting at `ids[start]`.
    static func make(_ ids: UnsafeMutablePointer<UInt32>, _ start: Int, _ order: Int) -> Self
}

/// Up to four ids below 65536, 16 bits each. Keys are only compared within one order, so no
/// order marker is needed.
struct BLEUPackedGramKey: BLEUGramKey {
    var raw: UInt64

    @inline(__always)
    static func make(_ ids: UnsafeMutablePointer<UInt32>, _ start: Int, _ order: Int) -> Self {
        var k = UInt64(ids[start])
        var j = 1
        while j < order {
            k = k << 16 | UInt64(ids[start + j])
            j += 1
        }
        return Self(raw: k)
    }

    @inline(__always)
    static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
}

/// Up to four 32-bit ids, for segments with 65536 or more distinct tokens.
struct BLEUWideGramKey: BLEUGramKey {
    var high: UInt64
    var low: UInt64

    static func make(_ ids: UnsafeMutablePointer<UInt32>, _ start: Int, _ order: Int) -> Self {
        var parts: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        parts.0 = UInt64(ids[start])
        if order > 1 { parts.1 = UInt64(ids[start + 1]) }
        if order > 2 { parts.2 = UInt64(ids[start + 2]) }
        if order > 3 { parts.3 = UInt64(ids[start + 3]) }
        return Self(high: parts.0 << 32 | parts.1, low: parts.2 << 32 | parts.3)
    }

    static func < (a: Self, b: Self) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
}

/// Per-segment BLEU statistics.
///
/// The hypothesis and references are tokenized into one scratch area (a single temporary
/// allocation, usually on the stack), their tokens are interned to ids shared by the segment, and
/// clipped n-gram matches are counted on sorted arrays of packed n-gram keys.
enum BLEUSegmentStatistics {
    static let maxOrder = 4

    /// Writes `[sys_len, ref_len, correct1..4, total1..4]` into `stats`.
    static func compute(
        hypothesis: String, references: [String], tokenizer: BLEU.Tokenizer, lowercase: Bool,
        into stats: inout [Double]
    ) {
        let sequenceCount = 1 + references.count
        var maxBound = BLEUTokenization.codePointBound(hypothesis, lowercase: lowercase)
        var totalBound = maxBound
        var textCapacity = BLEUTokenization.capacity(forCodePoints: maxBound)
        for r in references {
            let bound = BLEUTokenization.codePointBound(r, lowercase: lowercase)
            maxBound = max(maxBound, bound)
            totalBound += bound
            textCapacity += BLEUTokenization.capacity(forCodePoints: bound)
        }
        let lineCapacity = BLEUTokenization.capacity(forCodePoints: maxBound)
        // Tokens never outnumber the non-space code points; the table is at most half full.
        let tokenBound = totalBound
        var tableBound = 16
        while tableBound < 2 * tokenBound { tableBound <<= 1 }
        let areaSize = 2 * lineCapacity + textCapacity + 5 * tokenBound + tableBound + sequenceCount

        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: areaSize) { area in
            var cursor = area.baseAddress!
            func carve(_ n: Int) -> UnsafeMutablePointer<UInt32> {
                defer { cursor += n }
                return cursor
            }
            var buffers = BLEULineBuffers(line: carve(lineCapacity), spare: carve(lineCapacity), count: 0)
            let text = carve(textCapacity)
            let tokenStart = carve(tokenBound)
            let tokenEnd = carve(tokenBound)
            let ids = carve(tokenBound)
            let representative = carve(tokenBound)
            let hashes = carve(tokenBound)
            let table = carve(tableBound)
            let sequenceEnd = carve(sequenceCount)

            // Tokenize every sequence; tokens are recorded as ranges of `text`.
            var textCount = 0
            var tokenCount = 0
            for s in 0..<sequenceCount {
                let sequence = s == 0 ? hypothesis : references[s - 1]
                BLEUTokenization.preprocess(sequence, tokenizer: tokenizer, lowercase: lowercase, &buffers)
                let line = buffers.line
                let n = buffers.count
                let base = textCount
                (text + base).initialize(from: line, count: n)
                textCount += n
                if tokenizer == .char {
                    for i in 0..<n where !PythonText.isSpace(line[i]) {
                        tokenStart[tokenCount] = UInt32(base + i)
                        tokenEnd[tokenCount] = UInt32(base + i + 1)
                        tokenCount += 1
                    }
                } else {
                    var start = -1
                    for i in 0..<n {
                        if PythonText.isSpace(line[i]) {
                            if start >= 0 {
                                tokenStart[tokenCount] = UInt32(base + start)
                                tokenEnd[tokenCount] = UInt32(base + i)
                                tokenCount += 1
                                start = -1
                            }
                        } else if start < 0 {
                            start = i
                        }
                    }
                    if start >= 0 {
                        tokenStart[tokenCount] = UInt32(base + start)
                        tokenEnd[tokenCount] = UInt32(base + n)
                        tokenCount += 1
                    }
                }
                sequenceEnd[s] = UInt32(tokenCount)
            }

            let hypLength = Int(sequenceEnd[0])
            var closestDiff = -1
            var closestLength = 0
            for r in stride(from: 1, to: sequenceCount, by: 1) {
                // Closest reference length; ties go to the shorter reference.
                let length = Int(sequenceEnd[r] - sequenceEnd[r - 1])
                let diff = abs(hypLength - length)
                if closestDiff == -1 || diff < closestDiff {
                    closestDiff = diff
                    closestLength = length
                } else if diff == closestDiff && length < closestLength {
                    closestLength = length
                }
            }
            stats[0] = Double(hypLength)
            stats[1] = Double(closestLength)
            for n in 1...maxOrder { stats[5 + n] = Double(max(0, hypLength - n + 1)) }
            if hypLength == 0 || sequenceCount == 1 { return }

            // Intern: equal code-point sequences get equal ids, numbered from 0 in order of first
            // occurrence, so the hypothesis's tokens have the ids below `hypDistinct`.
            var tableSize = 16
            while tableSize < 2 * tokenCount { tableSize <<= 1 }
            let mask = tableSize - 1
            table.initialize(repeating: 0, count: tableSize)
            var distinct = 0
            var hypDistinct = 0
            for t in 0..<tokenCount {
                if t == hypLength { hypDistinct = distinct }
                let s = Int(tokenStart[t]), e = Int(tokenEnd[t])
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for i in s..<e { h = (h ^ UInt64(text[i])) &* 0x0000_0100_0000_01B3 }
                h ^= h >> 32
                let h32 = UInt32(truncatingIfNeeded: h)
                var slot = Int(h32) & mask
                while true {
                    let stored = table[slot]
                    if stored == 0 {
                        table[slot] = UInt32(distinct + 1)
                        representative[distinct] = UInt32(t)
                        hashes[distinct] = h32
                        ids[t] = UInt32(distinct)
                        distinct += 1
                        break
                    }
                    let id = Int(stored - 1)
                    if hashes[id] == h32 {
                        let r = Int(representative[id])
                        let rs = Int(tokenStart[r]), re = Int(tokenEnd[r])
                        if re - rs == e - s {
                            var k = 0
                            while k < e - s && text[rs + k] == text[s + k] { k += 1 }
                            if k == e - s { ids[t] = UInt32(id); break }
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
            if hypLength == tokenCount { hypDistinct = distinct }

            let ends = UnsafeBufferPointer(start: sequenceEnd, count: sequenceCount)
            if distinct < 65536 {
                countMatches(BLEUPackedGramKey.self, ids: ids, sequenceEnd: ends, hypDistinct: hypDistinct, into: &stats)
            } else {
                countMatches(BLEUWideGramKey.self, ids: ids, sequenceEnd: ends, hypDistinct: hypDistinct, into: &stats)
            }
        }
    }

    /// Sorts small arrays by insertion (most segments), larger ones with the standard library.
    @inline(__always)
    static func sortKeys<Key: BLEUGramKey>(_ keys: UnsafeMutablePointer<Key>, _ n: Int) {
        if n > 24 {
            var buffer = UnsafeMutableBufferPointer(start: keys, count: n)
            buffer.sort()
            return
        }
        var i = 1
        while i < n {
            let x = keys[i]
            var j = i
            while j > 0 && x < keys[j - 1] {
                keys[j] = keys[j - 1]
                j -= 1
            }
            keys[j] = x
            i += 1
        }
    }

    /// For each order: `correct = Σ_g min(hyp count, max over references of the reference count)`.
    /// Reference n-grams with a token the hypothesis lacks cannot match and are not stored; once an
    /// order has no match, no longer n-gram can match either.
    static func countMatches<Key: BLEUGramKey>(
        _: Key.Type, ids: UnsafeMutablePointer<UInt32>, sequenceEnd: UnsafeBufferPointer<UInt32>,
        hypDistinct: Int, into stats: inout [Double]
    ) {
        let sequences = sequenceEnd.count
        let hypLength = Int(sequenceEnd[0])
        let tokenCount = Int(sequenceEnd[sequences - 1])
        let limit = UInt32(hypDistinct)
        withUnsafeTemporaryAllocation(of: Key.self, capacity: tokenCount) { keyArea in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * sequences) { bounds in
                let hypKeys = keyArea.baseAddress!
                let refKeys = hypKeys + hypLength
                let refBegin = bounds.baseAddress!
                let refEnd = refBegin + sequences
                for n in 1...maxOrder {
                    if hypLength < n { break }
                    let hypCount = hypLength - n + 1
                    for i in 0..<hypCount { (hypKeys + i).initialize(to: Key.make(ids, i, n)) }
                    sortKeys(hypKeys, hypCount)

                    var stored = 0
                    for r in 1..<sequences {
                        refBegin[r] = stored
                        let lo = Int(sequenceEnd[r - 1]), hi = Int(sequenceEnd[r])
                        var i = lo
                        while i + n <= hi {
                            var k = 0
                            while k < n && ids[i + k] < limit { k += 1 }
                            if k == n {
                                (refKeys + stored).initialize(to: Key.make(ids, i, n))
                                stored += 1
                                i += 1
                            } else {
                                i += k + 1  // every n-gram covering the unknown token is skipped
                            }
                        }
                        sortKeys(refKeys + refBegin[r], stored - refBegin[r])
                        refEnd[r] = stored
                    }

                    var correct = 0
                    var i = 0
                    while i < hypCount {
                        let key = hypKeys[i]
                        var j = i + 1
                        while j < hypCount && !(key < hypKeys[j]) { j += 1 }
                        var refMax = 0
                        for r in 1..<sequences {
                            var c = refBegin[r]
                            let end = refEnd[r]
                            while c < end && refKeys[c] < key { c += 1 }
                            var m = 0
                            while c < end && !(key < refKeys[c]) { m += 1; c += 1 }
                            refBegin[r] = c
                            if m > refMax { refMax = m }
                        }
                        correct += min(j - i, refMax)
                        i = j
                    }
                    stats[1 + n] = Double(correct)
                    if correct == 0 { break }
                }
            }
        }
    }
}
