/// Accuracy, per-label precision / recall / F1 and their averages, with scikit-learn 1.9.1's
/// definitions (`accuracy_score`, `precision_recall_fscore_support(..., zero_division=0)`).
///
/// Labels are compared as code-point sequences (not by Swift's canonical equivalence) and sorted in
/// code-point order, like Python strings. Averages use numpy's pairwise summation, so they match
/// scikit-learn to the last bit, not only approximately.
public struct ClassificationReport: Sendable, Equatable {
    /// Scores of one label.
    public struct ClassMetrics: Sendable, Equatable {
        public var label: String
        /// `tp / (tp + fp)`, 0 when nothing was predicted as this label.
        public var precision: Double
        /// `tp / (tp + fn)`, 0 when the label never occurs in the truth.
        public var recall: Double
        /// `2·tp / (support + predicted)`, 0 when both are 0.
        public var f1: Double
        /// Occurrences in the truth (`tp + fn`).
        public var support: Int
        public var tp: Int
        public var fp: Int
        public var fn: Int

        public init(
            label: String, precision: Double, recall: Double, f1: Double, support: Int, tp: Int,
            fp: Int, fn: Int
        ) {
            self.label = label
            self.precision = precision
            self.recall = recall
            self.f1 = f1
            self.support = support
            self.tp = tp
            self.fp = fp
            self.fn = fn
        }
    }

    /// An averaged precision / recall / F1 triple.
    public struct Average: Sendable, Equatable {
        public var precision: Double
        public var recall: Double
        public var f1: Double

        public init(precision: Double, recall: Double, f1: Double) {
            self.precision = precision
            self.recall = recall
            self.f1 = f1
        }
    }

    /// `correct / total`.
    public var accuracy: Double
    public var correct: Int
    public var total: Int
    /// Sorted union of true and predicted labels (code-point order, as Python's `sorted`).
    public var labels: [String]
    /// One entry per label, in `labels` order.
    public var perClass: [ClassMetrics]
    /// Unweighted mean over every label, including labels that were only predicted.
    public var macro: Average
    /// From the summed tp / fp / fn; equals accuracy for single-label data.
    public var micro: Average
    /// Mean weighted by support.
    public var weighted: Average
    /// Unweighted mean over the labels that occur in the truth (`labels=` the true labels).
    public var macroOverTrueLabels: Average
    /// `confusion[trueIndex][predictedIndex]` over `labels`; empty when built from summed
    /// statistics (``Classification``), which do not keep the off-diagonal cells.
    public var confusion: [[Int]]

    public init(
        accuracy: Double, correct: Int, total: Int, labels: [String], perClass: [ClassMetrics],
        macro: Average, micro: Average, weighted: Average, macroOverTrueLabels: Average,
        confusion: [[Int]]
    ) {
        self.accuracy = accuracy
        self.correct = correct
        self.total = total
        self.labels = labels
        self.perClass = perClass
        self.macro = macro
        self.micro = micro
        self.weighted = weighted
        self.macroOverTrueLabels = macroOverTrueLabels
        self.confusion = confusion
    }

