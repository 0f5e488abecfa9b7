/// Exact n-gram counting for one chrF segment (hypothesis and references together).
///
/// Characters (and chrF++ words) are interned to dense per-segment ids. Order n is built from
/// order n-1: an n-gram can only be matched if its (n-1)-gram prefix and suffix both occur in the
/// hypothesis and in some reference ("alive"), so only such n-grams get ids. An alive n-gram is
/// identified exactly by the pair (alive id of its prefix, alive id of its last element), looked
/// up in a direct-mapped array when the pair space is small and in an open-addressing table
/// otherwise — no lossy hashing, no limit on orders or alphabet size. Matching then uses plain
/// arrays indexed by id; hypothesis and reference totals follow from the lengths alone.
enum CHRFCounting {
    /// No id / not alive.
    static let none: UInt32 = .max
    /// Pair spaces up to this size use a direct-mapped array.
    static let directLimit = 1 << 16

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

        var out = [Double](repeating: 0, count: references.count * width)
        out.withUnsafeMutableBufferPointer { out in
            if metric.charOrder > 0 {
                // Character stream (whitespace removed unless asked to keep it) as dense ids.
                var interner = CodePointInterner(capacity: cps.count)
                defer { interner.release() }
                var chars: [UInt32] = []
                chars.reserveCapacity(cps.count)
                var charStart: [Int] = [0]
                charStart.reserveCapacity(textCount + 1)
                for t in 0..<textCount {
                    for p in cpStart[t]..<cpStart[t + 1] {
                        let c = cps[p]
                        if !metric.whitespace && PythonText.isSpace(c) { continue }
                        chars.append(interner.id(c))
                    }
                    charStart.append(chars.count)
                }
                countOrders(chars, starts: charStart, alphabet: Int(interner.count), orders: metric.charOrder,
                            firstIndex: 0, out: out, width: width)
            }
            if metric.wordOrder > 0 {
                var trie = GramTable(maxEntries: cps.count)
                defer { trie.release() }
                var words: [UInt32] = []
                var wordStart: [Int] = [0]
                wordStart.reserveCapacity(textCount + 1)
                for t in 0..<textCount {
                    appendWords(cps, cpStart[t]..<cpStart[t + 1], trie: &trie, to: &words)
                    wordStart.append(words.count)
                }
                countOrders(words, starts: wordStart, alphabet: Int(trie.count), orders: metric.wordOrder,
                            firstIndex: metric.charOrder, out: out, width: width)
            }
        }
        return out
    }

    /// Counts orders `1...orders` of the element sequences (`elements[starts[t]..<starts[t+1]]`
    /// is text `t`, text 0 the hypothesis; element ids `< alphabet`) and writes statistics order
    /// `firstIndex + n - 1` of every reference.
    private static func countOrders(
        _ elements: [UInt32], starts: [Int], alphabet: Int, orders: Int, firstIndex: Int,
        out: UnsafeMutableBufferPointer<Double>, width: Int
    ) {
        let textCount = starts.count - 1
        let positions = elements.count
        // Ids of any order are below max(positions, alphabet).
        let idSpace = max(positions, alphabet, 1)
        // Dead n-grams get the id `dead`, whose alive id is always `none`, so that building the
        // next order needs no separate test for it.
        let dead = UInt32(idSpace)
        let memorySize = 5 * idSpace + 1 + alphabet
        let memory = UnsafeMutablePointer<UInt32>.allocate(capacity: memorySize)
        defer { memory.deallocate() }
        memory.initialize(repeating: 0, count: memorySize)
        let grams = memory                           // current id per position
        let counts = memory + idSpace                // hypothesis count per id
        let used = memory + 2 * idSpace              // matches used up by one reference
        let seen = memory + 3 * idSpace              // bit 0: in hypothesis, bit 1: in some reference
        let alive = memory + 4 * idSpace             // alive id of each id of the previous order, and of `dead`
        let aliveLast = memory + 5 * idSpace + 1     // alive id of each element
        alive[idSpace] = none
        var slots: UnsafeMutablePointer<UInt32>? = nil
        var slotCapacity = 0
        var touched: [Int] = []
        touched.reserveCapacity(positions)
        defer { slots?.deallocate() }

        for p in 0..<positions { grams[p] = elements[p] }
        var gramTotal = [Int](repeating: 0, count: textCount)
        var idCount = alphabet
        var aliveElements = 0

        for n in 1...orders {
            for t in 0..<textCount { gramTotal[t] = max(0, starts[t + 1] - starts[t] - n + 1) }
            if n > 1 {
                // Ids of order n-1 that occur on both sides.
                var aliveCount = 0
                for id in 0..<idCount {
                    if seen[id] == 3 {
                        alive[id] = UInt32(aliveCount)
                        aliveCount += 1
                    } else {
                        alive[id] = none
                    }
                }
                if n == 2 {
                    for id in 0..<idCount { aliveLast[id] = alive[id] }
                    aliveElements = aliveCount
                }
                var nextCount = 0
                let pairSpace = aliveCount * aliveElements
                if pairSpace <= directLimit {
                    if slots == nil || pairSpace > slotCapacity {
                        slots?.deallocate()
                        slotCapacity = max(pairSpace, 1)
                        slots = .allocate(capacity: slotCapacity)
                        slots!.initialize(repeating: none, count: slotCapacity)
                    }
                    let slot = slots!
                    for t in 0..<textCount {
                        let s = starts[t]
                        for p in s..<(s + gramTotal[t]) {
                            let prefixAlive = alive[Int(grams[p])]
                            if prefixAlive == none || alive[Int(grams[p + 1])] == none {
                                grams[p] = dead
                                continue
                            }
                            let key = Int(prefixAlive) * aliveElements + Int(aliveLast[Int(elements[p + n - 1])])
                            var id = slot[key]
                            if id == none {
                                id = UInt32(nextCount)
                                slot[key] = id
                                touched.append(key)
                                nextCount += 1
                            }
                            grams[p] = id
                        }
                    }
                    for key in touched { slot[key] = none }
                    touched.removeAll(keepingCapacity: true)
                } else {
                    var table = GramTable(maxEntries: positions)
                    defer { table.release() }
                    for t in 0..<textCount {
                        let s = starts[t]
                        for p in s..<(s + gramTotal[t]) {
                            let prefixAlive = alive[Int(grams[p])]
                            if prefixAlive == none || alive[Int(grams[p + 1])] == none {
                                grams[p] = dead
                                continue
                            }
                            let key = UInt64(prefixAlive) << 32 | UInt64(aliveLast[Int(elements[p + n - 1])])
                            let id = table.find(key, orInsert: UInt32(nextCount))
                            if id == UInt32(nextCount) { nextCount += 1 }
                            grams[p] = id
                        }
                    }
                }
                idCount = nextCount
            }
            for id in 0..<idCount { seen[id] = 0 }
            tally(statisticsOrder: firstIndex + n - 1, starts: starts, gramTotal: gramTotal, grams: grams, dead: dead,
                  counts: counts, used: used, seen: seen, out: out, width: width)
        }
    }

    /// Writes `[hyp, ref, match]` of one order for every reference and records which ids occur
    /// on which side. `counts` and `used` are all zero on entry and on exit.
    @inline(__always)
    private static func tally(
        statisticsOrder: Int, starts: [Int], gramTotal: [Int], grams: UnsafeMutablePointer<UInt32>, dead: UInt32,
        counts: UnsafeMutablePointer<UInt32>, used: UnsafeMutablePointer<UInt32>, seen: UnsafeMutablePointer<UInt32>,
        out: UnsafeMutableBufferPointer<Double>, width: Int
    ) {
        let s0 = starts[0], m0 = gramTotal[0]
        for p in s0..<(s0 + m0) {
            let id = grams[p]
            if id == dead { continue }
            counts[Int(id)] += 1
            seen[Int(id)] |= 1
        }
        for r in 1..<starts.count - 1 {
            let s = starts[r], mr = gramTotal[r]
            var match = 0
            for p in s..<(s + mr) {
                let id = grams[p]
                if id == dead { continue }
                let i = Int(id)
                seen[i] |= 2
                if used[i] < counts[i] {
                    used[i] += 1
                    match += 1
                }
            }
            for p in s..<(s + mr) where grams[p] != dead { used[Int(grams[p])] = 0 }
            let base = (r - 1) * width + 3 * statisticsOrder
            // sacrebleu counts no hypothesis n-grams for an order the reference lacks entirely.
            out[base] = mr > 0 ? Double(m0) : 0
            out[base + 1] = Double(mr)
            out[base + 2] = Double(match)
        }
        for p in s0..<(s0 + m0) where grams[p] != dead { counts[Int(grams[p])] = 0 }
    }

    /// Appends the code points of `text`, lowercased with Python's `str.lower()` when asked.
    private static func appendCodePoints(_ text: String, lowercase: Bool, to cps: inout [UInt32]) {
        var ascii = true
        for b in text.utf8 where b >= 0x80 { ascii = false; break }
        if ascii {
            if lowercase {
                for b in text.utf8 { cps.append(UInt32((b >= 0x41 && b <= 0x5A) ? b + 32 : b)) }
            } else {
                for b in text.utf8 { cps.append(UInt32(b)) }
            }
        } else if lowercase {
            cps.append(contentsOf: PythonText.lower(PythonText.codePoints(text)))
        } else {
            for u in text.unicodeScalars { cps.append(u.value) }
        }
    }

    /// `string.punctuation`, which chrF++ splits off the ends of words.
    @inline(__always)
    static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)
    }

    /// sacrebleu's `_remove_punctuation`: whitespace-split words, each word longer than one code
    /// point loses at most one punctuation mark (the last one, else the first) as its own token.
    /// Appends one id per token.
    private static func appendWords(
        _ cps: [UInt32], _ range: Range<Int>, trie: inout GramTable, to words: inout [UInt32]
    ) {
        var p = range.lowerBound
        let end = range.upperBound
        while p < end {
            if PythonText.isSpace(cps[p]) { p += 1; continue }
            var q = p + 1
            while q < end && !PythonText.isSpace(cps[q]) { q += 1 }
            if q - p == 1 {
                words.append(wordID(cps, p..<q, &trie))
            } else if isASCIIPunctuation(cps[q - 1]) {
                words.append(wordID(cps, p..<(q - 1), &trie))
                words.append(wordID(cps, (q - 1)..<q, &trie))
            } else if isASCIIPunctuation(cps[p]) {
                words.append(wordID(cps, p..<(p + 1), &trie))
                words.append(wordID(cps, (p + 1)..<q, &trie))
            } else {
                words.append(wordID(cps, p..<q, &trie))
            }
            p = q
        }
    }

    /// A word's id: its node in a code-point trie (nodes are numbered densely as created).
    @inline(__always)
    private static func wordID(_ cps: [UInt32], _ range: Range<Int>, _ trie: inout GramTable) -> UInt32 {
        var node = none
        for p in range {
            let next = trie.count
            node = trie.find(UInt64(node) << 32 | UInt64(cps[p]), orInsert: next)
        }
        return node
    }
}

