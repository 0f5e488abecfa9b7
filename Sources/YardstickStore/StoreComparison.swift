import Foundation
import YardstickMetrics

/// One metric of one run compared with the same metric of the baseline run on the same dataset.
public struct PairedMetricComparison: Sendable, Equatable {
    public var metric: String
    public var dataset: StoredDataset
    public var signature: String
    public var baselineRunID: String
    public var runID: String
    public var baselineEvaluationID: Int64
    public var evaluationID: Int64
    public var baselineScore: Double
    public var score: Double
    /// `paired-bs` or `paired-ar`.
    public var test: PairedTestKind
    /// `score − baselineScore`.
    public var difference: Double
    /// Percentile interval of the difference over the paired bootstrap resamples (nil for `paired-ar`).
    public var differenceLow: Double?
    public var differenceHigh: Double?
    public var confidenceLevel: Double
    public var pValue: Double
}

/// A metric both runs have that could not be compared, and why.
public struct ComparisonMismatch: Sendable, Equatable {
    public var metric: String
    public var runID: String
    public var reason: String
}

/// The paired tests of `runs compare`.
public struct PairedComparisonReport: Sendable, Equatable {
    public var comparisons: [PairedMetricComparison]
    public var mismatches: [ComparisonMismatch]
}

extension Store {
    /// Compares every run after the first with the first, metric by metric, from the stored per-segment
    /// statistics: a paired bootstrap (or approximate randomization) wherever both runs evaluated the metric on
    /// the same dataset with the same signature. The numbers are those `yardstick score --paired-bs` gives for
    /// the same two prediction files: both go through ``CorpusScorer``. Metrics on different datasets, with
    /// different signatures or without statistics are listed as mismatches, never compared.
    /// - Parameter configuration: the test (`pairedTest`, nil = bootstrap), `resamples`, `randomizationTrials`,
    ///   `seed`, `confidenceLevel` and `threads`; everything else comes from the stored options.
    public func pairedComparisons(runs ids: [String], configuration: ScoreConfiguration) throws -> PairedComparisonReport {
        guard let baselineID = ids.first else { return PairedComparisonReport(comparisons: [], mismatches: []) }
        let baseline = try latestMetrics(run: baselineID)
        var report = PairedComparisonReport(comparisons: [], mismatches: [])
        var c = configuration
        c.confidence = false
        let test = c.pairedTest ?? .bootstrap
        c.pairedTest = test
        for runID in ids.dropFirst() {
            let other = try latestMetrics(run: runID)
            var pairs: [StatisticsPair: [(name: String, dataset: StoredDataset, signature: String)]] = [:]
            for name in Set(baseline.keys.map(\.name)).intersection(other.keys.map(\.name)).sorted() {
                let mine = baseline.filter { $0.key.name == name }
                let theirs = other.filter { $0.key.name == name }
                let shared = Set(mine.keys.map(\.dataset)).intersection(theirs.keys.map(\.dataset))
                if shared.isEmpty {
                    let a = mine.values.compactMap(\.dataset?.label).sorted().joined(separator: ", ")
                    let b = theirs.values.compactMap(\.dataset?.label).sorted().joined(separator: ", ")
                    report.mismatches.append(ComparisonMismatch(
                        metric: name, runID: runID,
                        reason: "evaluated on different datasets (\(a.isEmpty ? "unknown" : a) vs \(b.isEmpty ? "unknown" : b))"))
                    continue
                }
                for datasetID in shared.sorted(by: { ($0 ?? -1) < ($1 ?? -1) }) {
                    let key = MetricKey(name: name, dataset: datasetID)
                    let (a, b) = (mine[key]!, theirs[key]!)
                    guard let dataset = a.dataset else {
                        report.mismatches.append(ComparisonMismatch(metric: name, runID: runID, reason: "the dataset is unknown"))
                        continue
                    }
                    guard let signature = a.metric.signature,
                          Store.comparable(signature) == b.metric.signature.map(Store.comparable) else {
                        report.mismatches.append(ComparisonMismatch(
                            metric: name, runID: runID,
                            reason: "signatures differ (\(a.metric.signature ?? "none") vs \(b.metric.signature ?? "none"))"))
                        continue
                    }
                    guard let sa = a.metric.statisticsID, let sb = b.metric.statisticsID else {
                        report.mismatches.append(ComparisonMismatch(
                            metric: name, runID: runID, reason: "no per-segment statistics (scored before schema v2)"))
                        continue
                    }
                    pairs[StatisticsPair(baseline: sa, system: sb, baselineEvaluation: a.evaluation, evaluation: b.evaluation),
                          default: []].append((name, dataset, signature))
                }
            }
            for (pair, metrics) in pairs.sorted(by: { $0.key.baseline < $1.key.baseline }) {
                var a = try statistics(id: pair.baseline), b = try statistics(id: pair.system)
                if a.options.metric == .accuracy, b.options.metric == .accuracy, a.options != b.options {
                    let union = Array(Set(a.options.labels + b.options.labels)).sorted {
                        $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
                    }
                    if let ra = Classification(labels: a.options.labels).remap(a.statistics, to: union),
                       let rb = Classification(labels: b.options.labels).remap(b.statistics, to: union) {
                        a.statistics = ra
                        b.statistics = rb
                        a.options = StoredMetricOptions(metric: .accuracy, configuration: ScoreConfiguration(), labels: union)
                        b.options = a.options
                    }
                }
                guard a.options == b.options, a.statistics.width == b.statistics.width,
                      a.statistics.count == b.statistics.count else {
                    for m in metrics {
                        report.mismatches.append(ComparisonMismatch(
                            metric: m.name, runID: runID, reason: "the stored statistics differ in options or size"))
                    }
                    continue
                }
                let outcome = try CorpusScorer.score(
                    statistics: [(baselineID, a.statistics), (runID, b.statistics)],
                    referenceCount: Store.referenceCount(signature: a.signature), options: a.options, configuration: c)
                let base = outcome.systems[0], system = outcome.systems[1]
                for m in metrics {
                    guard let result = system.paired.first(where: { $0.metric == m.name })?.result,
                          let baseScore = base.headlines.first(where: { $0.metric == m.name })?.value else { continue }
                    report.comparisons.append(PairedMetricComparison(
                        metric: m.name, dataset: m.dataset, signature: m.signature, baselineRunID: baselineID, runID: runID,
                        baselineEvaluationID: pair.baselineEvaluation, evaluationID: pair.evaluation,
                        baselineScore: baseScore, score: result.score, test: test,
                        difference: result.difference?.score ?? result.score - baseScore,
                        differenceLow: result.difference?.lower, differenceHigh: result.difference?.upper,
                        confidenceLevel: c.confidenceLevel, pValue: result.pValue))
                }
            }
        }
        report.comparisons.sort { ($0.runID, $0.metric, $0.dataset.id) < ($1.runID, $1.metric, $1.dataset.id) }
        return report
    }

