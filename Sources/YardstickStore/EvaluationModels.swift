import Foundation
import YardstickMetrics

/// A held-out set identified by what it contains: the SHA-256 of its examples' inputs and references in order.
///
/// The identity ignores the file's path, its line endings and the key order of JSON rows, and never includes
/// predictions, so two runs scored on the same test set from different files share one dataset. The path is
/// kept as an alias.
public struct DatasetContent: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the canonical example stream (see ``fingerprint(inputs:references:)``).
    public var contentSHA256: String
    /// Number of examples.
    public var exampleCount: Int
    /// The file it was read from, when there is one (an alias; not part of the identity).
    public var path: String?
    /// SHA-256 of that file's bytes.
    public var fileSHA256: String?
    /// Size of that file.
    public var sizeBytes: Int64?

    /// The content identity of `references` (and `inputs`, when the examples have any), with the file
    /// `path` as an alias (its hash and size are read when it is a readable file).
    public init(inputs: [String?]? = nil, references: [[String]], path: String? = nil) {
        contentSHA256 = DatasetContent.fingerprint(inputs: inputs, references: references)
        exampleCount = references.count
        self.path = path
        if let path, path != "-", let data = try? Data(contentsOf: URL(fileURLWithPath: path)) {
            fileSHA256 = SHA256.hex(data)
            sizeBytes = Int64(data.count)
        }
    }

    /// SHA-256 over a canonical stream: a version tag, then per example a presence byte and the UTF-8 input,
    /// the reference count and each reference, every text length-prefixed (little-endian UInt64) so no two
    /// different datasets share a stream. `\r\n` inside texts counts as `\n`, so CRLF and LF copies agree.
    public static func fingerprint(inputs: [String?]?, references: [[String]]) -> String {
        var hasher = SHA256.Hasher()
        func append(_ n: Int) { withUnsafeBytes(of: UInt64(n).littleEndian) { hasher.update($0) } }
        func append(_ text: String) {
            var utf8 = text.contains("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
            utf8.withUTF8 { bytes in
                append(bytes.count)
                hasher.update(UnsafeRawBufferPointer(bytes))
            }
        }
        hasher.update(Data("yardstick-dataset-1\n".utf8))
        for (i, refs) in references.enumerated() {
            if let input = inputs?[i] {
                withUnsafeBytes(of: UInt8(1)) { hasher.update($0) }
                append(input)
            } else {
                withUnsafeBytes(of: UInt8(0)) { hasher.update($0) }
            }
            append(refs.count)
            for ref in refs { append(ref) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// One example's output as a model gave it (or failed to).
public struct PredictionRecord: Sendable, Equatable {
    /// The dataset's own id, or the 1-based line number.
    public var exampleID: String
    /// The prompt or source text, when the dataset has one.
    public var input: String?
    /// The expected output(s).
    public var references: [String]
    /// What the model produced; nil when generation failed.
    public var prediction: String?
    /// Why there is no prediction.
    public var error: String?
    /// Generation time in milliseconds.
    public var latencyMs: Double?
    /// Answered from the response cache rather than the model.
    public var cached: Bool
    /// Token usage reported by the provider.
    public var promptTokens: Int?
    /// See ``promptTokens``.
    public var completionTokens: Int?

    /// A prediction value.
    public init(
        exampleID: String, input: String? = nil, references: [String], prediction: String?, error: String? = nil,
        latencyMs: Double? = nil, cached: Bool = false, promptTokens: Int? = nil, completionTokens: Int? = nil
    ) {
        self.exampleID = exampleID
        self.input = input
        self.references = references
        self.prediction = prediction
        self.error = error
        self.latencyMs = latencyMs
        self.cached = cached
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// The stored form of the references: the text itself for one, a JSON array for several.
    var storedReference: String? {
        switch references.count {
        case 0: return nil
        case 1: return references[0]
        default: return JSONValue.array(references.map { .string($0) }).serialized()
        }
    }
}

/// Per-segment sufficient statistics of one metric family, with what rebuilds the metric.
public struct StatisticsRecord: Sendable {
    /// The metric and its options (tokenizer, orders, labels…).
    public var options: StoredMetricOptions
    /// The sacrebleu-style signature.
    public var signature: String
    /// One row per example, in dataset order.
    public var statistics: SegmentStatistics

    /// A statistics value.
    public init(options: StoredMetricOptions, signature: String, statistics: SegmentStatistics) {
        self.options = options
        self.signature = signature
        self.statistics = statistics
    }
}

/// One headline number of an evaluation.
public struct MetricRecord: Sendable {
    /// `bleu`, `chrf`, `rougeL`, `accuracy`, `macro_f1`, …
    public var name: String
    public var score: Double
    /// Bootstrap confidence interval and the level it was computed at.
    public var ciLow: Double?
    public var ciHigh: Double?
    public var ciLevel: Double?
    public var signature: String?
    /// Index into ``EvaluationRecord/statistics`` of the statistics this number is computed from.
    public var statisticsIndex: Int?
    /// Summed statistics.
    public var totals: [Double]?
    /// A JSON object with the metric's details.
    public var details: String?
    /// Sentence-level score of every example, in dataset order (NaN where undefined).
    public var exampleScores: [Double]?

    /// A metric value.
    public init(
        name: String, score: Double, ciLow: Double? = nil, ciHigh: Double? = nil, ciLevel: Double? = nil,
        signature: String? = nil, statisticsIndex: Int? = nil, totals: [Double]? = nil, details: String? = nil,
        exampleScores: [Double]? = nil
    ) {
        self.name = name
        self.score = score
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.ciLevel = ciLevel
        self.signature = signature
        self.statisticsIndex = statisticsIndex
        self.totals = totals
        self.details = details
        self.exampleScores = exampleScores
    }
}

/// Everything one scoring of a run's predictions on a dataset produced, stored in one transaction.
public struct EvaluationRecord: Sendable {
    /// The held-out set; nil when unknown.
    public var dataset: DatasetContent?
    /// How the predictions were made (provider, model, generation settings, or the predictions file): the
    /// prediction set is shared by every evaluation of the same run, dataset and settings.
    public var settings: JSONValue
    /// One per example, in dataset order.
    public var predictions: [PredictionRecord]
    public var statistics: [StatisticsRecord]
    public var metrics: [MetricRecord]
    public var createdAt: Date

    /// An evaluation to store.
    public init(
        dataset: DatasetContent?, settings: JSONValue, predictions: [PredictionRecord],
        statistics: [StatisticsRecord] = [], metrics: [MetricRecord], createdAt: Date = Date()
    ) {
        self.dataset = dataset
        self.settings = settings
        self.predictions = predictions
        self.statistics = statistics
        self.metrics = metrics
        self.createdAt = createdAt
    }
}

/// A dataset as stored.
public struct StoredDataset: Sendable, Equatable, Hashable {
    public var id: Int64
    /// The first path (or provider file id) it was seen under.
    public var path: String
    /// Content identity (test sets since schema v2).
    public var contentSHA256: String?
    /// The file hash (training files, and test sets of schema v1).
    public var fileSHA256: String?
    public var exampleCount: Int?

    /// A short name for listings and `metrics.X@LABEL`: 8 hex digits of the content (else file) hash.
    public var label: String {
        if let hash = contentSHA256 ?? fileSHA256 { return String(hash.prefix(8)) }
        return "dataset\(id)"
    }
}

/// One headline number of a stored evaluation.
public struct StoredMetric: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var score: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    /// The level of the interval (0.95 for a 95% interval).
    public var ciLevel: Double?
    public var signature: String?
    /// The per-segment statistics behind it (nil for evaluations stored before schema v2).
    public var statisticsID: Int64?
    public var details: String?

    public static func == (a: StoredMetric, b: StoredMetric) -> Bool {
        a.id == b.id && a.name == b.name && (a.score == b.score || (a.score.isNaN && b.score.isNaN)) && a.ciLow == b.ciLow
            && a.ciHigh == b.ciHigh && a.ciLevel == b.ciLevel && a.signature == b.signature
            && a.statisticsID == b.statisticsID && a.details == b.details
    }
}

/// An evaluation as stored: its dataset, prediction set and metrics.
public struct StoredEvaluation: Sendable, Equatable {
    public var id: Int64
    public var runID: String
    public var dataset: StoredDataset?
    public var predictionSetID: Int64?
    public var exampleCount: Int?
    public var createdAt: Date
    public var metrics: [StoredMetric]
}

/// Stored per-segment statistics.
public struct StoredStatistics: Sendable {
    public var id: Int64
    public var evaluationID: Int64
    public var options: StoredMetricOptions
    public var signature: String
    public var statistics: SegmentStatistics
}

/// A stored prediction with its per-example scores.
public struct StoredPrediction: Sendable, Equatable {
    /// 0-based position in the dataset.
    public var position: Int
    public var exampleID: String
    public var input: String?
    /// One reference as text, several as a JSON array.
    public var reference: String?
    public var prediction: String?
    public var error: String?
    public var latencyMs: Double?
    public var cached: Bool
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Per-example score by metric name, for the evaluation it was read through.
    public var scores: [String: Double]

    public static func == (a: StoredPrediction, b: StoredPrediction) -> Bool {
        a.position == b.position && a.exampleID == b.exampleID && a.input == b.input && a.reference == b.reference
            && a.prediction == b.prediction && a.error == b.error && a.latencyMs == b.latencyMs && a.cached == b.cached
            && a.promptTokens == b.promptTokens && a.completionTokens == b.completionTokens
            && a.scores.count == b.scores.count
            && a.scores.allSatisfy { key, value in
                guard let other = b.scores[key] else { return false }
                return value == other || (value.isNaN && other.isNaN)
            }
    }
}
