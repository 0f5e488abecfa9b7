import Foundation

/// BLEU (Papineni et al., 2002), bit-compatible with sacrebleu 2.6.0's `BLEU` metric.
///
/// Segment statistics are `[sys_len, ref_len, correct1…4, total1…4]` (sacrebleu's order), so
/// corpus scores, sentence scores and bootstrap resamples all go through ``score(totals:)``.
public struct BLEU: SegmentMetric {
    /// sacrebleu's built-in tokenizers; the raw value is the name used in signatures and on the
    /// command line.
    public enum Tokenizer: String, Sendable, CaseIterable {
        /// mteval-v13a (the default): ASCII punctuation split off, numbers like `1,5` kept whole.
        case thirteenA = "13a"
        /// mteval-v14 international: splits on Unicode punctuation and symbols.
        case intl
        /// Chinese: every CJK character (and sacrebleu's extra ranges) is a token, then 13a rules.
        case zh
        /// Every code point is a token.
        case char
        /// Whitespace split only.
        case none
    }

    /// How zero n-gram matches are smoothed (Chen & Cherry, 2014).
    public enum Smoothing: Sendable, Equatable {
        /// NIST geometric smoothing (mteval-v13a): the k-th zero precision becomes `1 / (2^k · total)`.
        case exp
        /// A zero match count is replaced by the given value.
        case floor(Double)
        /// The given value is added to matches and totals of orders 2 and up.
        case addK(Double)
        /// No smoothing: any zero precision gives a score of 0.
        case none

        /// A smoothing from sacrebleu's name (`"exp"`, `"floor"`, `"add-k"`, `"none"`); a `nil` value
        /// takes sacrebleu's default (0.1 for `floor`, 1 for `add-k`). The value is ignored by
        /// `exp` and `none`, as in sacrebleu.
        public init?(name: String, value: Double?) {
            switch name {
            case "exp": self = .exp
            case "floor": self = .floor(value ?? 0.1)
            case "add-k": self = .addK(value ?? 1)
            case "none": self = .none
            default: return nil
            }
        }

        /// sacrebleu's name of the method.
        public var name: String {
            switch self {
            case .exp: return "exp"
            case .floor: return "floor"
            case .addK: return "add-k"
            case .none: return "none"
            }
        }

        /// The signature field: the name, with the value as `[%.2f]` for methods that take one.
        var signatureField: String {
            switch self {
            case .exp, .none: return name
            case let .floor(v), let .addK(v): return name + "[" + String(format: "%.2f", v) + "]"
            }
        }
    }

    public typealias Score = BLEUScore

    public let tokenizer: Tokenizer
    public let lowercase: Bool
    public let smoothing: Smoothing
    /// Average the log precisions only over the orders the hypothesis is long enough for
    /// (sacrebleu's `effective_order`; on by default for its `sentence_bleu`).
    public let effectiveOrder: Bool

