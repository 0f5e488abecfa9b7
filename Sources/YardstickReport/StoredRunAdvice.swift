import Foundation
import YardstickAdvisor
import YardstickMetrics
import YardstickStore

/// What `advise` and `report` both read from a stored run for the advisor, in one place so the two never disagree.
public enum StoredRunAdvice {
    /// The advisor's input for a stored run: its full histories (pass them when already read), params, and the
    /// checkpoints its fine-tuned model names.
    public static func curves(store: Store, run: Run, history: [MetricPoint]? = nil) throws -> TrainingCurves {
        // Checkpoint models recorded by `sync openai` as tags `checkpoint.step-N` let the advice name one.
        let checkpoints: [String?] = try store.summary(run: run.id).tags.filter { $0.key.hasPrefix("checkpoint.") }
            .sorted { $0.key < $1.key }.map { $0.value }
        return TrainingCurves(name: run.name, metrics: try history ?? store.history(run: run.id),
                              params: try store.params(run: run.id).map { ($0.key, $0.value) },
                              models: [run.fineTunedModel] + checkpoints)
    }

    /// The best and final validation loss the cross-run comparison ranks runs by.
    public static func outcome(name: String, curves: TrainingCurves) -> RunOutcome {
        let evalLoss = curves.series[TrainingCurves.Key.evalLoss]?.filter { $0.value.isFinite }.sorted { $0.step < $1.step } ?? []
        return RunOutcome(name: name, params: curves.params, bestValidationLoss: evalLoss.map(\.value).min(),
                          finalValidationLoss: evalLoss.last?.value)
    }

    /// Error rates, for which a lower score is better.
    public static func higherIsBetter(_ metric: String) -> Bool {
        !["ter", "loss", "wer", "cer"].contains(metric.lowercased())
    }

    /// Paired comparisons (the numbers of `runs compare`) of each (baseline, candidate) pair, with their mismatches.
    public static func comparisons(store: Store, pairs: [(baseline: String, candidate: String)],
                                   configuration: ScoreConfiguration = ScoreConfiguration()) throws
        -> (comparisons: [PairedMetricComparison], mismatches: [ComparisonMismatch]) {
        var all: (comparisons: [PairedMetricComparison], mismatches: [ComparisonMismatch]) = ([], [])
        for pair in pairs {
            let report = try store.pairedComparisons(runs: [pair.baseline, pair.candidate], configuration: configuration)
            all.comparisons += report.comparisons
            all.mismatches += report.mismatches
        }
        return all
    }

    /// The advisor's view of paired comparisons: run names instead of ids, and which direction is better.
    public static func differences(_ comparisons: [PairedMetricComparison], names: [String: String]) -> [EvaluationDifference] {
        comparisons.map { c in
            EvaluationDifference(metric: c.metric, candidate: names[c.runID] ?? c.runID, baseline: names[c.baselineRunID] ?? c.baselineRunID,
                                 difference: c.difference, ciLow: c.differenceLow, ciHigh: c.differenceHigh, pValue: c.pValue,
                                 higherIsBetter: higherIsBetter(c.metric))
        }
    }
}
