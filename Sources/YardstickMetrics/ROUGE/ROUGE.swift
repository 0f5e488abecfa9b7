/// Precision, recall and F-measure of one ROUGE type, as rouge-score's `Score` tuple.
public struct PRF: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var fmeasure: Double

    public init(precision: Double, recall: Double, fmeasure: Double) {
        self.precision = precision
        self.recall = recall
        self.fmeasure = fmeasure
    }

    public static let zero = PRF(precision: 0, recall: 0, fmeasure: 0)

    /// rouge-score's `fmeasure`, in its operation order so results match bit for bit.
    static func fmeasure(_ precision: Double, _ recall: Double) -> Double {
        precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }

    /// ROUGE-N from the clipped n-gram overlap and the n-gram counts of both sides.
    static func ngram(overlap: Int, targetCount: Int, predictionCount: Int) -> PRF {
        let precision = Double(overlap) / Double(max(predictionCount, 1))
        let recall = Double(overlap) / Double(max(targetCount, 1))
        return PRF(precision: precision, recall: recall, fmeasure: fmeasure(precision, recall))
    }
}

/// Corpus-level ROUGE: the mean precision, recall and F-measure of every type over `count` pairs.
public struct ROUGEScore: Sendable, Equatable {
    /// The types in the order they were requested.
    public var types: [ROUGE.RougeType]
    public var means: [ROUGE.RougeType: PRF]
    /// Number of scored pairs.
    public var count: Int

    public init(types: [ROUGE.RougeType], means: [ROUGE.RougeType: PRF], count: Int) {
        self.types = types
        self.means = means
        self.count = count
    }
}

/// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum exactly as rouge-score 0.1.2's `RougeScorer`
/// (with NLTK's Porter stemmer when `useStemmer` is on).
///
/// Per pair, rouge-score's rules apply: n-gram overlap clipped by the target counts; ROUGE-L from
/// the longest common subsequence of the token lists; ROUGE-Lsum from the union LCS of each
/// target line against every prediction line, lines being separated by `"\n"` only (no sentence
/// splitter — put one sentence per line). Several targets give, per type, the score of the target
/// with the best F-measure (the first on ties), like `score_multi`.
///
/// As a ``SegmentMetric`` the hypothesis is the prediction and the references are the targets;
/// the corpus result is the plain mean of every pair's precision, recall and F-measure (not
/// rouge-score's randomised `BootstrapAggregator`).
public struct ROUGE: SegmentMetric {
    public enum RougeType: String, Sendable, CaseIterable {
        case rouge1, rouge2, rougeL, rougeLsum
    }

    /// How text becomes tokens.
    public enum Tokenizer: String, Sendable {
        /// rouge-score's tokenizer: Python `lower()`, then only runs of `[a-z0-9]` are tokens. Every
        /// non-ASCII letter is a separator (`"Günther"` → `g`, `nther`), and Chinese or Japanese text
        /// has no tokens at all, so it scores 0. Use it to reproduce published rouge-score numbers.
        case rougeScore = "rouge-score"
        /// For text that is not English (not rouge-score compatible): Python `lower()`, then every
        /// run of Unicode letters and numbers (general category L*, N*) is a token, with a
        /// combining mark (Mn, Mc) that follows a token character kept in that token; everything
        /// else separates. Each CJK ideograph, Hiragana, Katakana and Hangul syllable is a token of
        /// its own, because those scripts do not put spaces between words. No Unicode
        /// normalisation is applied. The stemmer only touches pure-ASCII tokens longer than three
        /// characters.
        case unicode
    }

    public typealias Score = ROUGEScore

    public let types: [RougeType]
    public let useStemmer: Bool
    public let tokenizer: Tokenizer

    public init(types: [RougeType] = RougeType.allCases, useStemmer: Bool = false, tokenizer: Tokenizer = .rougeScore) {
        self.types = types
        self.useStemmer = useStemmer
        self.tokenizer = tokenizer
    }

    private var configuration: Int { ROUGEState.configuration(stems: useStemmer, tokenizer: tokenizer) }

    /// rouge-score's `score(target, prediction)` for one pair.
    public func score(target: String, prediction: String) -> [RougeType: PRF] {
        score(targets: [target], prediction: prediction)
    }

    /// Several targets: rouge-score's `score_multi` (per type, the target with the best F-measure).
    /// No targets at all score 0 (rouge-score raises an error).
    public func score(targets: [String], prediction: String) -> [RougeType: PRF] {
        let best = bestScores(targets: targets, prediction: prediction)
        var result: [RougeType: PRF] = [:]
        for (type, prf) in zip(types, best) { result[type] = prf }
        return result
    }

