import Foundation

/// LLaMA-Factory `trainer_log.jsonl`: one JSON object per logging step.
enum LlamaFactoryImporter {
    /// Progress bookkeeping written on every line, not measurements.
    private static let bookkeeping: Set<String> = [
        "current_steps", "total_steps", "epoch", "percentage", "elapsed_time", "remaining_time",
    ]

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> TrainingLog {
        var points: [MetricPoint] = []
        var totalSteps: Int64?
        for line in nonBlankLines(bytes) {
            let entry = try jsonLineObject(bytes, line, file: file)
            guard let step = entry["current_steps"]?.int64 else {
                throw LogError(file: file, line: line.number, message: "line has no integer current_steps")
            }
            if let total = entry["total_steps"]?.int64 { totalSteps = total }
            let epoch = entry["epoch"]?.double
            for (key, value) in entry.entries where !bookkeeping.contains(key) {
                guard let v = value.measurement else { continue }
                let name: String
                switch key {
                case "loss": name = MetricKey.trainLoss
                case "lr", "learning_rate": name = MetricKey.learningRate
                default: name = key
                }
                points.append(MetricPoint(key: name, step: step, epoch: epoch, value: v))
            }
        }

        // Resumed runs append lines again and may write them out of order: sort, keep each step's last line.
        let metrics = normalizedMetrics(points)
        var run = TrainingLog(suggestedName: runFolderName(forPath: file, standardFileName: "trainer_log.jsonl"), provider: "llama-factory")
        run.addParam("max_steps", totalSteps.map { ParamValue.int($0) })
        let rates = metrics.filter { $0.key == MetricKey.learningRate && !$0.value.isNaN }.map(\.value)
        if let first = rates.first, let peak = rates.max() {
            run.addParam("learning_rate", .double(peak))
            if first != peak { run.addParam("learning_rate_first", .double(first)) }
        }
        run.metrics = metrics
        return run
    }
}
