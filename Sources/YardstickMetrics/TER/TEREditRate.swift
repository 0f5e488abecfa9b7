extension TER {
    /// The tercom edit count of sacrebleu's `lib_ter.py`: greedy block shifts chosen with
    /// tercom's ranking, scored by a beam-limited edit distance.
    ///
    /// Scores match sacrebleu only when every step matches, including the beam (it can make the
    /// distance larger than the true Levenshtein distance), the order in which shift candidates
    /// are enumerated, the cap on evaluated candidates and the ranking of equally good shifts.
    enum EditRate {
        static let maxShiftSize = 10
        static let maxShiftDistance = 50
        static let beamWidth = 25
        static let maxShiftCandidates = 1000

        /// Edits turning `hypothesis` into `reference` (shifts count 1 each), and the reference
        /// length. Words are compared by id.
        static func compute(hypothesis: [Int32], reference: [Int32]) -> (edits: Int, referenceLength: Int) {
            if reference.isEmpty { return (hypothesis.count, 0) }
            var distance = BeamEditDistance(reference: reference, hypothesisLength: hypothesis.count)
            var shifts = 0
            var words = hypothesis
            var checked = 0
            while true {
                let (delta, shifted) = bestShift(words, reference, &distance, &checked)
                // The candidate cap is tested before the gain: a shift found in the call that
                // reached the cap is discarded.
                if checked >= maxShiftCandidates { break }
                if delta <= 0 { break }
                shifts += 1
                words = shifted
            }
            return (shifts + distance.setBase(words), reference.count)
        }

        /// sacrebleu's `_shift`: the shift that reduces the edit distance most, ranked by
        /// (gain, length, earliest start, earliest target).
        static func bestShift(
            _ words: [Int32], _ reference: [Int32], _ distance: inout BeamEditDistance, _ checked: inout Int
        ) -> (delta: Int, words: [Int32]) {
            let nH = words.count, nR = reference.count
            let preScore = distance.setBase(words)
            let alignment = distance.baseAlignment()

            var best: (delta: Int, length: Int, negStart: Int, negTarget: Int)? = nil
            var bestWords = words
            var shifted = [Int32](repeating: 0, count: nH)

            search: for startH in 0..<nH {
                for startR in 0..<nR {
                    if abs(startR - startH) > maxShiftDistance { continue }
                    var length = 0
                    while length < maxShiftSize && words[startH + length] == reference[startR + length] {
                        length += 1
                        if considerShift(startH, startR, length) { break search }
                        // One sequence consumed: no longer match from this pair of starts.
                        if nH == startH + length || nR == startR + length { break }
                    }
                }
            }

            /// Evaluates the targets of one matching block; true once the candidate cap is reached.
            func considerShift(_ startH: Int, _ startR: Int, _ length: Int) -> Bool {
                // Only shift words that are wrong to where the reference is not yet matched.
                if alignment.hypErrors(startH, startH + length) == 0 { return false }
                if alignment.refErrors(startR, startR + length) == 0 { return false }
                // Not within the block itself.
                let aligned = alignment.align[startR]
                if startH <= aligned && aligned < startH + length { return false }

                var previousTarget = -1
                for offset in -1..<length {
                    let target: Int
                    if startR + offset == -1 {
                        target = 0
                    } else if startR + offset >= 0 && startR + offset < nR {
                        // Inserted before the aligned position (tercom inserts after it).
                        target = alignment.align[startR + offset] + 1
                    } else {
                        break
                    }
                    if target == previousTarget { continue }
                    previousTarget = target
                    performShift(words, startH, length, target, into: &shifted)
                    let candidate = (preScore - distance.cost(of: shifted), length, -startH, -target)
                    checked += 1
                    if best == nil || candidate > best! {
                        best = candidate
                        bestWords = shifted
                    }
                }
                return checked >= maxShiftCandidates
            }

            guard let found = best else { return (0, words) }
            return (found.delta, bestWords)
        }

        /// sacrebleu's `_perform_shift`, with Python's clipping of slice bounds.
        static func performShift(_ w: [Int32], _ start: Int, _ length: Int, _ target: Int, into out: inout [Int32]) {
            let n = w.count
            var k = 0
            func copy(_ a: Int, _ b: Int) {
                let lo = min(max(a, 0), n), hi = min(max(b, 0), n)
                var i = lo
                while i < hi {
                    out[k] = w[i]
                    k += 1
                    i += 1
                }
            }
            if target < start {
                copy(0, target); copy(start, start + length); copy(target, start); copy(start + length, n)
            } else if target > start + length {
                copy(0, start); copy(start + length, target); copy(start, start + length); copy(target, n)
            } else {
                copy(0, start); copy(start + length, length + target); copy(start, start + length)
                copy(length + target, n)
            }
            precondition(k == n, "a shift keeps the number of words")
        }
    }

    /// Error positions and alignment read off the flipped edit trace (sacrebleu's
    /// `trace_to_alignment(_flip_trace(trace))`).
    struct Alignment {
        /// For each reference position, the hypothesis position it is aligned to (-1 before the
        /// first hypothesis word).
        var align: [Int]
        /// Prefix sums of the error flags, so a block's error count is one subtraction.
        var refErrorPrefix: [Int]
        var hypErrorPrefix: [Int]

        func refErrors(_ a: Int, _ b: Int) -> Int { refErrorPrefix[b] - refErrorPrefix[a] }
        func hypErrors(_ a: Int, _ b: Int) -> Int { hypErrorPrefix[b] - hypErrorPrefix[a] }
    }

    /// sacrebleu's `BeamEditDistance` for one reference and one hypothesis length.
    ///
    /// Only a band of cells around the length-scaled diagonal is computed; the others stay
    /// "infinite". A row depends only on the hypothesis prefix above it (every hypothesis
    /// scored here has the same length, so the band is the same), which is what sacrebleu's
    /// prefix cache exploits; here the rows of the current base hypothesis are reused for every
    /// candidate that shares a prefix with it, which gives the same numbers.
    struct BeamEditDistance {
        static let infinity = 10_000_000_000_000_000
        static let opNone: UInt8 = 0, opSubstitute: UInt8 = 1, opInsert: UInt8 = 2, opDelete: UInt8 = 3,
                   opUndefined: UInt8 = 4

        let reference: [Int32]
        let nRef: Int
        let nHyp: Int
        let minJ: [Int]
        let maxJ: [Int]
        /// Full matrix of the base hypothesis, row-major, `(nHyp + 1) × (nRef + 1)`.
        var cost: [Int]
        var op: [UInt8]
        var baseWords: [Int32] = []
        var hasBase = false
        /// Two rolling rows for candidates.
        var rowA: [Int]
        var rowB: [Int]

        init(reference: [Int32], hypothesisLength: Int) {
            self.reference = reference
            nRef = reference.count
            nHyp = hypothesisLength
            let ratio = nHyp > 0 ? Double(nRef) / Double(nHyp) : 1
            // Very unequal lengths widen the beam so that consecutive rows still overlap.
            let beam = Double(EditRate.beamWidth) < ratio / 2
                ? Int((ratio / 2 + Double(EditRate.beamWidth)).rounded(.up)) : EditRate.beamWidth
            var lo = [Int](repeating: 0, count: nHyp + 1)
            var hi = [Int](repeating: nRef + 1, count: nHyp + 1)
            if nHyp > 0 {
                for i in 1...nHyp {
                    let diagonal = Int((Double(i) * ratio).rounded(.down))
                    lo[i] = max(0, diagonal - beam)
                    hi[i] = i == nHyp ? nRef + 1 : min(nRef + 1, diagonal + beam)
                }
            }
            minJ = lo
            maxJ = hi
            let width = nRef + 1
            cost = [Int](repeating: Self.infinity, count: (nHyp + 1) * width)
            op = [UInt8](repeating: Self.opUndefined, count: (nHyp + 1) * width)
            // Row 0: the reference prefix is inserted.
            for j in 0...nRef {
                cost[j] = j
                op[j] = Self.opInsert
            }
            rowA = [Int](repeating: Self.infinity, count: width)
            rowB = [Int](repeating: Self.infinity, count: width)
        }

        /// Makes `words` the base hypothesis and returns its edit distance.
        mutating func setBase(_ words: [Int32]) -> Int {
            precondition(words.count == nHyp)
            let width = nRef + 1
            let p = hasBase ? commonPrefix(words, baseWords) : 0
            if p < nHyp {
                let reference = self.reference
                let minJ = self.minJ, maxJ = self.maxJ
                let nHyp = self.nHyp
                cost.withUnsafeMutableBufferPointer { c in
                    op.withUnsafeMutableBufferPointer { o in
                        for i in (p + 1)...nHyp {
                            let row = i * width
                            for j in minJ[i]..<maxJ[i] {
                                c[row + j] = Self.infinity
                                o[row + j] = Self.opUndefined
                            }
                            Self.computeRow(
                                word: words[i - 1], reference: reference, lo: minJ[i], hi: maxJ[i],
                                previous: UnsafePointer(c.baseAddress! + row - width), current: c.baseAddress! + row,
                                ops: o.baseAddress! + row)
                        }
                    }
                }
            }
            baseWords = words
            hasBase = true
            return cost[nHyp * width + nRef]
        }

        /// The edit distance of `words` (same length as the base), reusing the base's rows for
        /// the shared prefix.
        mutating func cost(of words: [Int32]) -> Int {
            let width = nRef + 1
            let p = commonPrefix(words, baseWords)
            if p == nHyp { return cost[nHyp * width + nRef] }
            let reference = self.reference
            let minJ = self.minJ, maxJ = self.maxJ
            let nHyp = self.nHyp, nRef = self.nRef
            return cost.withUnsafeBufferPointer { c in
                rowA.withUnsafeMutableBufferPointer { a in
                    rowB.withUnsafeMutableBufferPointer { b in
                        var previous = UnsafePointer(c.baseAddress! + p * width)
                        var buffers = (a.baseAddress!, b.baseAddress!)
                        // The written range of each rolling row, reset to infinity before reuse.
                        var written = ((0, 0), (0, 0))
                        for i in (p + 1)...nHyp {
                            let current = buffers.0
                            for j in written.0.0..<written.0.1 { current[j] = Self.infinity }
                            Self.computeRow(
                                word: words[i - 1], reference: reference, lo: minJ[i], hi: maxJ[i],
                                previous: previous, current: current, ops: nil)
                            written.0 = (minJ[i], maxJ[i])
                            previous = UnsafePointer(current)
                            buffers = (buffers.1, buffers.0)
                            written = (written.1, written.0)
                        }
                        let result = previous[nRef]
                        // Leave both rows all-infinite for the next call.
                        for j in written.0.0..<written.0.1 { buffers.0[j] = Self.infinity }
                        for j in written.1.0..<written.1.1 { buffers.1[j] = Self.infinity }
                        return result
                    }
                }
            }
        }

        /// One matrix row over `lo..<hi`; cells start at infinity. Ties prefer
        /// no-op/substitution, then deletion, then insertion (tercom's order after the flip).
        @inline(__always)
        static func computeRow(
            word: Int32, reference: [Int32], lo: Int, hi: Int, previous: UnsafePointer<Int>,
            current: UnsafeMutablePointer<Int>, ops: UnsafeMutablePointer<UInt8>?
        ) {
            for j in lo..<hi {
                if j == 0 {
                    current[0] = previous[0] + 1
                    ops?[0] = opDelete
                    continue
                }
                let match = word == reference[j - 1]
                var best = current[j]
                var bestOp = opUndefined
                let substitution = previous[j - 1] + (match ? 0 : 1)
                if best > substitution {
                    best = substitution
                    bestOp = match ? opNone : opSubstitute
                }
                let deletion = previous[j] + 1
                if best > deletion {
                    best = deletion
                    bestOp = opDelete
                }
                let insertion = current[j - 1] + 1
                if best > insertion {
                    best = insertion
                    bestOp = opInsert
                }
                current[j] = best
                if let ops, bestOp != opUndefined { ops[j] = bestOp }
            }
        }

        /// The trace of the base hypothesis, flipped (insertions ↔ deletions) and turned into an
        /// alignment, as sacrebleu does to "rewrite the reference into the hypothesis".
        func baseAlignment() -> Alignment {
            let width = nRef + 1
            var trace: [UInt8] = []
            trace.reserveCapacity(nHyp + nRef)
            var i = nHyp, j = nRef
            while i > 0 || j > 0 {
                let o = op[i * width + j]
                trace.append(o)
                switch o {
                case Self.opNone, Self.opSubstitute: i -= 1; j -= 1
                case Self.opInsert: j -= 1
                case Self.opDelete: i -= 1
                default: preconditionFailure("edit trace reached an uncomputed cell")
                }
            }
            var align = [Int](repeating: 0, count: nRef)
            var refPrefix = [0], hypPrefix = [0]
            refPrefix.reserveCapacity(nRef + 1)
            hypPrefix.reserveCapacity(nHyp + 1)
            var posH = -1, posR = -1
            for o in trace.reversed() {
                switch o {
                case Self.opNone, Self.opSubstitute:
                    let error = o == Self.opSubstitute ? 1 : 0
                    posH += 1; posR += 1
                    align[posR] = posH
                    hypPrefix.append(hypPrefix.last! + error)
                    refPrefix.append(refPrefix.last! + error)
                case Self.opDelete:
                    // Flipped to an insertion: a hypothesis word with no reference word.
                    posH += 1
                    hypPrefix.append(hypPrefix.last! + 1)
                default:
                    // An insertion flipped to a deletion: a reference word with no hypothesis word.
                    posR += 1
                    align[posR] = posH
                    refPrefix.append(refPrefix.last! + 1)
                }
            }
            return Alignment(align: align, refErrorPrefix: refPrefix, hypErrorPrefix: hypPrefix)
        }

        private func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
            var k = 0
            let n = min(a.count, b.count)
            while k < n && a[k] == b[k] { k += 1 }
            return k
        }
    }
}
