import Foundation

/// OpenAI fine-tuning: job objects (`GET /v1/fine_tuning/jobs/{id}` or the list endpoint), event lists
/// (`GET /v1/fine_tuning/jobs/{id}/events`) and result files (`step_metrics.csv` / legacy `results.csv`).
enum OpenAIImporter {
    static let jobObject = "fine_tuning.job"
    static let eventObject = "fine_tuning.job.event"

    /// Hyperparameters that are floats even when written as whole numbers (`"learning_rate_multiplier": 2`), so the
    /// same setting compares equal across jobs.
    private static let floatHyperparameters: Set<String> = ["learning_rate_multiplier", "beta", "compute_multiplier"]

    // MARK: Jobs

    /// One run per job: a single job object, or every job of a list response.
    static func jobs(_ root: LogJSON, bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> [TrainingLog] {
        guard let object = root.object else {
            throw LogError(file: file, line: 1, message: "expected a fine_tuning.job object or a list of them")
        }
        if object["object"]?.string == jobObject { return [job(object)] }
        guard object["object"]?.string == "list", let data = object["data"]?.array else {
            throw LogError(
                file: file, line: line(of: object, in: bytes),
                message: "expected a fine_tuning.job object or a list response of them")
        }
        return try data.map { item in
            guard let job = item.object, job["object"]?.string == jobObject else {
                let at = item.object.map { line(of: $0, in: bytes) } ?? line(of: object, in: bytes)
                throw LogError(file: file, line: at, message: "list item is not a fine_tuning.job object")
            }
            return self.job(job)
        }
    }

    private static func job(_ job: JSONObject) -> TrainingLog {
        var run = TrainingLog(provider: "openai")
        run.jobID = job["id"]?.string
        run.baseModel = job["model"]?.string
        run.fineTunedModel = job["fine_tuned_model"]?.string
        run.status = job["status"]?.string
        run.createdAt = job["created_at"]?.double.map { Date(timeIntervalSince1970: $0) }
        run.endedAt = job["finished_at"]?.double.map { Date(timeIntervalSince1970: $0) }
        run.suggestedName = run.fineTunedModel ?? run.jobID

        // `method.<type>.hyperparameters` is the current home; the top-level `hyperparameters` is its deprecated
        // mirror (supervised only), used for anything the method block lacks.
        let method = job["method"]?.object
        let methodType = method?["type"]?.string
        let methodHyperparameters = methodType.flatMap { method?[$0]?.object?["hyperparameters"]?.object }
        for source in [methodHyperparameters, job["hyperparameters"]?.object] {
            for (key, value) in source?.entries ?? [] { run.addParam(key, hyperparameter(key, value)) }
        }
        run.addParam("seed", job["seed"]?.numericParam)
        run.addParam("trained_tokens", job["trained_tokens"]?.numericParam)
        run.addParam("method", methodType.map { ParamValue.string($0) })
        run.addParam("suffix", (job["user_provided_suffix"]?.string ?? job["suffix"]?.string).map { ParamValue.string($0) })

        if let training = job["training_file"]?.string { run.datasets.append(DatasetReference(path: training, role: .train)) }
        if let validation = job["validation_file"]?.string { run.datasets.append(DatasetReference(path: validation, role: .valid)) }
        for (key, value) in job["metadata"]?.object?.entries ?? [] {
            if let text = value.string { run.tags.append((key, text)) }
        }
        for file in job["result_files"]?.array ?? [] {
            if let id = file.string { run.tags.append(("result_file", id)) }
        }
        if let error = job["error"]?.object {
            let message = error["message"]?.string ?? error["code"]?.string
            if let message, !message.isEmpty { run.notes = message }
        }
        return run
    }

    private static func hyperparameter(_ key: String, _ value: LogJSON) -> ParamValue? {
        switch value {
        case let .string(s): return .string(s)
        case let .bool(b): return .bool(b)
        case let .number(n):
            if floatHyperparameters.contains(key) { return .double(n.double) }
            return value.numericParam
        default: return nil
        }
    }

    // MARK: Events

    /// The metric points of an event list. Only `type == "metrics"` events carry points; the API lists events newest
    /// first, so they are replayed in time order and a step re-reported later wins.
    static func events(_ root: LogJSON, bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> TrainingLog {
        guard let list = root.object, let data = list["data"]?.array else {
            throw LogError(file: file, line: 1, message: "expected a list response of fine_tuning.job.event objects")
        }
        let events = data.compactMap(\.object)
        let chronological = events.indices.sorted { a, b in
            let ta = events[a]["created_at"]?.double ?? -.infinity
            let tb = events[b]["created_at"]?.double ?? -.infinity
            return ta != tb ? ta < tb : a > b
        }
        var run = TrainingLog(provider: "openai")
        var points: [MetricPoint] = []
        var totalSteps: Int64?
        for index in chronological {
            let event = events[index]
            guard event["type"]?.string == "metrics", let payload = event["data"]?.object,
                let step = payload["step"]?.int64
            else { continue }
            let wall = event["created_at"]?.double
            for (key, value) in payload.entries {
                if key == "step" { continue }
                if key == "total_steps" {
                    if let t = value.int64 { totalSteps = t }
                    continue
                }
                guard let v = value.measurement else { continue }
                points.append(MetricPoint(key: MetricKey.canonicalOpenAI(key), step: step, value: v, wallTime: wall))
            }
        }
        run.addParam("max_steps", totalSteps.map { ParamValue.int($0) })
        run.metrics = normalizedMetrics(points)
        if case .bool(true)? = list["has_more"] {
            run.notes = "event list is one page (has_more: true); older events were not imported"
        }
        return run
    }

    // MARK: Checkpoints

    static let checkpointObject = "fine_tuning.job.checkpoint"

    /// A checkpoint list (`GET /fine_tuning/jobs/{id}/checkpoints`): each checkpoint's model name as a tag
    /// `checkpoint.step-N` (so advice can name the checkpoint to use) and the full-validation metrics, which only
    /// checkpoints carry. The per-step losses they repeat come from the events and the results file.
    static func checkpoints(_ root: LogJSON, file: String) throws -> TrainingLog {
        guard let list = root.object, let data = list["data"]?.array else {
            throw LogError(file: file, line: 1, message: "expected a list response of fine_tuning.job.checkpoint objects")
        }
        var run = TrainingLog(provider: "openai")
        var points: [MetricPoint] = []
        for item in data.compactMap(\.object) where item["object"]?.string == checkpointObject {
            if run.jobID == nil { run.jobID = item["fine_tuning_job_id"]?.string }
            guard let step = item["step_number"]?.int64 else { continue }
            if let model = item["fine_tuned_model_checkpoint"]?.string {
                run.tags.append((key: "checkpoint.step-\(step)", value: model))
            }
            let wall = item["created_at"]?.double
            for (key, value) in item["metrics"]?.object?.entries ?? [] where key.hasPrefix("full_valid") {
                guard let v = value.measurement else { continue }
                points.append(MetricPoint(key: MetricKey.canonicalOpenAI(key), step: step, value: v, wallTime: wall))
            }
        }
        run.suggestedName = run.jobID
        run.metrics = normalizedMetrics(points)
        return run
    }

    // MARK: Result files

    /// The per-step result CSV (current or legacy columns). Empty cells are steps without that measurement.
    static func results(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> TrainingLog {
        let points = try MetricRows.parseCSV(bytes, file: file, keyFor: MetricKey.canonicalOpenAI, allowLongForm: false)
        return TrainingLog(provider: "openai", metrics: normalizedMetrics(points))
    }

    /// Whether a CSV header is an OpenAI result file's: `step` with the current `train_loss,train_accuracy` pair or
    /// the legacy `training_loss,elapsed_tokens` pair. Extra columns are allowed (newer files add `full_valid_*`).
    static func isResultsHeader(_ lowercasedNames: [String]) -> Bool {
        let names = Set(lowercasedNames)
        guard names.contains("step") else { return false }
        return (names.contains("train_loss") && names.contains("train_accuracy"))
            || (names.contains("training_loss") && names.contains("elapsed_tokens"))
    }
}
