import Foundation

/// One point of a metric curve.
public struct CurvePoint: Sendable, Equatable {
    public var step: Int64
    /// Fractional epoch when the log records it.
    public var epoch: Double?
    /// May be NaN or infinite: real logs contain them, and the advisor reports them rather than dropping them silently.
    public var value: Double

    public init(step: Int64, epoch: Double? = nil, value: Double) {
        self.step = step
        self.epoch = epoch
        self.value = value
    }
}

/// A run setting as the importers record it: a number, or text such as OpenAI's `"auto"`.
public enum CurveParam: Sendable, Equatable, Hashable, CustomStringConvertible {
    case number(Double)
    case text(String)

    public var number: Double? { if case let .number(n) = self { return n } else { return nil } }

    public var description: String {
        switch self {
        case let .number(n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case let .text(s): return s
        }
    }
}

/// A saved model the log names (OpenAI `ftckpt_…` / `…:ckpt-step-N`, Hugging Face `checkpoint-N`).
public struct Checkpoint: Sendable, Equatable {
    public var step: Int64
    public var name: String

    public init(step: Int64, name: String) {
        self.step = step
        self.name = name
    }
}

/// Everything the advisor reads about one run: plain values, so it never depends on how a run was stored or parsed.
///
/// Series use the importers' canonical keys (``Key``); params use the importers' names (`num_train_epochs`,
/// `max_steps`, `global_step`, `train_batch_size`, `learning_rate` (the peak logged rate), `n_epochs`, `batch_size`,
/// `learning_rate_multiplier`, …). Points need not be sorted.
public struct TrainingCurves: Sendable, Equatable {
    /// Canonical series keys the advisor reads.
    public enum Key {
        public static let trainLoss = "train_loss"
        public static let evalLoss = "eval_loss"
        /// OpenAI's loss on the full validation set; preferred to the single-batch `eval_loss` when present.
        public static let evalFullLoss = "eval_full_loss"
        public static let learningRate = "learning_rate"
    }

    public var name: String?
    public var series: [String: [CurvePoint]]
    public var params: [String: CurveParam]
    public var checkpoints: [Checkpoint]

    public init(name: String? = nil, series: [String: [CurvePoint]] = [:], params: [String: CurveParam] = [:], checkpoints: [Checkpoint] = []) {
        self.name = name
        self.series = series
        self.params = params
        self.checkpoints = checkpoints
    }

    /// A numeric param, ignoring the huge `num_train_epochs` a `max_steps` run writes.
    public func number(_ key: String) -> Double? {
        guard let n = params[key]?.number, n.isFinite, n < 1e12 else { return nil }
        return n
    }
}
