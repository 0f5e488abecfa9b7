#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Open-addressing map from byte strings to `Int32`, storing keys in one arena so a lookup
/// allocates nothing.
struct ByteTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    private(set) var values: [Int32] = []
    private var slots: [Int32] = []

    var count: Int { values.count }
    var byteCount: Int { arena.count }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32? {
        if slots.isEmpty { return nil }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { return nil }
            if hashes[e] == hash && equal(e, key) { return values[e] }
            s = (s + 1) & mask
        }
    }

    private func equal(_ e: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let lo = starts[e]
        if starts[e + 1] - lo != key.count { return false }
        for k in 0..<key.count where arena[lo + k] != key[k] { return false }
        return true
    }

    /// Adds a key that `find` did not find.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, value: Int32) {
        arena.append(contentsOf: key)
        starts.append(arena.count)
        hashes.append(hash)
        values.append(value)
        if values.count * 2 > slots.count {
            rehash(capacity: max(1024, slots.count * 2))
        } else {
            place(values.count - 1)
        }
    }

    private mutating func rehash(capacity: Int) {
        slots = [Int32](repeating: -1, count: capacity)
        for e in 0..<values.count { place(e) }
    }

    private mutating func place(_ e: Int) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hashes[e]) & mask
        while slots[s] >= 0 { s = (s + 1) & mask }
        slots[s] = Int32(e)
    }
}

/// Maps token bytes to ids of their final (possibly stemmed) form. Two tokens get the same id
/// exactly when their final strings are equal; stems are computed once per distinct token.
struct TokenInterner {
    let stems: Bool
    private var tokens = ByteTable()  // raw token → id of its final form
    private var forms = ByteTable()  // final form → id (only when stemming)
    private var stemBytes: [UInt8] = []

    init(stems: Bool) { self.stems = stems }

    /// Number of ids handed out so far (ids are `0..<idCount`).
    var idCount: Int { stems ? forms.count : tokens.count }

    /// Memory in use, to bound the per-thread cache.
    var footprint: Int { tokens.byteCount + forms.byteCount + 48 * (tokens.count + forms.count) }

    /// The id of a token, `-1` if the final form is not a valid token (never happens with the
    /// Porter stemmer, which cannot empty a word of four letters or more).
    @inline(__always)
    mutating func id(of token: UnsafeBufferPointer<UInt8>, ascii: Bool) -> Int32 {
        let h = ByteTable.hash(token)
        if let id = tokens.find(token, hash: h) { return id }
        let id: Int32
        if !stems {
            id = Int32(tokens.count)
        } else if ascii && token.count > 3 {
            // rouge-score stems tokens longer than three characters.
            let stemmed = PorterStemmer.stem(token.map { UInt32($0) }, originalLength: token.count)
            stemBytes.removeAll(keepingCapacity: true)
            for v in stemmed { stemBytes.append(UInt8(truncatingIfNeeded: v)) }
            id = stemBytes.isEmpty ? -1 : stemBytes.withUnsafeBufferPointer { formID($0) }
        } else {
            id = formID(token)
        }
        tokens.insert(token, hash: h, value: id)
        return id
    }

    private mutating func formID(_ form: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = ByteTable.hash(form)
        if let id = forms.find(form, hash: h) { return id }
        let id = Int32(forms.count)
        forms.insert(form, hash: h, value: id)
        return id
    }
}

/// A tokenized text: token ids plus the token ranges of its non-empty `"\n"`-lines.
struct TokenizedText {
    var ids: [Int32] = []
    /// Flat `(start, end)` pairs of the lines that have at least one token.
    var lines: [Int] = []

    var lineCount: Int { lines.count / 2 }

    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }
}

