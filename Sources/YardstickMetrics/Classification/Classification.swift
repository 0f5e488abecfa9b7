/// Classification as a ``SegmentMetric``, so accuracy and macro-F1 get bootstrap intervals and
/// paired tests through the shared statistics engine.
///
/// A segment's hypothesis is the predicted label and its first reference the true label. Its row is
/// `[correct, tp₀, fp₀, fn₀, tp₁, fp₁, fn₁, …]` (width `3 · labels.count + 1`) over a label list
/// fixed at initialisation, because resampled corpora must share one column layout and a label
/// missing from a resample still counts in the macro average (as scikit-learn's `labels=` does).
///
/// Segments whose true label is not in the list are left out entirely (they have no support to
/// count against); a predicted label outside the list still makes the segment wrong.
public struct Classification: SegmentMetric, BootstrapScoring {
    public typealias Score = ClassificationReport

    /// The labels, sorted and deduplicated in code-point order.
    public let labels: [String]
    private let labelSet: LabelSet

    /// A metric over `labels` (any order, duplicates ignored).
    public init(labels: [String]) {
        labelSet = LabelSet(labels)
        self.labels = labelSet.labels
    }

    /// A metric over the union of the labels of a whole corpus, as
    /// ``ClassificationReport/evaluate(truth:predicted:)`` uses.
    public init(truth: [String], predicted: [String]) {
        self.init(labels: truth + predicted)
    }

    public var statisticsWidth: Int { 3 * labels.count + 1 }

    public func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double]) {
        guard let truth = references.first, let t = labelSet.index(of: truth) else { return }
        let p = labelSet.index(of: hypothesis)
        if p == t {
            stats[0] = 1
            stats[1 + 3 * t] = 1
        } else {
            if let p { stats[2 + 3 * p] = 1 }
            stats[3 + 3 * t] = 1
        }
    }

    /// Rows for aligned true and predicted labels.
    public func statistics(
        truth: [String], predicted: [String], options: ScoringOptions = ScoringOptions()
    ) -> SegmentStatistics {
        statistics(hypotheses: predicted, references: truth.map { [$0] }, options: options)
    }

    /// The report of summed rows; `confusion` is empty (rows keep no off-diagonal cells) and
    /// `total` is the summed support.
    public func score(totals: [Double]) -> ClassificationReport {
        let l = labels.count
        var tp = [Int](repeating: 0, count: l)
        var fp = [Int](repeating: 0, count: l)
        var fn = [Int](repeating: 0, count: l)
        for i in 0..<l {
            tp[i] = Int(totals[1 + 3 * i])
            fp[i] = Int(totals[2 + 3 * i])
            fn[i] = Int(totals[3 + 3 * i])
        }
        let total = zip(tp, fn).reduce(0) { $0 + $1.0 + $1.1 }
        return ClassificationReport.make(
            labels: labels, tp: tp, fp: fp, fn: fn, correct: Int(totals[0]), total: total,
            confusion: [])
    }

    /// `totals` (a row or a sum of rows of this metric's layout) rewritten in the layout of `other`,
    /// whose labels should be a subset of these: lets one system be scored over its own labels
    /// (scikit-learn's label set for that system) while every system's rows share the wider
    /// layout that paired resampling needs. Columns of labels missing here are 0.
    public func totals(_ totals: [Double], in other: Classification) -> [Double] {
        var out = [Double](repeating: 0, count: other.statisticsWidth)
        out[0] = totals[0]
        for (j, label) in other.labels.enumerated() {
            guard let i = labelSet.index(of: label) else { continue }
            out[1 + 3 * j] = totals[1 + 3 * i]
            out[2 + 3 * j] = totals[2 + 3 * i]
            out[3 + 3 * j] = totals[3 + 3 * i]
        }
        return out
    }

    /// Accuracy.
    public func headline(_ score: ClassificationReport) -> Double { score.accuracy }

    /// Macro-averaged F1 of summed rows: pass as the `score` of the ``Significance`` functions to
    /// test macro-F1 instead of accuracy.
    public func macroF1(totals: [Double]) -> Double { score(totals: totals).macro.f1 }

    public func signature(referenceCount: Int) -> String {
        "nrefs:\(referenceCount)|labels:\(labels.count)|version:\(Yardstick.signatureVersion)"
    }
}
