import Foundation
import YardstickLogs

extension TrainingCurves {
    /// The advisor's input from a parsed log; see ``init(name:metrics:params:models:)``.
    public init(log: TrainingLog) {
        self.init(name: log.suggestedName ?? log.jobID, metrics: log.metrics, params: log.params, models: [log.fineTunedModel])
    }


    /// The advisor's input from a stored run or an imported log: histories by key, params as numbers or text,
    /// and the checkpoints the log names (Hugging Face `best_model_checkpoint`, OpenAI `…:ckpt-step-N` models).
    public init(name: String?, metrics: [MetricPoint], params: [(key: String, value: ParamValue)], models: [String?] = []) {
        var series: [String: [CurvePoint]] = [:]
        for p in metrics { series[p.key, default: []].append(CurvePoint(step: p.step, epoch: p.epoch, value: p.value)) }
        var values: [String: CurveParam] = [:]
        for (key, value) in params { values[key] = value.numericValue.map(CurveParam.number) ?? .text(value.description) }
        var checkpoints: [Checkpoint] = []
        if case let .text(path)? = values["best_model_checkpoint"], let range = path.range(of: "checkpoint-", options: .backwards),
           let step = Int64(path[range.upperBound...].prefix { $0.isNumber }) {
            checkpoints.append(Checkpoint(step: step, name: String(path.split(separator: "/").last ?? Substring(path))))
        }
        // OpenAI checkpoint models are named `ft:…:ckpt-step-N`.
        for case let model? in models {
            if let range = model.range(of: ":ckpt-step-"), let step = Int64(model[range.upperBound...].prefix { $0.isNumber }) {
                checkpoints.append(Checkpoint(step: step, name: model))
            }
        }
        self.init(name: name, series: series, params: values, checkpoints: checkpoints)
    }
}