/// Everything one thread needs to score ROUGE pairs, reused from pair to pair.
struct ROUGEState {
    /// One interner per (stemming, tokenizer) configuration.
    var interners: [TokenInterner] = [
        TokenInterner(stems: false), TokenInterner(stems: true),
        TokenInterner(stems: false), TokenInterner(stems: true),
    ]
    var raw = RawTokens()
    var prediction = TokenizedText()
    var target = TokenizedText()
    // Per-pair dense ids.
    var stamp: [UInt32] = []
    var localID: [Int32] = []
    var epoch: UInt32 = 0
    var localT: [Int32] = []
    var localP: [Int32] = []
    var countT: [Int32] = []
    var countP: [Int32] = []
    var keysT: [UInt64] = []
    var keysP: [UInt64] = []
    var lcsTable: [Int32] = []
    var marks: [Bool] = []

    /// Above this, a configuration's interner is dropped and rebuilt, so a long-running process
    /// scoring endless new vocabulary keeps a bounded cache.
    static let interningBudget = 64 << 20

    static func configuration(stems: Bool, tokenizer: ROUGE.Tokenizer) -> Int {
        (stems ? 1 : 0) + (tokenizer == .unicode ? 2 : 0)
    }

    /// Drops an oversized interner. Only called between pairs, since ids of different interner
    /// generations must never meet.
    mutating func bound(_ configuration: Int) {
        if interners[configuration].footprint > ROUGEState.interningBudget {
            interners[configuration] = TokenInterner(stems: interners[configuration].stems)
        }
    }

    enum Side { case target, prediction }

    /// Tokenizes `text` into `target` or `prediction`.
    mutating func tokenize(_ text: String, tokenizer: ROUGE.Tokenizer, configuration: Int, side: Side) {
        switch tokenizer {
        case .rougeScore: ROUGETokenization.rougeScore(text, into: &raw)
        case .unicode: ROUGETokenization.unicode(text, into: &raw)
        }
        switch side {
        case .target: ROUGEState.intern(raw, interner: &interners[configuration], into: &target)
        case .prediction: ROUGEState.intern(raw, interner: &interners[configuration], into: &prediction)
        }
    }

