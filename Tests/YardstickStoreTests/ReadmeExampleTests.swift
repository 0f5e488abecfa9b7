import Foundation
import Testing
import YardstickMetrics
import YardstickStore
import YardstickTestSupport

/// The README's library example, line for line, so the documentation cannot rot.
@Test func readmeLibraryExampleRuns() throws {
    let rows = try Fixtures.jsonLines("metrics/translation/tr_de.jsonl")
    let hyps = rows.map { $0["hyp"] as! String }
    let refs = rows.map { ($0["refs"] as! [String])[0] }
    let reference = "add and remove users and groups"
    let summary = "This package includes the adduser and deluser commands for creating and removing users."

    let bleu = BLEU()
    let stats = bleu.statistics(hypotheses: hyps, references: refs.map { [$0] })
    let score = bleu.score(totals: stats.totals())
    #expect(score.formatted().hasPrefix("BLEU = 42.92"))
    #expect(bleu.signature(referenceCount: 1).hasPrefix("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp"))
    let ci = Significance.bootstrapInterval(metric: bleu, statistics: stats)
    #expect(ci.lower < score.score && score.score < ci.upper)
    let rouge = ROUGE(types: [.rougeL], useStemmer: true).score(target: reference, prediction: summary)
    #expect(rouge[.rougeL]!.fmeasure > 0)

    let folder = try TemporaryDirectory.make()
    let store = try Store(path: folder.appendingPathComponent("experiments/yardstick.db").path)
    let run = try store.createRun(experiment: "sft", name: "lr-2e-5", params: [("learning_rate", .double(2e-5))])
    _ = try store.logMetrics(run: run.id, [MetricPoint(key: "train_loss", step: 10, value: 1.93)])
    _ = try store.logMetrics(run: run.id, [MetricPoint(key: "eval_loss", step: 10, value: 1.97)])
    let overfit = try store.listRuns(experiment: "sft", where: "metrics.eval_loss > 1.5", sort: nil, limit: nil)
    #expect(overfit.map(\.run.name) == ["lr-2e-5"])
    // The README's last two lines, on the test server (or a second file without one).
    let team = try Store(path: try (Backend.available.last ?? .sqlite).newLocation(in: folder, name: "team.db"))
    try store.copy(to: team)
    #expect(try team.listRuns(experiment: "sft", where: "metrics.eval_loss > 1.5").map(\.run.name) == ["lr-2e-5"])
}