    /// A signature without accuracy's `labels:N`, which counts the labels one system's predictions happen to use:
    /// two classifiers are comparable on the same test set whatever labels they predicted (their statistics are
    /// moved into one layout first).
    static func comparable(_ signature: String) -> String {
        signature.split(separator: "|").filter { !$0.hasPrefix("labels:") }.joined(separator: "|")
    }

    /// `nrefs:N` of a signature (1 when absent).
    static func referenceCount(signature: String) -> Int {
        for part in signature.split(separator: "|") where part.hasPrefix("nrefs:") {
            return Int(part.dropFirst(6)) ?? 1
        }
        return 1
    }

    private struct MetricKey: Hashable {
        var name: String
        var dataset: Int64?
    }

    private struct StatisticsPair: Hashable {
        var baseline: Int64
        var system: Int64
        var baselineEvaluation: Int64
        var evaluation: Int64
    }

    /// The latest metric of each name per dataset of a run.
    private func latestMetrics(run id: String) throws -> [MetricKey: (evaluation: Int64, dataset: StoredDataset?, metric: StoredMetric)] {
        var result: [MetricKey: (evaluation: Int64, dataset: StoredDataset?, metric: StoredMetric)] = [:]
        for evaluation in try evaluations(run: id) {
            for metric in evaluation.metrics {
                result[MetricKey(name: metric.name, dataset: evaluation.dataset?.id)] = (evaluation.id, evaluation.dataset, metric)
            }
        }
        return result
    }
}
