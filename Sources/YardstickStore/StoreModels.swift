import Foundation
import YardstickMetrics

/// A store-level failure with a message meant for the command line.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The file was written by a newer Yardstick (its `user_version` is above ours).
    case newerSchema(path: String, found: Int, supported: Int)
    /// No run matches the reference.
    case runNotFound(reference: String, experiment: String?)
    /// Several runs match the reference; `candidates` describe them (`id  experiment/name`).
    case ambiguousRun(reference: String, candidates: [String])
    /// A run with this name already exists in the experiment.
    case runNameTaken(name: String, experiment: String)
    /// No experiment with this name.
    case experimentNotFound(String)
    /// No evaluation with this id.
    case evaluationNotFound(Int64)
    /// An argument the store cannot use (empty name, bad key…).
    case invalidArgument(String)
    /// A worker's claim on shard `shard` (0-based) of `count` was taken over (its lease ran out): its write is rejected.
    case leaseLost(shard: Int, count: Int)

    /// A one-line message for `error: …`.
    public var description: String {
        switch self {
        case let .newerSchema(path, found, supported):
            return "\(path) uses store schema version \(found), but this yardstick supports up to version \(supported); upgrade yardstick to open it"
        case let .runNotFound(reference, experiment):
            if let experiment { return "no run '\(reference)' in experiment '\(experiment)' (give a run id, id prefix, name or job id)" }
            return "no run '\(reference)' (give a run id, id prefix of at least 4 characters, name or job id)"
        case let .ambiguousRun(reference, candidates):
            return "run reference '\(reference)' is ambiguous; it matches \(candidates.count) runs: \(candidates.joined(separator: "; "))"
        case let .runNameTaken(name, experiment):
            return "experiment '\(experiment)' already has a run named '\(name)'"
        case let .experimentNotFound(name):
            return "no experiment named '\(name)'"
        case let .evaluationNotFound(id):
            return "no evaluation with id \(id)"
        case let .invalidArgument(message):
            return message
        case let .leaseLost(shard, count):
            return "lost the lease on shard \(shard + 1)/\(count): another worker took it over after the lease ran out, so this worker's late answers for it were rejected"
        }
    }
}

/// A named group of runs.
public struct Experiment: Sendable, Equatable, Identifiable {
    /// The `experiments.id`.
    public var id: Int64
    /// Unique experiment name.
    public var name: String
    /// When the experiment was first used.
    public var createdAt: Date