    /// Per type (in `types` order) the score against the target with the highest F-measure.
    private func bestScores(targets: [String], prediction: String) -> [PRF] {
        var best = [PRF](repeating: .zero, count: types.count)
        if targets.isEmpty { return best }
        let configuration = self.configuration
        return ROUGEWorkspace.current.withState { state in
            state.bound(configuration)
            state.tokenize(prediction, tokenizer: tokenizer, configuration: configuration, side: .prediction)
            var pair: [PRF] = []
            pair.reserveCapacity(types.count)
            for (index, target) in targets.enumerated() {
                state.tokenize(target, tokenizer: tokenizer, configuration: configuration, side: .target)
                state.scorePair(types: types, idCount: state.interners[configuration].idCount, into: &pair)
                // numpy's argmax: the first target with the largest F-measure wins.
                for k in 0..<types.count where index == 0 || pair[k].fmeasure > best[k].fmeasure {
                    best[k] = pair[k]
                }
            }
            return best
        }
    }

    /// The tokens the tokenizer produces (stemmed when `useStemmer` is on), for inspection and tests.
    public func tokenize(_ text: String) -> [String] {
        var raw = RawTokens()
        switch tokenizer {
        case .rougeScore: ROUGETokenization.rougeScore(text, into: &raw)
        case .unicode: ROUGETokenization.unicode(text, into: &raw)
        }
        var out: [String] = []
        out.reserveCapacity(raw.count)
        let stemmer = PorterStemmer()
        for i in 0..<raw.count {
            let token = raw.string(i)
            if useStemmer && raw.ascii[i] && raw.ends[i] - raw.start(of: i) > 3 {
                let stem = stemmer.stem(token)
                if !stem.isEmpty { out.append(stem) }
            } else {
                out.append(token)
            }
        }
        return out
    }

    /// Share (0...1) of a text's non-space characters the rouge-score tokenizer throws away
    /// because they are letters, numbers or marks outside ASCII (`é`, `ß`, every CJK character);
    /// punctuation does not count. Large values mean the default tokenizer sees little of the
    /// text and ``Tokenizer/unicode`` is the better choice. 0 for text without non-space characters.
    public static func droppedCharacterShare(_ text: String) -> Double {
        ROUGETokenization.droppedShare(text)
    }

    // MARK: SegmentMetric

    /// `[1, P, R, F]`: the pair count, then precision, recall and F-measure of every type in
    /// `types` order.
    public var statisticsWidth: Int { 1 + 3 * types.count }

    public func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double]) {
        let best = bestScores(targets: references, prediction: hypothesis)
        stats[0] = 1
        for (k, prf) in best.enumerated() {
            stats[1 + 3 * k] = prf.precision
            stats[2 + 3 * k] = prf.recall
            stats[3 + 3 * k] = prf.fmeasure
        }
    }

    /// Means of the summed per-pair scores (0 when no pair was scored).
    public func score(totals: [Double]) -> ROUGEScore {
        let count = totals[0]
        var means: [RougeType: PRF] = [:]
        for (k, type) in types.enumerated() {
            means[type] = count > 0
                ? PRF(precision: totals[1 + 3 * k] / count, recall: totals[2 + 3 * k] / count,
                      fmeasure: totals[3 + 3 * k] / count)
                : .zero
        }
        return ROUGEScore(types: types, means: means, count: Int(count))
    }

    /// The mean F-measure of the first requested type (ROUGE-1 by default).
    public func headline(_ score: ROUGEScore) -> Double {
        guard let first = score.types.first else { return 0 }
        return score.means[first]?.fmeasure ?? 0
    }

    /// sacrebleu-style signature, e.g. `nrefs:1|tok:rouge-score|stem:yes|lsum:newline|version:yardstick-0.1.0`:
    /// number of references per segment, tokenizer (`rouge-score` or `unicode`), Porter stemming
    /// (`yes`/`no`), and how ROUGE-Lsum finds sentences (`newline`: only `"\n"` separates them, like
    /// rouge-score with `split_summaries=False`).
    public func signature(referenceCount: Int) -> String {
        "nrefs:\(referenceCount)|tok:\(tokenizer.rawValue)|stem:\(useStemmer ? "yes" : "no")|lsum:newline|version:\(Yardstick.signatureVersion)"
    }
}
