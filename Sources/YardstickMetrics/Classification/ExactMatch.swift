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
/// references. Token F1 is SQuAD v1.1's `f1_score`: the normalised texts are split on whitespace
/// and the common-token multiset scored as `P = common/|hyp|`, `R = common/|ref|`,
/// `F1 = 2PR/(P+R)`, and 0 whenever nothing is in common — also when both sides normalise to no
/// tokens (SQuAD v2.0's script would give 1 there). With ``Normalization/squad`` exact match and F1
/// equal the official SQuAD v1.1 evaluation script.
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
        /// Delete every character of Python's ASCII `string.punctuation`
        /// (``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``), as SQuAD does; non-ASCII punctuation such as
        /// `« » „ “ ¿ …` stays.
        public static let punctuation = Normalization(rawValue: 1 << 2)
        /// Replace the whole words `a`, `an`, `the` by a space (case-sensitive, so usually
        /// combined with `lowercase`; words are runs of letters, digits and `_`, as regex `\w`).
        public static let articles = Normalization(rawValue: 1 << 3)
        /// Delete ASCII `string.punctuation` and also every code point of a Unicode punctuation
        /// category (P*, Unicode 14), for answers in languages whose quotes and marks SQuAD's
        /// ASCII set misses. Not SQuAD-compatible; includes ``punctuation``.
        public static let unicodePunctuation = Normalization(rawValue: 1 << 4)
        /// SQuAD v1.1's `normalize_answer`: lowercase, ASCII punctuation, articles, whitespace.
        public static let squad: Normalization = [.lowercase, .whitespace, .punctuation, .articles]
        /// ``squad`` with ``unicodePunctuation`` instead of the ASCII set.
        public static let squadUnicode: Normalization = [.lowercase, .whitespace, .unicodePunctuation, .articles]
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

    /// The normalisation as the signature and JSON name it: `squad-v1.1`, `squad-unicode`, or the
    /// steps joined by `+` (`lc`, `punct-ascii` or `punct-unicode`, `articles`, `ws`), or `none`.
    public var normalizationName: String {
        if normalization == .squad { return "squad-v1.1" }
        if normalization == .squadUnicode || normalization == Normalization.squadUnicode.union(.punctuation) {
            return "squad-unicode"
        }
        var parts: [String] = []
        if normalization.contains(.lowercase) { parts.append("lc") }
        if normalization.contains(.unicodePunctuation) {
            parts.append("punct-unicode")
        } else if normalization.contains(.punctuation) {
            parts.append("punct-ascii")
        }
        if normalization.contains(.articles) { parts.append("articles") }
        if normalization.contains(.whitespace) { parts.append("ws") }
        return parts.isEmpty ? "none" : parts.joined(separator: "+")
    }

    func normalizedCodePoints(_ text: String) -> [UInt32] {
        var cps = PythonText.codePoints(text)
        if normalization.contains(.lowercase) { cps = PythonText.lower(cps) }
        if normalization.contains(.unicodePunctuation) {
            cps.removeAll(where: Self.isUnicodePunctuation)
        } else if normalization.contains(.punctuation) {
            cps.removeAll(where: Self.isASCIIPunctuation)
        }
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

    /// Python's `string.punctuation`: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
    static func isASCIIPunctuation(_ v: UInt32) -> Bool {
        (v >= 0x21 && v <= 0x2F) || (v >= 0x3A && v <= 0x40) || (v >= 0x5B && v <= 0x60) || (v >= 0x7B && v <= 0x7E)
    }

    /// `string.punctuation` or a Unicode punctuation category (P*).
    static func isUnicodePunctuation(_ v: UInt32) -> Bool {
        if v < 0x80 { return isASCIIPunctuation(v) }
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

    /// SQuAD v1.1 `f1_score` of these tokens against the tokens of `reference` (0 without common
    /// tokens, so also for two empty lists).
    func f1(against reference: [UInt32]) -> Double {
        let ranges = PythonText.splitRanges(reference)
        if size == 0 || ranges.isEmpty { return 0 }
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
