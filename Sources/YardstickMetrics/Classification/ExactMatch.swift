/// Corpus result of ``ExactMatch``: fractions in [0, 1].
public struct ExactMatchScore: Sendable, Equatable {
    /// Share of segments whose normalised hypothesis equals a normalised reference.
    public var exactMatch: Double
    /// Mean over segments of the best token F1 against any reference.
    public var f1: Double
    /// Number of segments.
    public var count: Int

    public init(exactMatch: Double, f1: Double, count: Int) {
        self.exactMatch = exactMatch
        self.f1 = f1
        self.count = count
    }
}

/// Exact match and SQuAD-style token F1 of free-text answers against one or more references.
///
/// Each segment contributes `[1, exact match (0 or 1), token F1]`, both maxima over its
/// references. Token F1 splits the normalised texts on whitespace and scores the common-token
/// multiset: `P = common/|hyp|`, `R = common/|ref|`, `F1 = 2PR/(P+R)`; two empty token lists score
/// 1 and one empty list 0 (SQuAD v2's rule). With ``Normalization/squad`` this is the SQuAD
/// evaluation (up to the wider punctuation set described there).
public struct ExactMatch: SegmentMetric, BootstrapScoring {
    public typealias Score = ExactMatchScore

    /// Text normalisation applied to hypotheses and references before comparing them, in SQuAD's
    /// order: lowercase, punctuation, articles, whitespace.
    public struct Normalization: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Python's `str.lower()` (full Unicode mapping).
        public static let lowercase = Normalization(rawValue: 1 << 0)
        /// Collapse whitespace runs to one space and trim (`" ".join(s.split())`).
        public static let whitespace = Normalization(rawValue: 1 << 1)
        /// Delete punctuation: every code point of a Unicode punctuation category (P*, Unicode 14)
        /// and every ASCII character of Python's `string.punctuation`, which includes the symbols
        /// `$ + < = > ^ ` | ~` that SQuAD strips too. SQuAD itself keeps non-ASCII punctuation.
        public static let punctuation = Normalization(rawValue: 1 << 2)
        /// Replace the whole words `a`, `an`, `the` by a space (case-sensitive, so usually
        /// combined with `lowercase`; words are runs of letters, digits and `_`, as regex `\w`).
        public static let articles = Normalization(rawValue: 1 << 3)
        /// SQuAD's `normalize_answer`: all four.
        public static let squad: Normalization = [.lowercase, .whitespace, .punctuation, .articles]
    }

    public let normalization: Normalization

    public init(normalization: Normalization = []) {
        self.normalization = normalization
    }

    public var statisticsWidth: Int { 3 }

    /// `text` after this metric's normalisation.
    public func normalize(_ text: String) -> String {
        PythonText.string(normalizedCodePoints(text))
    }

    public func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double]) {
        stats[0] = 1
        let hyp = normalizedCodePoints(hypothesis)
        let hypTokens = TokenBag(hyp)
        var exact = false
        var bestF1 = 0.0
        for reference in references {
            let ref = normalizedCodePoints(reference)
            if ref == hyp { exact = true }
            bestF1 = max(bestF1, hypTokens.f1(against: ref))
        }
        stats[1] = exact ? 1 : 0
        stats[2] = bestF1
    }

    public func score(totals: [Double]) -> ExactMatchScore {
        let count = totals[0]
        guard count > 0 else { return ExactMatchScore(exactMatch: 0, f1: 0, count: 0) }
        return ExactMatchScore(exactMatch: totals[1] / count, f1: totals[2] / count, count: Int(count))
    }

    /// Exact match.
    public func headline(_ score: ExactMatchScore) -> Double { score.exactMatch }

    /// Mean token F1 of summed rows: pass as the `score` of the ``Significance`` functions to test
    /// F1 instead of exact match.
    public func f1(totals: [Double]) -> Double { score(totals: totals).f1 }

    public func signature(referenceCount: Int) -> String {
        "nrefs:\(referenceCount)|norm:\(normalizationName)|version:\(Yardstick.signatureVersion)"
    }

    private var normalizationName: String {
        if normalization == .squad { return "squad" }
        let names: [(Normalization, String)] = [
            (.lowercase, "lc"), (.punctuation, "punct"), (.articles, "articles"), (.whitespace, "ws"),
        ]
        let parts = names.filter { normalization.contains($0.0) }.map(\.1)
        return parts.isEmpty ? "none" : parts.joined(separator: "+")
    }

    func normalizedCodePoints(_ text: String) -> [UInt32] {
        var cps = PythonText.codePoints(text)
        if normalization.contains(.lowercase) { cps = PythonText.lower(cps) }
        if normalization.contains(.punctuation) { cps.removeAll(where: Self.isPunctuation) }
        if normalization.contains(.articles) { cps = Self.removingArticles(cps) }
        if normalization.contains(.whitespace) {
            var out: [UInt32] = []
            out.reserveCapacity(cps.count)
            for range in PythonText.splitRanges(cps) {
                if !out.isEmpty { out.append(0x20) }
                out.append(contentsOf: cps[range])
            }
            cps = out
        }
        return cps
    }

    static func isPunctuation(_ v: UInt32) -> Bool {
        if v < 0x80 {
            // string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
            return (v >= 0x21 && v <= 0x2F) || (v >= 0x3A && v <= 0x40) || (v >= 0x5B && v <= 0x60)
                || (v >= 0x7B && v <= 0x7E)
        }
        guard let s = Unicode.Scalar(v), PythonText.isKnown(s) else { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Python regex `\w` on `str`: letters, digits and other numbers, and `_`.
    static func isWordCharacter(_ v: UInt32) -> Bool {
        if v < 0x80 {
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        guard let s = Unicode.Scalar(v), PythonText.isKnown(s) else { return false }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// `re.sub(r"\b(a|an|the)\b", " ", text)`: an article can only match a whole word run.
    static func removingArticles(_ cps: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(cps.count)
        var i = 0
        while i < cps.count {
            guard isWordCharacter(cps[i]) else {
                out.append(cps[i])
                i += 1
                continue
            }
            var end = i
            while end < cps.count && isWordCharacter(cps[end]) { end += 1 }
            let word = cps[i..<end]
            if word.elementsEqual([0x61]) || word.elementsEqual([0x61, 0x6E])
                || word.elementsEqual([0x74, 0x68, 0x65])
            {
                out.append(0x20)
            } else {
                out.append(contentsOf: word)
            }
            i = end
        }
        return out
    }
}

/// Whitespace tokens of a normalised hypothesis, counted once and matched against references.
private struct TokenBag {
    let counts: [[UInt32]: Int]
    let size: Int

    init(_ cps: [UInt32]) {
        var counts: [[UInt32]: Int] = [:]
        let ranges = PythonText.splitRanges(cps)
        for r in ranges { counts[Array(cps[r]), default: 0] += 1 }
        self.counts = counts
        size = ranges.count
    }

    /// SQuAD token F1 of these tokens against the tokens of `reference`.
    func f1(against reference: [UInt32]) -> Double {
        let ranges = PythonText.splitRanges(reference)
        if size == 0 || ranges.isEmpty { return size == ranges.count ? 1 : 0 }
        var remaining = counts
        var common = 0
        for r in ranges {
            let token = Array(reference[r])
            if let c = remaining[token], c > 0 {
                remaining[token] = c - 1
                common += 1
            }
        }
        if common == 0 { return 0 }
        let precision = 1.0 * Double(common) / Double(size)
        let recall = 1.0 * Double(common) / Double(ranges.count)
        return (2 * precision * recall) / (precision + recall)
    }
}
