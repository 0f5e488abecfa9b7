import Foundation
import YardstickMetrics
import YardstickReport
import YardstickStore
import YardstickTestSupport

/// A store whose every user-supplied string tries to break out of its context, with two runs evaluated on the
/// same test set (so they are paired) and a third with a NaN in its loss.
enum ReportFixture {
    static let hostile = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> | `tick` \"q\" 'a' & [l](http://example.com)"

    static func store() throws -> (store: Store, runs: [Run], directory: URL) {
        let dir = try TemporaryDirectory.make()
        let store = try Store(path: dir.appendingPathComponent("r.db").path)
        var runs: [Run] = []
        for (i, name) in ["base <b>\"x\"</b>", "lr|2e-4 `fast`", "nan-run"].enumerated() {
            let run = try store.createRun(
                experiment: "exp <script>alert(1)</script>", name: name,
                params: [("learning_rate", .double([1e-4, 2e-4, 4e-4][i])), ("note", .string(hostile)), ("n_epochs", .int(3))],
                tags: [("owner", hostile)], jobID: "ftjob-\"<x>\(i)", baseModel: "gpt-<4o>")
            var points: [MetricPoint] = []
            let steps = 600
            for s in 1...steps {
                let t = Double(s) / Double(steps)
                var train = 2.5 * exp(-4 * t) + 0.15 + 0.05 * sin(Double(s) * 1.7) + Double(i) * 0.02
                if i == 2 && (s == 300 || s == 301) { train = .nan }
                points.append(MetricPoint(key: "train_loss", step: Int64(s), epoch: 3 * t, value: train))
                if s % 50 == 0 {
                    let eval = 1.2 * exp(-3 * t) + 0.4 + 0.5 * t * t * Double(i)
                    points.append(MetricPoint(key: "eval_loss", step: Int64(s), epoch: 3 * t, value: eval))
                    points.append(MetricPoint(key: "eval_accuracy", step: Int64(s), epoch: 3 * t, value: 0.5 + 0.3 * t))
                }
            }
            try store.logMetrics(run: run.id, points)
            runs.append(run)
        }
        let references = (0..<40).map { "the reference sentence number \($0) says \"hello\" & goodbye" }
        let inputs = (0..<40).map { "input \($0): \(hostile)" }
        let systems = [
            references.enumerated().map { i, r in i % 3 == 0 ? hostile : r },
            references.enumerated().map { i, r in i % 4 == 0 ? "<script>window.__pwned=3</script> sentence \(i)" : r.replacingOccurrences(of: "hello", with: "hi") },
        ]
        var configuration = ScoreConfiguration()
        configuration.confidence = true
        configuration.collectSegmentScores = true
        for metric in [MetricName.chrf, .bleu] {
            let outcome = try CorpusScorer.score(metric: metric, systems: systems.enumerated().map { SystemInput(name: "s\($0.offset)", hypotheses: $0.element) },
                                                 references: references.map { [$0] }, configuration: configuration)
            for (i, score) in outcome.systems.enumerated() {
                try store.recordEvaluation(run: runs[i].id, EvaluationRecord(
                    scores: [score], dataset: DatasetContent(references: references.map { [$0] }, path: "test <set>.txt"),
                    predictions: PredictionRecord.fromHypotheses(systems[i], references: references.map { [$0] }, inputs: inputs),
                    settings: .object([])))
            }
        }
        return (store, runs, dir)
    }

    static func report() throws -> (data: ReportData, directory: URL) {
        let (store, runs, dir) = try store()
        return (try ReportData.load(store: store, runs: runs, now: Date(timeIntervalSince1970: 1_800_000_000)), dir)
    }
}
