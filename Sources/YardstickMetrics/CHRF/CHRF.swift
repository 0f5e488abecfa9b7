import Foundation

/// chrF and chrF++ (Popović 2015, 2017), bit-compatible with sacrebleu 2.6.0's `CHRF`.
///
/// Each segment contributes `3 · (charOrder + wordOrder)` statistics, `[hyp, ref, match]` per
/// order: character orders `1...charOrder` first, then word orders `1...wordOrder` — the same
/// layout as sacrebleu, so corpus sums and resampled scores agree with it.
public struct CHRF: SegmentMetric {
    /// Longest character n-gram (sacrebleu default 6).
    public let charOrder: Int
    /// Longest word n-gram; 0 is chrF, 2 is chrF++.
    public let wordOrder: Int
    /// Weight of recall relative to precision.
    public let beta: Int
    /// Compare with Python `str.lower()` applied to hypotheses and references.
    public let lowercase: Bool
    /// Keep whitespace inside character n-grams instead of removing it first.
    public let whitespace: Bool
    /// chrF++.py-style epsilon smoothing instead of sacrebleu's effective-order averaging.
    public let epsSmoothing: Bool

    public typealias Score = CHRFScore

    /// Creates a chrF metric; the defaults are sacrebleu's `CHRF()` (chrF2).
    ///
    /// `charOrder + wordOrder` must be positive: with no orders there is nothing to score.
    public init(
        charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
        whitespace: Bool = false, epsSmoothing: Bool = false
    ) {
        precondition(charOrder >= 0 && wordOrder >= 0 && charOrder + wordOrder > 0,
                     "chrF needs at least one character or word order")
        self.charOrder = charOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.epsSmoothing = epsSmoothing
    }

    public var statisticsWidth: Int { 3 * (charOrder + wordOrder) }

    /// sacrebleu's score name: `chrF<beta>` plus one `+` per word order (`chrF2++`).
    public var name: String { "chrF\(beta)" + String(repeating: "+", count: wordOrder) }

    public func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double]) {
        guard !references.isEmpty else { return }
        let perReference = CHRFCounting.perReferenceStatistics(self, hypothesis: hypothesis, references: references)
        let width = statisticsWidth
        if references.count == 1 {
            for k in 0..<width { stats[k] = perReference[k] }
            return
        }
        // The reference with the best sentence score wins; strict `>` keeps the first on ties.
        var best = -1.0
        var bestIndex = 0
        perReference.withUnsafeBufferPointer { all in
            for r in 0..<references.count {
                let f = fScore(UnsafeBufferPointer(rebasing: all[(r * width)..<((r + 1) * width)]))
                if f > best {
                    best = f
                    bestIndex = r
                }
            }
        }
        for k in 0..<width { stats[k] = perReference[bestIndex * width + k] }
    }

    public func score(totals: [Double]) -> CHRFScore {
        let f = totals.withUnsafeBufferPointer { fScore($0) }
        return CHRFScore(name: name, score: f, stats: totals.map { Int($0) })
    }

    public func headline(_ score: CHRFScore) -> Double { score.score }

    public func signature(referenceCount: Int) -> String {
        let nrefs = referenceCount < 0 ? "var" : String(referenceCount)
        return "nrefs:\(nrefs)|case:\(lowercase ? "lc" : "mixed")|eff:\(epsSmoothing ? "no" : "yes")"
            + "|nc:\(charOrder)|nw:\(wordOrder)|space:\(whitespace ? "yes" : "no")"
            + "|version:\(Yardstick.signatureVersion)"
    }

    /// sacrebleu's `_compute_f_score`, with its exact floating-point operation order: the
    /// best-reference choice compares these values with `>`, and real near-ties differ in the
    /// last bit.
    func fScore(_ stats: UnsafeBufferPointer<Double>) -> Double {
        let order = charOrder + wordOrder
        let eps = 1e-16
        let factor = Double(beta * beta)
        let onePlusFactor = Double(1 + beta * beta)
        var smoothed = 0.0
        var effectiveOrder = 0
        var avgPrecision = 0.0
        var avgRecall = 0.0
        for i in 0..<order {
            let nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2]
            let precision = nHyp > 0 ? nMatch / nHyp : eps
            let recall = nRef > 0 ? nMatch / nRef : eps
            if epsSmoothing {
                let denominator = factor * precision + recall
                smoothed += denominator > 0 ? onePlusFactor * precision * recall / denominator : eps
            }
            if nHyp > 0 && nRef > 0 {
                avgPrecision += precision
                avgRecall += recall
                effectiveOrder += 1
            }
        }
        if epsSmoothing { return 100 * smoothed / Double(order) }
        if effectiveOrder == 0 { return 0 }
        avgPrecision /= Double(effectiveOrder)
        avgRecall /= Double(effectiveOrder)
        if avgPrecision + avgRecall == 0 { return 0 }
        var s = onePlusFactor * avgPrecision * avgRecall
        s /= factor * avgPrecision + avgRecall
        return 100 * s
    }
}

/// A chrF or chrF++ result.
public struct CHRFScore: Sendable, Equatable {
    /// `chrF2`, `chrF2++`, … (sacrebleu's naming).
    public var name: String
    /// The score, 0–100.
    public var score: Double
    /// The summed `[hyp, ref, match]` statistics per order, characters first.
    public var stats: [Int]

    public init(name: String, score: Double, stats: [Int]) {
        self.name = name
        self.score = score
        self.stats = stats
    }

    /// sacrebleu's `score.format()`: `chrF2 = 65.24`.
    public func formatted() -> String { "\(name) = \(String(format: "%.2f", score))" }
}
