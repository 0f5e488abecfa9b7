import Foundation
import Testing
import YardstickTestSupport
import YardstickAdvisor
import YardstickLogs

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
                stopEpoch: o["stop_epoch"] as? Double, curves: TrainingCurves(log: run))
        }
    }
}
