import Foundation

/// Hugging Face `Trainer` `trainer_state.json`.
enum HuggingFaceImporter {
    /// `num_train_epochs` at or above this is the `sys.maxsize` placeholder of a `max_steps`-driven run.
    private static let epochPlaceholderThreshold = 1e9

    static func parse(_ root: LogJSON, bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> TrainingLog {
        guard let state = root.object else {
            throw LogError(file: file, line: 1, message: "expected a trainer_state.json object with a log_history list")
        }
        guard let history = state["log_history"]?.array else {
            throw LogError(file: file, line: line(of: state, in: bytes), message: "log_history is missing or not a list")
        }

        var points: [MetricPoint] = []
        var summary: [(key: String, value: ParamValue)] = []
        var firstLearningRate: Double?
        var peakLearningRate: Double?
        for item in history {
            guard let entry = item.object else { continue }
            if entry.has("train_runtime") {
                // The closing entry holds run totals, not a point on the curve.
                summary = entry.entries.compactMap { key, value in
                    guard key != "epoch", key != "step", let p = value.numericParam else { return nil }
                    return (key == "train_loss" ? "train_loss_mean" : key, p)
                }
                continue
            }
            guard let step = entry["step"]?.int64 else { continue }
            let epoch = entry["epoch"]?.double
            for (key, value) in entry.entries where key != "step" && key != "epoch" {
                guard let v = value.measurement else { continue }
                let name = key == "loss" ? MetricKey.trainLoss : key
                points.append(MetricPoint(key: name, step: step, epoch: epoch, value: v))
                if name == MetricKey.learningRate, !v.isNaN {
                    if firstLearningRate == nil { firstLearningRate = v }
                    peakLearningRate = max(peakLearningRate ?? v, v)
                }
            }
        }

        var run = TrainingLog(suggestedName: runFolderName(forPath: file, standardFileName: "trainer_state.json"), provider: "huggingface")
        if let epochs = state["num_train_epochs"], let n = epochs.double, n < epochPlaceholderThreshold {
            run.addParam("num_train_epochs", epochs.numericParam)
        }
        for key in ["max_steps", "global_step", "train_batch_size", "logging_steps", "eval_steps"] {
            run.addParam(key, state[key]?.numericParam)
        }
        // The first logged rate is often a warm-up value; the peak is the configured one.
        if let peak = peakLearningRate {
            run.addParam("learning_rate", .double(peak))
            if let first = firstLearningRate, first != peak { run.addParam("learning_rate_first", .double(first)) }
        }
        if let best = state["best_metric"]?.double { run.addParam("best_metric", .double(best)) }
        run.addParam("best_global_step", state["best_global_step"]?.numericParam)
        if let checkpoint = state["best_model_checkpoint"]?.string { run.addParam("best_model_checkpoint", .string(checkpoint)) }
        for (key, value) in summary { run.addParam(key, value) }
        run.metrics = normalizedMetrics(points)
        return run
    }
}