    /// An experiment value.
    public init(id: Int64, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// One training or evaluation run and its attributes.
public struct Run: Sendable, Equatable, Identifiable {
    /// 32 lowercase hex digits.
    public var id: String
    /// The experiment's name.
    public var experiment: String
    /// Unique within the experiment.
    public var name: String
    /// `running`, `finished`, `failed`, `killed`, or a provider's own status word.
    public var status: String
    /// When the run (or the provider job) was created.
    public var createdAt: Date
    /// When training started, if known.
    public var startedAt: Date?
    /// When the run ended, if known.
    public var endedAt: Date?
    /// The model that was fine-tuned.
    public var baseModel: String?
    /// The resulting model id, once the provider reports it.
    public var fineTunedModel: String?
    /// `openai`, `huggingface`, `llama-factory`, …
    public var provider: String?
    /// Provider job id (`ftjob-…`).
    public var jobID: String?
    /// Free text.
    public var notes: String?

    /// A run value; `Store.createRun` is how runs are made.
    public init(
        id: String, experiment: String, name: String, status: String, createdAt: Date,
        startedAt: Date? = nil, endedAt: Date? = nil, baseModel: String? = nil, fineTunedModel: String? = nil,
        provider: String? = nil, jobID: String? = nil, notes: String? = nil
    ) {
        self.id = id
        self.experiment = experiment
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.baseModel = baseModel
        self.fineTunedModel = fineTunedModel
        self.provider = provider
        self.jobID = jobID
        self.notes = notes
    }
}

/// A run with everything a listing shows: params, tags, final metric values and evaluation scores.
public struct RunSummary: Sendable, Equatable {
    /// The run's attributes.
    public var run: Run
    /// Params by key.
    public var params: [String: ParamValue]
    /// Tags by key.
    public var tags: [String: String]
    /// The last-step value of each logged metric history.
    public var finalMetrics: [String: Double]
    /// The latest evaluation score of each evaluation metric.
    public var evaluationScores: [String: Double]

    /// A summary value.
    public init(
        run: Run, params: [String: ParamValue] = [:], tags: [String: String] = [:],
        finalMetrics: [String: Double] = [:], evaluationScores: [String: Double] = [:]
    ) {
        self.run = run
        self.params = params
        self.tags = tags
        self.finalMetrics = finalMetrics
        self.evaluationScores = evaluationScores
    }

    /// What `metrics.X` means in filters, sorting and exports: the evaluation score named X when the run
    /// has one (and it is a number), else the final value of the history X.
    public var metrics: [String: Double] {
        finalMetrics.merging(evaluationScores.filter { !$0.value.isNaN }) { _, evaluation in evaluation }
    }
}

/// A per-key overview of a run's metric histories.
public struct MetricSeriesSummary: Sendable, Equatable {
    /// The metric key.
    public var key: String
    /// Number of stored points.
    public var points: Int
    /// Smallest step.
    public var firstStep: Int64
    /// Largest step.
    public var lastStep: Int64
    /// Value at the last step (latest logged, if the step was logged more than once).
    public var lastValue: Double
    /// Smallest and largest non-NaN values, nil when every value is NaN.
    public var minValue: Double?
    /// See ``minValue``.
    public var maxValue: Double?

    /// A series summary value.
    public init(key: String, points: Int, firstStep: Int64, lastStep: Int64, lastValue: Double, minValue: Double?, maxValue: Double?) {
        self.key = key
        self.points = points
        self.firstStep = firstStep
        self.lastStep = lastStep
        self.lastValue = lastValue
        self.minValue = minValue
        self.maxValue = maxValue
    }
}

/// One row of a comparison: a key and its value in each compared run (nil where a run lacks it).
public struct ComparisonRow<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The param or metric key.
    public var key: String
    /// One value per compared run, in the runs' order.
    public var values: [Value?]

    /// A comparison row.
    public init(key: String, values: [Value?]) {
        self.key = key
        self.values = values
    }
}

/// Runs side by side: the params that tell them apart and their metrics.
public struct RunComparison: Sendable, Equatable {
    /// The compared runs, in the order asked for.
    public var runs: [Run]
    /// Params whose values differ (or are missing in some runs), sorted by key.
    public var differingParams: [ComparisonRow<ParamValue>]
    /// Params every run has with the same value, sorted by key.
    public var commonParams: [ComparisonRow<ParamValue>]
    /// Every metric any run has (`RunSummary.metrics`: evaluation score or final value), sorted by key.
    public var metrics: [ComparisonRow<Double>]

    /// A comparison value.
    public init(
        runs: [Run], differingParams: [ComparisonRow<ParamValue>], commonParams: [ComparisonRow<ParamValue>],
        metrics: [ComparisonRow<Double>]
    ) {
        self.runs = runs
        self.differingParams = differingParams
        self.commonParams = commonParams
        self.metrics = metrics
    }
}

/// File formats of `Store.export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// Comma-separated, with a header row.
    case csv
    /// One JSON object per line.
    case jsonl
}

/// A file being imported: where it came from and its content hash, the key for idempotent imports.
public struct ImportSource: Sendable, Equatable {
    /// The file path as given on the command line.
    public var path: String
    /// The format the importer read.
    public var format: ImportFormat
    /// Lowercase hex SHA-256 of the file's bytes.
    public var sha256: String
    /// File size in bytes.
    public var sizeBytes: Int64

    /// Describes a file whose hash is already known.
    public init(path: String, format: ImportFormat, sha256: String, sizeBytes: Int64) {
        self.path = path
        self.format = format
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
    }

    /// Describes file contents already read, hashing them.
    public init(path: String, format: ImportFormat, contents: Data) {
        self.init(path: path, format: format, sha256: SHA256.hex(contents), sizeBytes: Int64(contents.count))
    }
}

/// What `Store.importRun` did.
public enum ImportOutcome: Sendable, Equatable {
    /// A new run was created; `points` metric points were stored.
    case created(runID: String, runName: String, points: Int)
    /// An existing run (the target, or the run with the same job id) was extended.
    case extended(runID: String, runName: String, points: Int)
    /// A file with the same SHA-256 was imported before; nothing changed.
    case alreadyImported(runID: String, runName: String)

    /// The run the file belongs to.
    public var runID: String {
        switch self {
        case let .created(id, _, _), let .extended(id, _, _), let .alreadyImported(id, _): return id
        }
    }

    /// The name of that run.
    public var runName: String {
        switch self {
        case let .created(_, name, _), let .extended(_, name, _), let .alreadyImported(_, name): return name
        }
    }
}
