import Foundation

/// A typed hyperparameter or setting. OpenAI's `"auto"` stays a string.
public enum ParamValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)

    /// Parses a command-line `k=v` value: integer, then float, then `true`/`false`, else a string.
    public init(parsing text: String) {
        if let i = Int64(text) { self = .int(i) }
        else if text.allSatisfy({ "0123456789+-.eE".contains($0) }), let d = Double(text), d.isFinite { self = .double(d) }
        else if text == "true" || text == "false" { self = .bool(text == "true") }
        else { self = .string(text) }
    }

    /// The value as a number, when it is one (used by filters and comparisons).
    public var numericValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        case let .bool(b): return b ? 1 : 0
        case .string: return nil
        }
    }

    public var description: String {
        switch self {
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let .string(s): return s
        case let .bool(b): return b ? "true" : "false"
        }
    }
}

/// One point of a metric history (a training or validation curve).
public struct MetricPoint: Sendable, Equatable {
    public var key: String
    public var step: Int64
    public var epoch: Double?
    public var value: Double
    /// Seconds since 1970, when the log has it.
    public var wallTime: Double?

    public init(key: String, step: Int64, epoch: Double? = nil, value: Double, wallTime: Double? = nil) {
        self.key = key
        self.step = step
        self.epoch = epoch
        self.value = value
        self.wallTime = wallTime
    }
}

/// A dataset a run used or was evaluated on.
public struct DatasetReference: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable { case train, valid, test }
    /// A file path, or a provider file id such as `file-abc123`.
    public var path: String
    public var role: Role
    public var sha256: String?
    public var sizeBytes: Int64?

    public init(path: String, role: Role, sha256: String? = nil, sizeBytes: Int64? = nil) {
        self.path = path
        self.role = role
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
    }
}

/// Log formats the importers read.
public enum ImportFormat: String, Sendable, CaseIterable {
    case openaiJob = "openai-job"
    case openaiEvents = "openai-events"
    case openaiCheckpoints = "openai-checkpoints"
    case openaiResults = "openai-results"
    case hfTrainerState = "hf-trainer-state"
    case llamaFactory = "llama-factory"
    case csv
}

/// One training log in memory: the params, job identity and metric series (step, epoch, wall time) a trainer's log
/// file holds. Parsers produce it without touching any store, so tools that only read curves need no database;
/// the store decides which run a log lands in.
public struct TrainingLog: Sendable, Equatable {
    /// A name suggested by the file (e.g. the job id or the output folder); the user may override it.
    public var suggestedName: String?
    /// `openai`, `huggingface`, `llama-factory`, or nil for generic files.
    public var provider: String?
    /// Provider job id (`ftjob-…`).
    public var jobID: String?
    public var baseModel: String?
    public var fineTunedModel: String?
    /// Provider status (`succeeded`, `failed`, …); nil when the file does not say.
    public var status: String?
    public var createdAt: Date?
    public var startedAt: Date?
    public var endedAt: Date?
    /// Hyperparameters and run facts, in the order the file gives them.
    public var params: [(key: String, value: ParamValue)]
    public var tags: [(key: String, value: String)]
    public var datasets: [DatasetReference]
    /// Curve points, sorted by key then step, without duplicates.
    public var metrics: [MetricPoint]
    public var notes: String?

    public init(
        suggestedName: String? = nil, provider: String? = nil, jobID: String? = nil,
        baseModel: String? = nil, fineTunedModel: String? = nil, status: String? = nil,
        createdAt: Date? = nil, startedAt: Date? = nil, endedAt: Date? = nil,
        params: [(key: String, value: ParamValue)] = [], tags: [(key: String, value: String)] = [],
        datasets: [DatasetReference] = [], metrics: [MetricPoint] = [], notes: String? = nil
    ) {
        self.suggestedName = suggestedName
        self.provider = provider
        self.jobID = jobID
        self.baseModel = baseModel
        self.fineTunedModel = fineTunedModel
        self.status = status
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.params = params
        self.tags = tags
        self.datasets = datasets
        self.metrics = metrics
        self.notes = notes
    }

    /// The value of a parameter, if present.
    public func param(_ key: String) -> ParamValue? { params.first { $0.key == key }?.value }

    /// The points of one metric in step order (logging order within a step), whether or not `metrics` is sorted,
    /// so a hand-built log reads like a parsed one.
    public func series(_ key: String) -> [MetricPoint] {
        var points = metrics.filter { $0.key == key }
        if zip(points, points.dropFirst()).contains(where: { $0.step > $1.step }) {
            points = points.enumerated().sorted { ($0.element.step, $0.offset) < ($1.element.step, $1.offset) }.map(\.element)
        }
        return points
    }

    /// The metric keys that have points, sorted and without repeats.
    public var keys: [String] { Set(metrics.map(\.key)).sorted() }

    public static func == (a: TrainingLog, b: TrainingLog) -> Bool {
        a.suggestedName == b.suggestedName && a.provider == b.provider && a.jobID == b.jobID
            && a.baseModel == b.baseModel && a.fineTunedModel == b.fineTunedModel && a.status == b.status
            && a.createdAt == b.createdAt && a.startedAt == b.startedAt && a.endedAt == b.endedAt
            && a.params.map(\.key) == b.params.map(\.key) && a.params.map(\.value) == b.params.map(\.value)
            && a.tags.map(\.key) == b.tags.map(\.key) && a.tags.map(\.value) == b.tags.map(\.value)
            && a.datasets == b.datasets && a.metrics == b.metrics && a.notes == b.notes
    }
}
