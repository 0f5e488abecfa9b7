import Foundation
import Testing
import YardstickTestSupport
import YardstickAdvisor
import YardstickStore

/// The tests' bridge from today's importer output to the advisor's input (the CLI has its own for store runs).
extension TrainingCurves {
    init(_ run: ImportedRun) {
        var series: [String: [CurvePoint]] = [:]
        for p in run.metrics { series[p.key, default: []].append(CurvePoint(step: p.step, epoch: p.epoch, value: p.value)) }
        var params: [String: CurveParam] = [:]
        for (key, value) in run.params {
            params[key] = value.numericValue.map(CurveParam.number) ?? .text(value.description)
        }
        var checkpoints: [Checkpoint] = []
        if case let .text(path)? = params["best_model_checkpoint"], let range = path.range(of: "checkpoint-", options: .backwards),
           let step = Int64(path[range.upperBound...].prefix { $0.isNumber }) {
            checkpoints.append(Checkpoint(step: step, name: String(path.split(separator: "/").last ?? Substring(path))))
        }
        self.init(name: run.suggestedName, series: series, params: params, checkpoints: checkpoints)
    }
}

/// The 47 labelled public curves.
struct LabelledRun {
    var id: String
    var file: String
    var labels: Set<String>
    var epochs: String
    var learningRate: String
    var batchSize: String
    var stopEpoch: Double?
    var curves: TrainingCurves

    var isDevelopment: Bool { (Int(id) ?? 0) % 2 == 1 }

    static func all() throws -> [LabelledRun] {
        try Fixtures.text("curves/labels.jsonl").split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let advice = try #require(o["advice"] as? [String: String])
            let file = try #require(o["file"] as? String)
            let data = try Fixtures.data("curves/\(file)")
            let run = try #require(try Importers.parse(data: data, path: Fixtures.url("curves/\(file)").path).first)
            return LabelledRun(
                id: try #require(o["id"] as? String), file: file, labels: Set(try #require(o["labels"] as? [String])),
                epochs: advice["epochs"] ?? "", learningRate: advice["learning_rate"] ?? "", batchSize: advice["batch_size"] ?? "",
                stopEpoch: o["stop_epoch"] as? Double, curves: TrainingCurves(run))
        }
    }
}
