import Foundation

/// The closed set of curve diagnoses (several may apply; `healthy` only alone).
public enum DiagnosisLabel: String, Sendable, CaseIterable, Comparable {
    case overfitting, underfitting
    case stillImproving = "still_improving"
    case plateauEarly = "plateau_early"
    case oscillating, diverging, healthy

    public static func < (a: DiagnosisLabel, b: DiagnosisLabel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One diagnosis with the numbers that support it.
public struct Diagnosis: Sendable, Equatable {
    public var label: DiagnosisLabel
    /// 0.5 at the rule's threshold, rising towards 0.95 as the evidence exceeds it.
    public var confidence: Double
    public var evidence: String

    public init(label: DiagnosisLabel, confidence: Double, evidence: String) {
        self.label = label
        self.confidence = confidence
        self.evidence = evidence
    }
}

/// Which way to move a hyperparameter for the next run.
public enum Knob: String, Sendable, CaseIterable {
    case raise, lower, keep, unknown
}

/// What the advisor concluded for one run.
public struct Advice: Sendable, Equatable {
    public var diagnoses: [Diagnosis]
    /// More or fewer epochs (or steps).
    public var epochs: Knob
    public var learningRate: Knob
    public var batchSize: Knob
    /// Where to stop instead (the validation minimum) when it is well before the end.
    public var stopEpoch: Double?
    public var stopStep: Int64?
    /// The saved checkpoint at or next after `stopStep`, when the log lists checkpoints.
    public var checkpoint: String?
    /// One line per knob decision and per caveat, saying why.
    public var reasons: [String]

    public init(diagnoses: [Diagnosis] = [], epochs: Knob = .unknown, learningRate: Knob = .unknown, batchSize: Knob = .unknown,
                stopEpoch: Double? = nil, stopStep: Int64? = nil, checkpoint: String? = nil, reasons: [String] = []) {
        self.diagnoses = diagnoses
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.stopEpoch = stopEpoch
        self.stopStep = stopStep
        self.checkpoint = checkpoint
        self.reasons = reasons
    }

    /// The diagnosis labels, in the canonical order.
    public var labels: [DiagnosisLabel] { diagnoses.map(\.label) }
}