extension CHRFCounting {
    /// Dense ids for code points: a direct table for ASCII, a hash table for the rest.
    struct CodePointInterner {
        private var ascii: [UInt32] = [UInt32](repeating: CHRFCounting.none, count: 128)
        private var others: GramTable?
        private let capacity: Int
        private(set) var count: UInt32 = 0

        init(capacity: Int) { self.capacity = capacity }

        mutating func id(_ c: UInt32) -> UInt32 {
            if c < 128 {
                let known = ascii[Int(c)]
                if known != CHRFCounting.none { return known }
                ascii[Int(c)] = count
                count += 1
                return count - 1
            }
            if others == nil { others = GramTable(maxEntries: capacity) }
            let id = others!.find(UInt64(c), orInsert: count)
            if id == count { count += 1 }
            return id
        }

        func release() { others?.release() }
    }

    /// Open-addressing map from an exact `UInt64` key to a `UInt32` value.
    ///
    /// Owns raw memory for speed in the innermost loop; the owner calls `release()` exactly once.
    struct GramTable {
        private let keys: UnsafeMutablePointer<UInt64>
        private let values: UnsafeMutablePointer<UInt32>
        private let mask: Int
        private let shift: UInt64
        /// Number of keys stored.
        private(set) var count: UInt32 = 0

        /// A table that stays at most half full with `maxEntries` entries.
        init(maxEntries: Int) {
            precondition(maxEntries < Int(UInt32.max / 2), "segment too large for chrF n-gram ids")
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

        /// The value stored for `key`, or `value` after storing it for a new key.
        /// `UInt64.max` is reserved as the empty marker.
        @inline(__always)
        mutating func find(_ key: UInt64, orInsert value: UInt32) -> UInt32 {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let existing = keys[slot]
                if existing == key { return values[slot] }
                if existing == .max {
                    keys[slot] = key
                    values[slot] = value
                    count += 1
                    return value
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
