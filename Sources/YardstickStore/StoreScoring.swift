import Foundation
import YardstickMetrics

extension EvaluationRecord {
    /// The record of one or more metric families scored on the same predictions: each family's per-segment
    /// statistics, and one metric per headline number with its interval, signature and per-example scores.
    public init(scores: [SystemScore], dataset: DatasetContent?, predictions: [PredictionRecord], settings: JSONValue,
                createdAt: Date = Date()) {
        var statistics: [StatisticsRecord] = []
        var metrics: [MetricRecord] = []
        for score in scores {
            statistics.append(StatisticsRecord(options: score.options, signature: score.signature, statistics: score.statistics))
            for headline in score.headlines {
                metrics.append(MetricRecord(
                    name: headline.metric, score: headline.value, ciLow: headline.low, ciHigh: headline.high,
                    ciLevel: headline.low == nil ? nil : score.confidenceLevel, signature: score.signature,
                    statisticsIndex: statistics.count - 1, totals: score.totals, details: score.details.compact,
                    exampleScores: score.segmentScores[headline.metric]))
            }
        }
        self.init(dataset: dataset, settings: settings, predictions: predictions, statistics: statistics,
                  metrics: metrics, createdAt: createdAt)
    }
}

extension PredictionRecord {
    /// Predictions read from a file of hypotheses: example ids are 1-based line numbers unless given.
    public static func fromHypotheses(_ hypotheses: [String], references: [[String]], inputs: [String?]? = nil,
                                      ids: [String]? = nil) -> [PredictionRecord] {
        hypotheses.indices.map { i in
            PredictionRecord(exampleID: ids?[i] ?? String(i + 1), input: inputs?[i] ?? nil, references: references[i],
                             prediction: hypotheses[i])
        }
    }
}

extension Store {
    /// The run a reference names (id, prefix, name or job id), or a new run of that name in `experiment`.
    public func resolveOrCreateRun(_ reference: String, experiment: String) throws -> Run {
        do {
            return try resolveRun(reference, experiment: experiment)
        } catch StoreError.runNotFound {
            do {
                return try createRun(experiment: experiment, name: reference, status: "finished")
            } catch StoreError.runNameTaken {
                // Another process created it between our lookup and our insert (several shards starting at once).
                return try resolveRun(reference, experiment: experiment)
            }
        }
    }
}