    /// The report for aligned true and predicted labels.
    public static func evaluate(truth: [String], predicted: [String]) -> ClassificationReport {
        precondition(truth.count == predicted.count, "one prediction per true label")
        let labels = LabelSet(sortedUnionOf: truth, predicted)
        let l = labels.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: l), count: l)
        var correct = 0
        for (t, p) in zip(truth, predicted) {
            let ti = labels.index(of: t)!, pi = labels.index(of: p)!
            confusion[ti][pi] += 1
            if ti == pi { correct += 1 }
        }
        var tp = [Int](repeating: 0, count: l)
        var fp = [Int](repeating: 0, count: l)
        var fn = [Int](repeating: 0, count: l)
        for i in 0..<l {
            tp[i] = confusion[i][i]
            for j in 0..<l where j != i {
                fn[i] += confusion[i][j]
                fp[j] += confusion[i][j]
            }
        }
        return make(
            labels: labels.labels, tp: tp, fp: fp, fn: fn, correct: correct, total: truth.count,
            confusion: confusion)
    }

    /// The report for per-label counts; shared by ``evaluate(truth:predicted:)`` and
    /// ``Classification/score(totals:)`` so both follow the same arithmetic.
    static func make(
        labels: [String], tp: [Int], fp: [Int], fn: [Int], correct: Int, total: Int,
        confusion: [[Int]]
    ) -> ClassificationReport {
        let l = labels.count
        var perClass: [ClassMetrics] = []
        perClass.reserveCapacity(l)
        for i in 0..<l {
            let support = tp[i] + fn[i], predictedCount = tp[i] + fp[i]
            perClass.append(
                ClassMetrics(
                    label: labels[i],
                    precision: ratio(Double(tp[i]), Double(predictedCount)),
                    recall: ratio(Double(tp[i]), Double(support)),
                    f1: fScore(tp: tp[i], support: support, predicted: predictedCount),
                    support: support, tp: tp[i], fp: fp[i], fn: fn[i]))
        }

        let tpSum = tp.reduce(0, +)
        let predictedSum = tpSum + fp.reduce(0, +)
        let trueSum = tpSum + fn.reduce(0, +)
        let micro = Average(
            precision: ratio(Double(tpSum), Double(predictedSum)),
            recall: ratio(Double(tpSum), Double(trueSum)),
            f1: fScore(tp: tpSum, support: trueSum, predicted: predictedSum))

        let trueLabels = perClass.filter { $0.support > 0 }
        return ClassificationReport(
            accuracy: total > 0 ? Double(correct) / Double(total) : 0,
            correct: correct, total: total, labels: labels, perClass: perClass,
            macro: mean(perClass), micro: micro, weighted: weightedMean(perClass),
            macroOverTrueLabels: mean(trueLabels), confusion: confusion)
    }

    /// scikit-learn's `_prf_divide` with `zero_division=0`.
    private static func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        denominator == 0 ? 0 : numerator / denominator
    }

    /// `(1 + β²)·tp / (β²·support + predicted)` with β = 1, in scikit-learn's operation order.
    private static func fScore(tp: Int, support: Int, predicted: Int) -> Double {
        ratio(2.0 * Double(tp), 1.0 * Double(support) + Double(predicted))
    }

    /// `numpy.nanmean` of each score (nothing is NaN with `zero_division=0`).
    private static func mean(_ rows: [ClassMetrics]) -> Average {
        guard !rows.isEmpty else { return Average(precision: 0, recall: 0, f1: 0) }
        return Average(
            precision: NumpySummation.mean(rows.map(\.precision)),
            recall: NumpySummation.mean(rows.map(\.recall)),
            f1: NumpySummation.mean(rows.map(\.f1)))
    }

    /// `numpy.average(score, weights=support)`: pairwise sum of the products over the summed
    /// weights; all-zero weights fall back to the plain mean, as scikit-learn's `_nanaverage` does.
    private static func weightedMean(_ rows: [ClassMetrics]) -> Average {
        let weights = rows.map { Double($0.support) }
        let scale = NumpySummation.sum(weights)
        if scale == 0 { return mean(rows) }
        func average(_ values: [Double]) -> Double {
            NumpySummation.sum(zip(values, weights).map { $0 * $1 }) / scale
        }
        return Average(
            precision: average(rows.map(\.precision)), recall: average(rows.map(\.recall)),
            f1: average(rows.map(\.f1)))
    }
}

/// Labels deduplicated and sorted by code points, with an exact (code-point) lookup.
struct LabelSet: Sendable {
    let labels: [String]
    private let indexByUTF8: [[UInt8]: Int]

    /// UTF-8 byte order is code-point order, and byte equality is code-point equality.
    init<S: Sequence>(_ labels: S) where S.Element == String {
        var seen: [[UInt8]: String] = [:]
        for s in labels { seen[Array(s.utf8)] = seen[Array(s.utf8)] ?? s }
        let keys = seen.keys.sorted { $0.lexicographicallyPrecedes($1) }
        self.labels = keys.map { seen[$0]! }
        var index: [[UInt8]: Int] = [:]
        for (i, k) in keys.enumerated() { index[k] = i }
        indexByUTF8 = index
    }

    init(sortedUnionOf a: [String], _ b: [String]) {
        self.init(a + b)
    }

    var count: Int { labels.count }

    func index(of label: String) -> Int? { indexByUTF8[Array(label.utf8)] }
}
