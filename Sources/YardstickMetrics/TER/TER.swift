import Foundation

/// Translation edit rate (Snover et al. 2006), bit-compatible with sacrebleu 2.6.0's `TER`.
///
/// Each segment contributes `[edits, reference length]`: the fewest tercom edits over its
/// references and the *average* reference length, so the corpus score is
/// `100 · Σ edits / Σ average length`.
public struct TER: SegmentMetric {
    /// Tercom normalisation: entities, end-of-line hyphenation, punctuation tokenisation.
    public let normalized: Bool
    /// Remove `. , ? : ; ! " ( )` (and CJK punctuation with `asianSupport`).
    public let noPunct: Bool
    /// CJK handling in `normalized` / `noPunct`; no effect on its own.
    public let asianSupport: Bool
    /// Compare without lowercasing.
    public let caseSensitive: Bool

    public typealias Score = TERScore

    private let tokenizer: Tokenizer

    /// Creates a TER metric; the defaults are sacrebleu's `TER()`.
    public init(normalized: Bool = false, noPunct: Bool = false, asianSupport: Bool = false, caseSensitive: Bool = false) {
        self.normalized = normalized
        self.noPunct = noPunct
        self.asianSupport = asianSupport
        self.caseSensitive = caseSensitive
        tokenizer = Tokenizer(
            normalized: normalized, noPunct: noPunct, asianSupport: asianSupport, caseSensitive: caseSensitive)
    }

    public var statisticsWidth: Int { 2 }

    public func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double]) {
        guard !references.isEmpty else { return }
        // Words are compared by id; ids are shared by the hypothesis and all references.
        var ids: [ArraySlice<UInt32>: Int32] = [:]
        func intern(_ words: [ArraySlice<UInt32>]) -> [Int32] {
            words.map { w in
                if let id = ids[w] { return id }
                let id = Int32(ids.count)
                ids[w] = id
                return id
            }
        }
        let hyp = intern(tokenizer.words(hypothesis))
        var best = Int.max
        var lengths = 0
        for reference in references {
            let result = EditRate.compute(hypothesis: hyp, reference: intern(tokenizer.referenceWords(reference)))
            lengths += result.referenceLength
            if result.edits < best { best = result.edits }
        }
        stats[0] = Double(best)
        stats[1] = Double(lengths) / Double(references.count)
    }

    public func score(totals: [Double]) -> TERScore {
        let edits = totals[0], length = totals[1]
        let rate: Double
        if length > 0 {
            rate = edits / length
        } else {
            // Empty references: any edit is a full error.
            rate = edits > 0 ? 1 : 0
        }
        return TERScore(score: 100 * rate, numEdits: edits, refLength: length)
    }

    public func headline(_ score: TERScore) -> Double { score.score }

    public func signature(referenceCount: Int) -> String {
        let nrefs = referenceCount < 0 ? "var" : String(referenceCount)
        return "nrefs:\(nrefs)|case:\(caseSensitive ? "mixed" : "lc")|tok:tercom"
            + "|norm:\(normalized ? "yes" : "no")|punct:\(noPunct ? "no" : "yes")|asian:\(asianSupport ? "yes" : "no")"
            + "|version:\(Yardstick.signatureVersion)"
    }
}

/// A TER result (lower is better).
public struct TERScore: Sendable, Equatable {
    /// `100 · numEdits / refLength`.
    public var score: Double
    /// Total edits (an integer count).
    public var numEdits: Double
    /// Sum over segments of the average reference length.
    public var refLength: Double

    public init(score: Double, numEdits: Double, refLength: Double) {
        self.score = score
        self.numEdits = numEdits
        self.refLength = refLength
    }

    /// sacrebleu's `score.format()`: `TER = 47.11`.
    public func formatted() -> String { "TER = \(String(format: "%.2f", score))" }
}