    /// The defaults are those of sacrebleu's `corpus_bleu`.
    public init(tokenizer: Tokenizer = .thirteenA, lowercase: Bool = false, smoothing: Smoothing = .exp,
                effectiveOrder: Bool = false) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.smoothing = smoothing
        self.effectiveOrder = effectiveOrder
    }

    /// The tokenizer's output for one segment after `rstrip()` (and `str.lower()` when
    /// ``lowercase`` is set): the string whose whitespace-separated tokens BLEU counts.
    public func tokenize(_ text: String) -> String {
        BLEUTokenization.tokenizedString(text, tokenizer: tokenizer, lowercase: lowercase)
    }

    // MARK: SegmentMetric

    public var statisticsWidth: Int { 10 }

    public func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double]) {
        BLEUSegmentStatistics.compute(hypothesis: hypothesis, references: references, tokenizer: tokenizer,
                                      lowercase: lowercase, into: &stats)
    }

    /// sacrebleu's `compute_bleu`, in its order of operations.
    public func score(totals stats: [Double]) -> BLEUScore {
        let sysLength = stats[0]
        let refLength = stats[1]
        var correct = Array(stats[2..<6])
        var total = Array(stats[6..<10])

        var bp = 1.0
        if sysLength < refLength {
            bp = sysLength > 0 ? exp(1 - refLength / sysLength) : 0.0
        }
        var precisions = [Double](repeating: 0, count: 4)
        if !correct.contains(where: { $0 != 0 }) {
            return BLEUScore(score: 0, correct: correct, total: total, precisions: precisions, bp: bp,
                             sysLength: sysLength, refLength: refLength)
        }

        var mteval = 1.0
        var effOrder = 4
        for n in 1...4 {
            if case let .addK(k) = smoothing, n > 1 {
                correct[n - 1] += k
                total[n - 1] += k
            }
            if total[n - 1] == 0 { break }
            if effectiveOrder { effOrder = n }
            if correct[n - 1] == 0 {
                switch smoothing {
                case .exp:
                    mteval *= 2
                    precisions[n - 1] = 100.0 / (mteval * total[n - 1])
                case let .floor(value):
                    precisions[n - 1] = 100.0 * value / total[n - 1]
                case .addK, .none:
                    break
                }
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
            }
        }
        var logSum = 0.0
        for p in precisions[0..<effOrder] { logSum += p == 0 ? -9_999_999_999 : log(p) }
        let score = bp * exp(logSum / Double(effOrder))
        return BLEUScore(score: score, correct: correct, total: total, precisions: precisions, bp: bp,
                         sysLength: sysLength, refLength: refLength)
    }

    public func headline(_ score: BLEUScore) -> Double { score.score }

    /// `nrefs:<n>|case:mixed|eff:no|tok:13a|smooth:exp|version:…`; a negative count means the
    /// number of references varies (`nrefs:var`).
    public func signature(referenceCount: Int) -> String {
        let nrefs = referenceCount < 0 ? "var" : String(referenceCount)
        return "nrefs:\(nrefs)|case:\(lowercase ? "lc" : "mixed")|eff:\(effectiveOrder ? "yes" : "no")"
            + "|tok:\(tokenizer.rawValue)|smooth:\(smoothing.signatureField)|version:\(Yardstick.signatureVersion)"
    }
}

/// A BLEU result with sacrebleu's fields.
public struct BLEUScore: Sendable, Equatable {
    /// BLEU on a 0–100 scale.
    public var score: Double
    /// Matching n-grams per order 1…4 (with `add-k`, orders 2–4 include k, as sacrebleu reports them).
    public var counts: [Int]
    /// Hypothesis n-grams per order 1…4 (with `add-k`, orders 2–4 include k).
    public var totals: [Int]
    /// n-gram precisions in percent (smoothed where the method applies).
    public var precisions: [Double]
    /// Brevity penalty.
    public var bp: Double
    public var sysLen: Int
    public var refLen: Int
    /// `sysLen / refLen`, 0 when `refLen` is 0.
    public var ratio: Double

    public init(score: Double, counts: [Int], totals: [Int], precisions: [Double], bp: Double,
                sysLen: Int, refLen: Int, ratio: Double) {
        self.score = score
        self.counts = counts
        self.totals = totals
        self.precisions = precisions
        self.bp = bp
        self.sysLen = sysLen
        self.refLen = refLen
        self.ratio = ratio
    }

    init(score: Double, correct: [Double], total: [Double], precisions: [Double], bp: Double,
         sysLength: Double, refLength: Double) {
        self.init(score: score, counts: correct.map { Int($0) }, totals: total.map { Int($0) },
                  precisions: precisions, bp: bp, sysLen: Int(sysLength), refLen: Int(refLength),
                  ratio: refLength != 0 ? sysLength / refLength : 0)
    }

    /// sacrebleu's `format()`:
    /// `BLEU = 42.92 62.5/45.9/37.9/31.2 (BP = 1.000 ratio = 1.003 hyp_len = 2176 ref_len = 2169)`.
    public func formatted() -> String {
        let precisionText = precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
        return "BLEU = " + String(format: "%.2f", score) + " " + precisionText
            + " (BP = " + String(format: "%.3f", bp) + " ratio = " + String(format: "%.3f", ratio)
            + " hyp_len = \(sysLen) ref_len = \(refLen))"
    }
}