    private static func intern(_ raw: RawTokens, interner: inout TokenInterner, into out: inout TokenizedText) {
        out.removeAll()
        var currentLine: Int32 = -1
        raw.bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            for i in 0..<raw.count {
                let end = raw.ends[i]
                let token = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = end
                let id = interner.id(of: token, ascii: raw.ascii[i])
                if id < 0 { continue }
                if raw.lines[i] != currentLine {
                    if !out.lines.isEmpty { out.lines.append(out.ids.count) }
                    out.lines.append(out.ids.count)
                    currentLine = raw.lines[i]
                }
                out.ids.append(id)
            }
        }
        if !out.lines.isEmpty { out.lines.append(out.ids.count) }
    }

    /// Renumbers the ids of `target` and `prediction` densely (`0..<k`) into `localT`/`localP`;
    /// returns `k`.
    mutating func densify(idCount: Int) -> Int {
        if stamp.count < idCount {
            let grown = max(idCount, stamp.count * 2, 1024)
            stamp.append(contentsOf: repeatElement(0, count: grown - stamp.count))
            localID.append(contentsOf: repeatElement(0, count: grown - localID.count))
        }
        if epoch == UInt32.max {
            for i in stamp.indices { stamp[i] = 0 }
            epoch = 0
        }
        epoch += 1
        var k: Int32 = 0
        localT.removeAll(keepingCapacity: true)
        localP.removeAll(keepingCapacity: true)
        for id in target.ids {
            let g = Int(id)
            if stamp[g] != epoch { stamp[g] = epoch; localID[g] = k; k += 1 }
            localT.append(localID[g])
        }
        for id in prediction.ids {
            let g = Int(id)
            if stamp[g] != epoch { stamp[g] = epoch; localID[g] = k; k += 1 }
            localP.append(localID[g])
        }
        return Int(k)
    }

    /// All requested scores of the current `target`/`prediction` pair, in `types` order.
    mutating func scorePair(types: [ROUGE.RougeType], idCount: Int, into out: inout [PRF]) {
        let k = densify(idCount: idCount)
        out.removeAll(keepingCapacity: true)
        var lcs = -1
        for type in types {
            switch type {
            case .rouge1: out.append(unigramScore(k))
            case .rouge2: out.append(bigramScore())
            case .rougeL:
                if lcs < 0 { lcs = lcsLength() }
                out.append(lcsScore(lcs))
            case .rougeLsum:
                if target.lineCount == 1 && prediction.lineCount == 1 {
                    // One line on each side: the union LCS is the LCS itself, and every one of its
                    // tokens is still in both pools, so ROUGE-Lsum equals ROUGE-L.
                    if lcs < 0 { lcs = lcsLength() }
                    out.append(lcsScore(lcs))
                } else {
                    out.append(summaryLCSScore(k))
                }
            }
        }
    }

    private mutating func unigramScore(_ k: Int) -> PRF {
        countT.removeAll(keepingCapacity: true)
        countP.removeAll(keepingCapacity: true)
        countT.append(contentsOf: repeatElement(0, count: k))
        countP.append(contentsOf: repeatElement(0, count: k))
        for t in localT { countT[Int(t)] += 1 }
        for t in localP { countP[Int(t)] += 1 }
        var overlap = 0
        for x in 0..<k { overlap += Int(min(countT[x], countP[x])) }
        return PRF.ngram(overlap: overlap, targetCount: localT.count, predictionCount: localP.count)
    }

    private mutating func bigramScore() -> PRF {
        keysT.removeAll(keepingCapacity: true)
        keysP.removeAll(keepingCapacity: true)
        if localT.count >= 2 {
            for i in 1..<localT.count { keysT.append(UInt64(UInt32(localT[i - 1])) << 32 | UInt64(UInt32(localT[i]))) }
        }
        if localP.count >= 2 {
            for i in 1..<localP.count { keysP.append(UInt64(UInt32(localP[i - 1])) << 32 | UInt64(UInt32(localP[i]))) }
        }
        keysT.sort()
        keysP.sort()
        // Σ over distinct target bigrams of min(target count, prediction count), by merging runs.
        var overlap = 0
        var i = 0
        var j = 0
        while i < keysT.count && j < keysP.count {
            let a = keysT[i]
            let b = keysP[j]
            if a < b {
                i += 1
            } else if b < a {
                j += 1
            } else {
                var ci = 0
                while i < keysT.count && keysT[i] == a { ci += 1; i += 1 }
                var cj = 0
                while j < keysP.count && keysP[j] == a { cj += 1; j += 1 }
                overlap += min(ci, cj)
            }
        }
        return PRF.ngram(overlap: overlap, targetCount: keysT.count, predictionCount: keysP.count)
    }

    /// LCS length of the whole token lists with one reused row.
    private mutating func lcsLength() -> Int {
        ROUGEState.lcsLength(localT, localP, row: &lcsTable)
    }

    private static func lcsLength(_ a: [Int32], _ b: [Int32], row: inout [Int32]) -> Int {
        let n = b.count
        if a.isEmpty || n == 0 { return 0 }
        row.removeAll(keepingCapacity: true)
        row.append(contentsOf: repeatElement(0, count: n + 1))
        row.withUnsafeMutableBufferPointer { row in
            b.withUnsafeBufferPointer { p in
                for t in a {
                    var diagonal: Int32 = 0
                    for j in 1...n {
                        let up = row[j]
                        row[j] = t == p[j - 1] ? diagonal + 1 : max(up, row[j - 1])
                        diagonal = up
                    }
                }
            }
        }
        return Int(row[n])
    }

    private func lcsScore(_ lcs: Int) -> PRF {
        if localT.isEmpty || localP.isEmpty { return .zero }
        let precision = Double(lcs) / Double(localP.count)
        let recall = Double(lcs) / Double(localT.count)
        return PRF(precision: precision, recall: recall, fmeasure: PRF.fmeasure(precision, recall))
    }

    /// rouge-score's summary-level LCS: per target line, the union of the back-tracked LCS
    /// positions against every prediction line; a token hits while both token pools still hold it.
    private mutating func summaryLCSScore(_ k: Int) -> PRF {
        let m = localT.count
        let n = localP.count
        if target.lineCount == 0 || prediction.lineCount == 0 || m == 0 || n == 0 { return .zero }
        countT.removeAll(keepingCapacity: true)
        countP.removeAll(keepingCapacity: true)
        countT.append(contentsOf: repeatElement(0, count: k))
        countP.append(contentsOf: repeatElement(0, count: k))
        for t in localT { countT[Int(t)] += 1 }
        for t in localP { countP[Int(t)] += 1 }
        var hits = 0
        for r in 0..<target.lineCount {
            let rLo = target.lines[2 * r]
            let rLen = target.lines[2 * r + 1] - rLo
            marks.removeAll(keepingCapacity: true)
            marks.append(contentsOf: repeatElement(false, count: rLen))
            for c in 0..<prediction.lineCount {
                let cLo = prediction.lines[2 * c]
                let cLen = prediction.lines[2 * c + 1] - cLo
                ROUGEState.markLCS(
                    localT[rLo..<(rLo + rLen)], localP[cLo..<(cLo + cLen)], table: &lcsTable, marks: &marks)
            }
            for idx in 0..<rLen where marks[idx] {
                let t = Int(localT[rLo + idx])
                if countP[t] > 0 && countT[t] > 0 {
                    hits += 1
                    countP[t] -= 1
                    countT[t] -= 1
                }
            }
        }
        let recall = Double(hits) / Double(m)
        let precision = Double(hits) / Double(n)
        return PRF(precision: precision, recall: recall, fmeasure: PRF.fmeasure(precision, recall))
    }

    /// Fills the full LCS table of one target line against one prediction line and marks the
    /// target positions of the LCS that rouge-score's back-tracking picks.
    private static func markLCS(
        _ ref: ArraySlice<Int32>, _ can: ArraySlice<Int32>, table: inout [Int32], marks: inout [Bool]
    ) {
        let rows = ref.count
        let cols = can.count
        let width = cols + 1
        table.removeAll(keepingCapacity: true)
        table.append(contentsOf: repeatElement(0, count: (rows + 1) * width))
        table.withUnsafeMutableBufferPointer { t in
            ref.withUnsafeBufferPointer { ref in
                can.withUnsafeBufferPointer { can in
                    for i in 1...rows {
                        let r = ref[i - 1]
                        for j in 1...cols {
                            t[i * width + j] = r == can[j - 1]
                                ? t[(i - 1) * width + j - 1] + 1
                                : max(t[(i - 1) * width + j], t[i * width + j - 1])
                        }
                    }
                    var i = rows
                    var j = cols
                    while i > 0 && j > 0 {
                        if ref[i - 1] == can[j - 1] {
                            marks[i - 1] = true
                            i -= 1
                            j -= 1
                        } else if t[i * width + j - 1] > t[(i - 1) * width + j] {
                            j -= 1
                        } else {
                            i -= 1
                        }
                    }
                }
            }
        }
    }
}

/// The per-thread home of a ``ROUGEState``: ROUGE segments are scored through the shared engine,
/// which calls a stateless function per segment, so buffers and the stem cache live with the
/// thread instead (never shared, so no locking).
final class ROUGEWorkspace {
    private var state = ROUGEState()

    func withState<R>(_ body: (inout ROUGEState) -> R) -> R { body(&state) }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { pointer in
            let p: UnsafeMutableRawPointer? = pointer
            if let p { Unmanaged<ROUGEWorkspace>.fromOpaque(p).release() }
        }
        precondition(rc == 0, "pthread_key_create failed")
        return key
    }()

    /// This thread's workspace.
    static var current: ROUGEWorkspace {
        if let p = pthread_getspecific(key) {
            return Unmanaged<ROUGEWorkspace>.fromOpaque(p).takeUnretainedValue()
        }
        let workspace = ROUGEWorkspace()
        pthread_setspecific(key, Unmanaged.passRetained(workspace).toOpaque())
        return workspace
    }
}
