import Foundation
import YardstickAdvisor
import YardstickMetrics
import YardstickStore

/// How a report is made.
public struct ReportOptions: Sendable {
    /// EMA weight of the loss charts, 0…0.99 (0 = raw curves only).
    public var smoothing: Double
    /// Worst (and most changed) examples shown per evaluation or pair of runs.
    public var examples: Int
    /// Paired test settings; the defaults equal `runs compare` (paired bootstrap, 1000 resamples, seed 12345).
    public var comparison: ScoreConfiguration
    /// Title of the page; nil: the experiment(s) of the runs.
    public var title: String?

    public init(smoothing: Double = 0.6, examples: Int = 5, comparison: ScoreConfiguration = ScoreConfiguration(), title: String? = nil) {
        self.smoothing = smoothing
        self.examples = examples
        self.comparison = comparison
        self.title = title
    }
}

/// Everything one run contributes to a report, read once from the store.
public struct ReportRun: Sendable {
    public var run: Run
    public var params: [String: ParamValue]
    public var tags: [String: String]
    /// Full histories by metric key, in step order.
    public var history: [String: [MetricPoint]]
    public var evaluations: [StoredEvaluation]
    public var advice: Advice
    /// Palette index: the run's colour in every chart.
    public var color: Int
}

/// One example shown in the report, with its score (and, between two runs, the other run's prediction and score).
public struct ReportExample: Sendable, Equatable {
    public var position: Int
    public var exampleID: String
    public var input: String?
    public var reference: String?
    public var prediction: String?
    public var score: Double
    public var otherPrediction: String?
    public var otherScore: Double?
}

/// The worst examples of one evaluation, or the most changed examples between two runs' evaluations.
public struct ReportExampleSet: Sendable {
    public var title: String
    public var metric: String
    public var dataset: String?
    public var runName: String
    /// Set for a pair: the run whose prediction is `otherPrediction`.
    public var otherRunName: String?
    public var examples: [ReportExample]
}

/// A report's content, independent of its format.
public struct ReportData: Sendable {
    public var title: String
    public var generatedAt: Date
    public var runs: [ReportRun]
    public var comparisons: [PairedMetricComparison]
    public var mismatches: [ComparisonMismatch]
    public var findings: [CrossRunFinding]
    public var examples: [ReportExampleSet]
    public var options: ReportOptions

    /// Loads runs (in the order given: the first is the baseline of the comparisons) with their histories,
    /// evaluations, advice, paired comparisons and examples.
    public static func load(store: Store, runs: [Run], options: ReportOptions = ReportOptions(), now: Date = Date()) throws -> ReportData {
        var loaded: [ReportRun] = []
        for (i, run) in runs.enumerated() {
            let points = try store.history(run: run.id)
            var history: [String: [MetricPoint]] = [:]
            for p in points { history[p.key, default: []].append(p) }
            for key in history.keys {
                // The store returns each key in step order already; keep the guarantee explicit and cheap.
                if !zip(history[key]!, history[key]!.dropFirst()).allSatisfy({ $0.step <= $1.step }) {
                    history[key]!.sort { $0.step < $1.step }
                }
            }
            let curves = try StoredRunAdvice.curves(store: store, run: run, history: points)
            loaded.append(ReportRun(run: run, params: try store.params(run: run.id), tags: try store.tags(run: run.id), history: history,
                                    evaluations: try store.evaluations(run: run.id), advice: Advisor.advise(curves), color: i))
        }
        // Every pair that shares an evaluated metric: the paired tests of `runs compare`.
        var pairs: [(baseline: String, candidate: String)] = []
        for (i, a) in loaded.enumerated() {
            let names = Set(a.evaluations.flatMap { $0.metrics.map(\.name) })
            guard !names.isEmpty else { continue }
            for b in loaded[(i + 1)...] where !names.isDisjoint(with: b.evaluations.flatMap { $0.metrics.map(\.name) }) {
                pairs.append((a.run.id, b.run.id))
            }
        }
        let paired = try StoredRunAdvice.comparisons(store: store, pairs: pairs, configuration: options.comparison)
        let names = Dictionary(loaded.map { ($0.run.id, $0.run.name) }, uniquingKeysWith: { a, _ in a })
        let outcomes = loaded.map { r in
            StoredRunAdvice.outcome(name: r.run.name, curves: TrainingCurves(name: r.run.name, metrics: r.history[TrainingCurves.Key.evalLoss] ?? [],
                                                                             params: r.params.map { ($0.key, $0.value) }))
        }
        let findings = Advisor.compare(outcomes, evaluations: StoredRunAdvice.differences(paired.comparisons, names: names))
        let examples = try exampleSets(store: store, runs: loaded, comparisons: paired.comparisons, names: names, count: options.examples)
        let experiments = Array(Set(runs.map(\.experiment))).sorted()
        let title = options.title ?? (experiments.isEmpty ? "Yardstick report" : "Yardstick report: " + experiments.joined(separator: ", "))
        return ReportData(title: title, generatedAt: now, runs: loaded, comparisons: paired.comparisons, mismatches: paired.mismatches,
                          findings: findings, examples: examples, options: options)
    }

