/// Exact n-gram counting for one chrF segment.
///
/// Every n-gram of the segment (hypothesis and references together) gets a small integer id from
/// one open-addressing table keyed by the pair `(id of its (n-1)-gram prefix, last element)`
/// packed into a `UInt64`. Ids are unique across orders and kinds, so the pair is always an exact
/// key — no lossy hashing and no limit on the order or on the number of distinct characters —
/// and counting then works on plain arrays indexed by id.
enum CHRFCounting {
    /// Prefix of character unigrams.
    static let charRoot: UInt32 = .max
    /// Prefix of the first code point of a word (words are interned as a trie of code points).
    static let wordRoot: UInt32 = .max - 1
    /// Marks the last element of a word n-gram key as a word id, so it cannot be mistaken for the
    /// code point of a trie step from the same node.
    static let wordTag: UInt32 = 1 << 31

    /// The `[hyp, ref, match]` statistics of the hypothesis against each reference, one row of
    /// `metric.statisticsWidth` values per reference, concatenated.
    static func perReferenceStatistics(_ metric: CHRF, hypothesis: String, references: [String]) -> [Double] {
        let textCount = references.count + 1
        let width = metric.statisticsWidth

        // Code points of every text (after the optional lowercasing), concatenated.
        var utf8Total = hypothesis.utf8.count
        for r in references { utf8Total += r.utf8.count }
        var cps: [UInt32] = []
        cps.reserveCapacity(utf8Total)
        var cpStart: [Int] = [0]
        cpStart.reserveCapacity(textCount + 1)
        appendCodePoints(hypothesis, lowercase: metric.lowercase, to: &cps)
        cpStart.append(cps.count)
        for r in references {
            appendCodePoints(r, lowercase: metric.lowercase, to: &cps)
            cpStart.append(cps.count)
        }

        // Character stream: whitespace removed unless asked to keep it.
        var chars: [UInt32]
        var charStart: [Int]
        var nonSpace = 0
        if metric.whitespace {
            chars = cps
            charStart = cpStart
            for c in cps where !PythonText.isSpace(c) { nonSpace += 1 }
        } else {
            chars = []
            chars.reserveCapacity(cps.count)
            charStart = [0]
            for t in 0..<textCount {
                for p in cpStart[t]..<cpStart[t + 1] where !PythonText.isSpace(cps[p]) { chars.append(cps[p]) }
                charStart.append(chars.count)
            }
            nonSpace = chars.count
        }

        let charOrder = metric.charOrder
        let wordOrder = metric.wordOrder
        // Upper bound on the ids created: every position of every order, plus the word trie.
        let bound = charOrder * chars.count + (wordOrder > 0 ? nonSpace * (1 + wordOrder) : 0)
        var table = GramTable(maxEntries: bound)
        defer { table.release() }
        var out = [Double](repeating: 0, count: references.count * width)
        var counts = [UInt32](repeating: 0, count: bound + 1)
        var used = [UInt32](repeating: 0, count: bound + 1)

        var gramStart = charStart
        var gramCount = [Int](repeating: 0, count: textCount)
        counts.withUnsafeMutableBufferPointer { cnt in
            used.withUnsafeMutableBufferPointer { usd in
                out.withUnsafeMutableBufferPointer { outBuf in
                    if charOrder > 0 {
                        var grams = chars
                        grams.withUnsafeMutableBufferPointer { g in
                            for n in 1...charOrder {
                                for t in 0..<textCount {
                                    let s = charStart[t]
                                    let m = max(0, charStart[t + 1] - s - n + 1)
                                    gramCount[t] = m
                                    if n == 1 {
                                        for p in s..<(s + m) { g[p] = table.intern(charRoot, g[p]) }
                                    } else {
                                        for p in s..<(s + m) { g[p] = table.intern(g[p], chars[p + n - 1]) }
                                    }
                                }
                                tally(order: n - 1, grams: g, starts: gramStart, counts: gramCount,
                                      width: width, cnt: cnt, used: usd, out: outBuf)
                            }
                        }
                    }
                    if wordOrder > 0 {
                        var words: [UInt32] = []
                        var wordStart: [Int] = [0]
                        for t in 0..<textCount {
                            appendWords(cps, cpStart[t]..<cpStart[t + 1], table: &table, to: &words)
                            wordStart.append(words.count)
                        }
                        gramStart = wordStart
                        var grams = words
                        grams.withUnsafeMutableBufferPointer { g in
                            for n in 1...wordOrder {
                                for t in 0..<textCount {
                                    let s = wordStart[t]
                                    let m = max(0, wordStart[t + 1] - s - n + 1)
                                    gramCount[t] = m
                                    if n > 1 {
                                        for p in s..<(s + m) { g[p] = table.intern(g[p], words[p + n - 1] | wordTag) }
                                    }
                                }
                                tally(order: charOrder + n - 1, grams: g, starts: gramStart, counts: gramCount,
                                      width: width, cnt: cnt, used: usd, out: outBuf)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Writes `[hyp, ref, match]` of one order for every reference. `cnt` and `used` are all zero
    /// on entry and on exit.
    @inline(__always)
    private static func tally(
        order: Int, grams g: UnsafeMutableBufferPointer<UInt32>, starts: [Int], counts m: [Int], width: Int,
        cnt: UnsafeMutableBufferPointer<UInt32>, used: UnsafeMutableBufferPointer<UInt32>,
        out: UnsafeMutableBufferPointer<Double>
    ) {
        let s0 = starts[0], m0 = m[0]
        for p in s0..<(s0 + m0) { cnt[Int(g[p])] += 1 }
        for r in 1..<starts.count - 1 {
            let s = starts[r], mr = m[r]
            var match = 0
            for p in s..<(s + mr) {
                let id = Int(g[p])
                if used[id] < cnt[id] {
                    used[id] += 1
                    match += 1
                }
            }
            for p in s..<(s + mr) { used[Int(g[p])] = 0 }
            let base = (r - 1) * width + 3 * order
            // sacrebleu counts no hypothesis n-grams for an order the reference lacks entirely.
            out[base] = mr > 0 ? Double(m0) : 0
            out[base + 1] = Double(mr)
            out[base + 2] = Double(match)
        }
        for p in s0..<(s0 + m0) { cnt[Int(g[p])] = 0 }
    }

    /// Appends the code points of `text`, lowercased with Python's `str.lower()` when asked.
    private static func appendCodePoints(_ text: String, lowercase: Bool, to cps: inout [UInt32]) {
        if !lowercase {
            for u in text.unicodeScalars { cps.append(u.value) }
            return
        }
        var ascii = true
        for b in text.utf8 where b >= 0x80 { ascii = false; break }
        if ascii {
            for b in text.utf8 { cps.append(UInt32((b >= 0x41 && b <= 0x5A) ? b + 32 : b)) }
        } else {
            cps.append(contentsOf: PythonText.lower(PythonText.codePoints(text)))
        }
    }

    /// `string.punctuation`, which chrF++ splits off the ends of words.
    @inline(__always)
    static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)
    }

    /// sacrebleu's `_remove_punctuation`: whitespace-split words, each word longer than one code
    /// point loses at most one punctuation mark (the last one, else the first) as its own token.
    private static func appendWords(
        _ cps: [UInt32], _ range: Range<Int>, table: inout GramTable, to words: inout [UInt32]
    ) {
        var p = range.lowerBound
        let end = range.upperBound
        while p < end {
            if PythonText.isSpace(cps[p]) { p += 1; continue }
            var q = p + 1
            while q < end && !PythonText.isSpace(cps[q]) { q += 1 }
            if q - p == 1 {
                words.append(intern(cps, p..<q, &table))
            } else if isASCIIPunctuation(cps[q - 1]) {
                words.append(intern(cps, p..<(q - 1), &table))
                words.append(intern(cps, (q - 1)..<q, &table))
            } else if isASCIIPunctuation(cps[p]) {
                words.append(intern(cps, p..<(p + 1), &table))
                words.append(intern(cps, (p + 1)..<q, &table))
            } else {
                words.append(intern(cps, p..<q, &table))
            }
            p = q
        }
    }

    /// The id of a word: its node in a code-point trie stored in the shared table.
    @inline(__always)
    private static func intern(_ cps: [UInt32], _ range: Range<Int>, _ table: inout GramTable) -> UInt32 {
        var id = wordRoot
        for p in range { id = table.intern(id, cps[p]) }
        return id
    }
}

extension CHRFCounting {
    /// Open-addressing map from an exact `(prefix id, element)` pair to a dense id.
    ///
    /// Owns raw memory for speed in the innermost loop; the owner calls `release()` exactly once.
    struct GramTable {
        private let keys: UnsafeMutablePointer<UInt64>
        private let values: UnsafeMutablePointer<UInt32>
        private let mask: Int
        private let shift: UInt64
        private(set) var count: UInt32 = 0

        /// A table that stays at most half full with `maxEntries` entries.
        init(maxEntries: Int) {
            // Ids must stay below the sentinels and the word tag bit.
            precondition(maxEntries < Int(CHRFCounting.wordTag), "segment too large for chrF n-gram ids")
            var capacity = 16
            var bits: UInt64 = 4
            while capacity < 2 * maxEntries {
                capacity <<= 1
                bits += 1
            }
            keys = .allocate(capacity: capacity)
            keys.initialize(repeating: .max, count: capacity)
            values = .allocate(capacity: capacity)
            mask = capacity - 1
            shift = 64 - bits
        }

        func release() {
            keys.deallocate()
            values.deallocate()
        }

        /// The id of the pair, creating the next id for a new pair.
        @inline(__always)
        mutating func intern(_ prefix: UInt32, _ element: UInt32) -> UInt32 {
            let key = UInt64(prefix) << 32 | UInt64(element)
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let existing = keys[slot]
                if existing == key { return values[slot] }
                if existing == .max {
                    keys[slot] = key
                    values[slot] = count
                    count += 1
                    return values[slot]
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
