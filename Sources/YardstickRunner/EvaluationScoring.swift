import Foundation
import YardstickMetrics
import YardstickStore

/// Scores a filled prediction set and builds the evaluation the store keeps.
public enum EvaluationScoring {
    /// The metric families `eval --metrics` takes, in a fixed order.
    public static func parseMetrics(_ text: String) throws -> [MetricName] {
        var result: [MetricName] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !part.isEmpty {
            let name = part == "exact_match" || part == "em" ? "exact-match" : part
            guard let metric = MetricName(rawValue: name) else {
                throw HeldOutError(file: "--metrics", message: "unknown metric '\(part)' (accuracy, exact-match, bleu, chrf, ter, rouge)")
            }
            if !result.contains(metric) { result.append(metric) }
        }
        guard !result.isEmpty else { throw HeldOutError(file: "--metrics", message: "give at least one metric") }
        return result
    }

    /// Every example's stored prediction, post-processed, in set order. A failed example scores as an empty
    /// output: it counts against the model instead of vanishing from the denominator.
    public static func hypotheses(_ predictions: [StoredPrediction], count: Int, processing: OutputProcessing) -> [String] {
        var out = [String](repeating: "", count: count)
        for p in predictions where p.position < count { out[p.position] = p.prediction.map(processing.apply) ?? "" }
        return out
    }

    /// Scores `hypotheses` against the set's references with each metric, collecting per-example scores.
    public static func score(_ set: HeldOutSet, hypotheses: [String], metrics: [MetricName],
                             configuration: ScoreConfiguration, name: String) throws -> [SystemScore] {
        var c = configuration
        c.collectSegmentScores = true
        c.sentence = false
        c.pairedTest = nil
        let references = set.examples.map(\.references)
        return try metrics.map { metric in
            let outcome = try CorpusScorer.score(
                metric: metric, systems: [SystemInput(name: name, hypotheses: hypotheses)],
                references: metric == .accuracy ? references.map { [$0[0]] } : references, configuration: c)
            return outcome.systems[0]
        }
    }
}

/// A scored prediction set, ready to record: the one path both a one-machine `eval` and the merge of its shards
/// take, so a merged evaluation is the one-machine evaluation bit for bit.
public struct ScoredEvaluation: Sendable {
    public var scores: [SystemScore]
    public var record: EvaluationRecord
    /// Examples without a prediction (failed, or never reached).
    public var failures: Int
}

extension EvaluationScoring {
    /// Scores every example of `set` from the prediction set's stored rows (`stored`, any order) and builds the
    /// evaluation record. An example with no row (the run stopped before it) is recorded as not run and scores as a
    /// failure.
    public static func evaluation(_ set: HeldOutSet, stored: [StoredPrediction], processing: OutputProcessing,
                                  metrics: [MetricName], configuration: ScoreConfiguration, name: String,
                                  settings: JSONValue) throws -> ScoredEvaluation {
        let hypotheses = hypotheses(stored, count: set.examples.count, processing: processing)
        let scores = try score(set, hypotheses: hypotheses, metrics: metrics, configuration: configuration, name: name)
        var byPosition: [Int: StoredPrediction] = [:]
        for p in stored { byPosition[p.position] = p }
        let records = set.examples.enumerated().map { i, example in
            let p = byPosition[i]
            return PredictionRecord(
                exampleID: example.id, input: example.inputText, references: example.references, prediction: p?.prediction,
                error: p == nil ? "not run: the run stopped first" : p?.error, latencyMs: p?.latencyMs, cached: p?.cached ?? false,
                promptTokens: p?.promptTokens, completionTokens: p?.completionTokens)
        }
        let record = EvaluationRecord(scores: scores, dataset: set.content, predictions: records, settings: settings)
        return ScoredEvaluation(scores: scores, record: record, failures: records.filter { $0.prediction == nil }.count)
    }
}
