import Foundation
import YardstickMetrics

extension Store {
    /// Records a corpus score as evaluations of a run, in one transaction: one evaluation per headline number
    /// (e.g. `rouge1`…`rougeLsum`, or `accuracy` and `macro_f1`) with its signature, interval and the summed
    /// sufficient statistics, and, when given, the per-example results under the first of them.
    ///
    /// - Returns: the ids of the evaluations, in headline order.
    @discardableResult
    public func recordScore(
        run: String, score: SystemScore, dataset: DatasetReference? = nil, examples: [EvaluationExample] = []
    ) throws -> [Int64] {
        let details = score.details.compact
        return try database.transaction(.immediate) {
            var ids: [Int64] = []
            for headline in score.headlines {
                ids.append(try addEvaluation(run: run, Evaluation(
                    metric: headline.metric, score: headline.value, signature: score.signature, ciLow: headline.low,
                    ciHigh: headline.high, statistics: score.totals, exampleCount: score.segmentCount,
                    dataset: dataset, details: details)))
            }
            if let first = ids.first, !examples.isEmpty { try addExamples(evaluation: first, examples) }
            return ids
        }
    }

    /// Per-example results of a scored system: hypotheses, references (a JSON array when there are several)
    /// and the sentence-level scores.
    public static func examples(of score: SystemScore, hypotheses: [String], references: [[String]]) -> [EvaluationExample] {
        hypotheses.indices.map { i in
            let refs = references[i]
            let reference = refs.count == 1 ? refs[0] : JSONValue.array(refs.map { .string($0) }).compact
            return EvaluationExample(
                exampleID: String(i + 1), reference: reference, prediction: hypotheses[i],
                scores: score.segmentScores.mapValues { $0[i] })
        }
    }
}

extension DatasetReference {
    /// A dataset file described by its content hash and size (nil for standard input or an unreadable path).
    public static func file(at path: String, role: Role) -> DatasetReference? {
        guard path != "-", let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        return DatasetReference(path: path, role: role, sha256: ImportSource.sha256Hex(data), sizeBytes: Int64(data.count))
    }
}

extension Store {
    /// The run a reference names (id, prefix, name or job id), or a new run of that name in `experiment`.
    public func resolveOrCreateRun(_ reference: String, experiment: String) throws -> Run {
        do {
            return try resolveRun(reference, experiment: experiment)
        } catch StoreError.runNotFound {
            return try createRun(experiment: experiment, name: reference, status: "finished")
        }
    }
}