    /// The metric an evaluation's examples are ranked by: its first metric with per-example scores.
    static func rankingMetric(_ evaluation: StoredEvaluation, _ predictions: [StoredPrediction]) -> String? {
        evaluation.metrics.map(\.name).first { name in predictions.contains { $0.scores[name] != nil } }
    }

    static func exampleSets(store: Store, runs: [ReportRun], comparisons: [PairedMetricComparison], names: [String: String],
                            count: Int) throws -> [ReportExampleSet] {
        guard count > 0 else { return [] }
        var sets: [ReportExampleSet] = []
        var cache: [Int64: [StoredPrediction]] = [:]
        func predictions(_ id: Int64) throws -> [StoredPrediction] {
            if let p = cache[id] { return p }
            let p = try store.predictions(evaluation: id)
            cache[id] = p
            return p
        }
        for r in runs {
            for evaluation in r.evaluations {
                let preds = try predictions(evaluation.id)
                guard let metric = rankingMetric(evaluation, preds) else { continue }
                let better = StoredRunAdvice.higherIsBetter(metric)
                let scored = preds.compactMap { p in p.scores[metric].flatMap { $0.isFinite ? (p, $0) : nil } }
                let worst = scored.sorted { better ? ($0.1, $0.0.position) < ($1.1, $1.0.position) : ($0.1, $1.0.position) > ($1.1, $0.0.position) }.prefix(count)
                guard !worst.isEmpty else { continue }
                sets.append(ReportExampleSet(
                    title: "Worst \(metric) examples of \(r.run.name)" + (evaluation.dataset.map { " on \($0.label)" } ?? ""),
                    metric: metric, dataset: evaluation.dataset?.label, runName: r.run.name, otherRunName: nil,
                    examples: worst.map { p, s in
                        ReportExample(position: p.position, exampleID: p.exampleID, input: p.input, reference: p.reference, prediction: p.prediction,
                                      score: s, otherPrediction: nil, otherScore: nil)
                    }))
            }
        }
        // Between two runs: one set per pair and dataset, ranked by the first compared metric with example scores.
        var seen = Set<String>()
        for c in comparisons {
            let key = "\(c.baselineRunID)|\(c.runID)|\(c.dataset.id)"
            guard !seen.contains(key) else { continue }
            let a = try predictions(c.baselineEvaluationID), b = try predictions(c.evaluationID)
            guard a.contains(where: { $0.scores[c.metric] != nil }) else { continue }
            seen.insert(key)
            let byPosition = Dictionary(b.map { ($0.position, $0) }, uniquingKeysWith: { x, _ in x })
            var changed: [(ReportExample, Double)] = []
            for p in a {
                guard let q = byPosition[p.position], let sa = p.scores[c.metric], let sb = q.scores[c.metric], sa.isFinite, sb.isFinite else { continue }
                changed.append((ReportExample(position: p.position, exampleID: p.exampleID, input: p.input, reference: p.reference,
                                              prediction: p.prediction, score: sa, otherPrediction: q.prediction, otherScore: sb), sb - sa))
            }
            changed.sort { (abs($0.1), -$0.0.position) > (abs($1.1), -$1.0.position) }
            let top = changed.prefix(count).filter { $0.1 != 0 }
            guard !top.isEmpty else { continue }
            let (na, nb) = (names[c.baselineRunID] ?? c.baselineRunID, names[c.runID] ?? c.runID)
            sets.append(ReportExampleSet(
                title: "Examples whose \(c.metric) changed most from \(na) to \(nb) on \(c.dataset.label)", metric: c.metric,
                dataset: c.dataset.label, runName: na, otherRunName: nb, examples: top.map(\.0)))
        }
        return sets
    }
}
