import Foundation

/// What the advisor needs from one run of an experiment to compare it with the others.
public struct RunOutcome: Sendable, Equatable {
    public var name: String
    public var params: [String: CurveParam]
    /// Lowest validation loss of the run, when it was evaluated.
    public var bestValidationLoss: Double?
    public var finalValidationLoss: Double?

    public init(name: String, params: [String: CurveParam], bestValidationLoss: Double? = nil, finalValidationLoss: Double? = nil) {
        self.name = name
        self.params = params
        self.bestValidationLoss = bestValidationLoss
        self.finalValidationLoss = finalValidationLoss
    }
}

/// A stored evaluation difference between two runs on the same dataset (`candidate − baseline`), with its paired
/// 95% interval when the scores were paired.
public struct EvaluationDifference: Sendable, Equatable {
    public var metric: String
    public var candidate: String
    public var baseline: String
    public var difference: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    public var pValue: Double?
    /// False for error rates (TER, loss).
    public var higherIsBetter: Bool

    public init(metric: String, candidate: String, baseline: String, difference: Double, ciLow: Double? = nil, ciHigh: Double? = nil,
                pValue: Double? = nil, higherIsBetter: Bool = true) {
        self.metric = metric
        self.candidate = candidate
        self.baseline = baseline
        self.difference = difference
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.pValue = pValue
        self.higherIsBetter = higherIsBetter
    }
}

/// Which direction of one hyperparameter helped across runs.
public struct CrossRunFinding: Sendable, Equatable {
    public var parameter: String
    public var direction: Knob
    /// The value to try next (double or half the best), when the best value is at an end of the range.
    public var suggestion: Double?
    public var evidence: String
}

extension Advisor {
    /// Run facts the importers store as params that are results or bookkeeping, not choices: never compared.
    public static let runFacts: Set<String> = [
        "global_step", "best_global_step", "train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos", "train_loss_mean",
        "train_loss", "epoch", "learning_rate_first", "logging_steps", "eval_steps", "save_steps", "best_metric",
        "best_model_checkpoint", "trained_tokens", "seed", "suffix",
    ]

    /// For each numeric hyperparameter that differs between runs, which value did best: by a stored evaluation
    /// difference when one compares the best run with its neighbour, else by best validation loss. When the best value is
    /// at an end of the tried range, try twice (or half) it next: a cautious step on the log scale tuning uses.
    public static func compare(_ runs: [RunOutcome], evaluations: [EvaluationDifference] = []) -> [CrossRunFinding] {
        guard runs.count >= 2 else { return [] }
        let keys = Set(runs.flatMap(\.params.keys)).subtracting(runFacts).sorted()
        let differing = keys.filter { key in Set(runs.map { $0.params[key] }).count > 1 }
        var findings: [CrossRunFinding] = []
        for key in differing {
            let tried = runs.compactMap { run in run.params[key]?.number.map { (run: run, value: $0) } }
            let values = Set(tried.map(\.value)).sorted()
            guard values.count >= 2 else { continue }
            // Best run per value: by best validation loss.
            let scored = tried.filter { $0.run.bestValidationLoss != nil }
            guard let byLoss = scored.min(by: { $0.run.bestValidationLoss! < $1.run.bestValidationLoss! }) else { continue }
            // Prefer a neighbour that differs from the best run in this parameter only: an unconfounded comparison.
            let differentValue = scored.filter { $0.value != byLoss.value }
            let clean = differentValue.filter { other in differing.allSatisfy { $0 == key || other.run.params[$0] == byLoss.run.params[$0] } }
            let others = clean.isEmpty ? differentValue : clean
            guard let closest = others.min(by: { abs(log($0.value / byLoss.value)) < abs(log($1.value / byLoss.value)) }) ?? others.first
            else { continue }
            var best = byLoss, neighbour = closest
            // The stored evaluation is what the user cares about: when it clearly prefers the other run, it wins.
            let paired = evaluations.first {
                ($0.candidate == best.run.name && $0.baseline == neighbour.run.name) || ($0.candidate == neighbour.run.name && $0.baseline == best.run.name)
            }
            if let e = paired {
                let gain = (e.candidate == best.run.name ? 1.0 : -1.0) * e.difference * (e.higherIsBetter ? 1 : -1)
                let upper = e.candidate == best.run.name ? e.ciHigh.map { $0 * (e.higherIsBetter ? 1 : -1) } : e.ciLow.map { -$0 * (e.higherIsBetter ? 1 : -1) }
                if gain < 0, (upper ?? gain) < 0 || (e.ciLow == nil && e.ciHigh == nil) { swap(&best, &neighbour) }
            }
            let confounders = differing.filter { $0 != key && best.run.params[$0] != neighbour.run.params[$0] }
            var evidence = "\(key) \(fmt(best.value)) reached validation loss \(Fmt.num(best.run.bestValidationLoss!)) "
                + "vs \(Fmt.num(neighbour.run.bestValidationLoss!)) at \(fmt(neighbour.value))"
            if let e = paired {
                let sign = e.candidate == best.run.name ? 1.0 : -1.0
                let orient = e.higherIsBetter ? 1.0 : -1.0
                let gain = sign * orient * e.difference
                let bounds = [e.ciLow, e.ciHigh].compactMap { $0.map { sign * orient * $0 } }
                evidence += "; \(fmt(best.value)) \(gain >= 0 ? "beat" : "trailed") \(fmt(neighbour.value)) by \(Fmt.num(abs(gain))) \(e.metric)"
                if bounds.count == 2 { evidence += ", 95% CI [\(Fmt.num(bounds.min()!)), \(Fmt.num(bounds.max()!))]" }
                if let p = e.pValue { evidence += ", p = \(Fmt.num(p))" }
            }
            var direction = Knob.keep
            var suggestion: Double?
            if best.value == values.last, best.value > neighbour.value {
                direction = .raise
                suggestion = best.value * 2
            } else if best.value == values.first, best.value < neighbour.value, neighbour.value > 0 {
                direction = .lower
                suggestion = best.value / 2
            }
            if let suggestion { evidence += ": try \(fmt(suggestion))" } else { evidence += ": keep \(fmt(best.value))" }
            if !confounders.isEmpty { evidence += " (these runs also differ in \(confounders.joined(separator: ", ")))" }
            findings.append(CrossRunFinding(parameter: key, direction: direction, suggestion: suggestion, evidence: evidence))
        }
        return findings
    }

    private static func fmt(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : (abs(x) < 0.001 ? String(format: "%.3g", x) : Fmt.num(x))
    }
}
