import Foundation

/// Diagnoses a fine-tuning run from its loss curves and says which way to move epochs, learning rate and batch
/// size. Pure functions over plain values: no I/O.
///
/// Rules, each a scale-free ratio against one ``AdvisorThresholds`` value:
/// - **diverging**: a NaN/Inf loss, or the smoothed training loss ends ≥ 3× above its minimum.
/// - **oscillating**: consecutive points swing by ≥ 10% of the loss level and by ≥ half the smoothed curve's range.
/// - **overfitting**: the smoothed validation loss ends ≥ 3% above its minimum (Prechelt's GL), by more than one
///   typical swing.
/// - **still_improving**: the loss (validation if evaluated ≥ 3 times, else training) reached a new low over the last
///   fifth at ≥ 0.15 of the run's average pace of improvement (≥ 3% of the improvement in the last fifth), and that
///   fall stands out of the noise: ≥ 1.5 σ (robust MAD noise
///   around the smoothed trend) with 10 points or more, else ≥ 3% of the loss level or at the average pace or faster.
/// - **plateau_early**: not still improving, and the smoothed loss came within 10% of its improvement of its final
///   value within the first third of the run (time to 90%); or the validation loss never improved by more than one
///   typical swing while the training loss fell ≥ 20%.
/// - **underfitting**: still improving, yet the training loss fell by < 20% overall.
public enum Advisor {
    /// Diagnoses one run and advises the three knobs. Runs in O(n log n) for n points.
    public static func advise(_ curves: TrainingCurves, thresholds t: AdvisorThresholds = .standard) -> Advice {
        let train = LossCurve(curves.series[TrainingCurves.Key.trainLoss] ?? [], thresholds: t)
        let fullEval = LossCurve(curves.series[TrainingCurves.Key.evalFullLoss] ?? [], thresholds: t)
        let eval = fullEval.count >= 3 ? fullEval : LossCurve(curves.series[TrainingCurves.Key.evalLoss] ?? [], thresholds: t)
        let context = Context(curves: curves, train: train, eval: eval)
        var diagnoses: [Diagnosis] = []

        // Divergence: non-finite losses, or a training loss that climbs far back above its minimum.
        for (curve, name) in [(train, "training"), (eval, "validation")] {
            if let bad = curve.firstNonFinite {
                diagnoses.append(Diagnosis(
                    label: .diverging, confidence: 0.95,
                    evidence: "\(name) loss is \(Fmt.num(bad.value)) at step \(Fmt.group(bad.step))"
                        + (curve.nonFiniteCount > 1 ? " (\(curve.nonFiniteCount) non-finite values)" : "")))
                break
            }
        }
        if !diagnoses.contains(where: { $0.label == .diverging }), train.count >= 4 {
            let m = train.smoothArgmin
            let low = train.smooth[m], end = train.smooth[train.count - 1]
            if low > 0, m < train.count - 1, end / low - 1 >= t.divergenceRise {
                diagnoses.append(Diagnosis(
                    label: .diverging, confidence: confidence(end / low - 1, t.divergenceRise),
                    evidence: "training loss fell to \(Fmt.num(low)) at step \(Fmt.group(train.steps[m]))\(context.epochText(train, m)) "
                        + "and then climbed to \(Fmt.num(end)) (\(Fmt.num(end / low))× its minimum) by the end"))
            }
        }

        // Oscillation, on whichever curve shows it.
        var primaryOscillates = false
        let usesEval = eval.count >= 3
        let primary = usesEval ? eval : train
        for (curve, name, between) in [(eval, "validation", "evaluations"), (train, "training", "logged steps")] where curve.count >= 4 {
            let swing = curve.swing, range = curve.smoothRange
            guard curve.level > 0, swing / curve.level >= t.swingLevel, swing >= t.swingTrend * range else { continue }
            if curve.steps == primary.steps && curve.values == primary.values { primaryOscillates = true }
            if diagnoses.contains(where: { $0.label == .oscillating }) { continue }
            let trendRatio = range > 0 ? swing / range : Double.infinity
            diagnoses.append(Diagnosis(
                label: .oscillating,
                confidence: min(confidence(swing / curve.level, t.swingLevel), confidence(trendRatio, t.swingTrend)),
                evidence: "\(name) loss swings by \(Fmt.num(swing)) (\(Fmt.pct(swing / curve.level)) of its level \(Fmt.num(curve.level))) "
                    + "between consecutive \(between), "
                    + (range > 0 ? "\(Fmt.num(trendRatio))× the \(Fmt.num(range)) range of its smoothed trend" : "with no trend")))
        }

        // Over-fitting: Prechelt's generalisation loss on the (smoothed) validation curve.
        var overfitMinimum: Int?
        if eval.count >= 3 {
            let m = eval.smoothArgmin
            let low = eval.smooth[m], end = eval.smooth[eval.count - 1]
            let rise = end - low
            if low > 0, m < eval.count - 1, end / low - 1 >= t.generalizationLoss, rise >= t.riseOverSwing * eval.swing {
                let best = eval.rawArgmin(around: m)
                overfitMinimum = best
                let gl = end / low - 1
                var evidence = "validation loss bottomed at \(Fmt.num(eval.values[best])) at step \(Fmt.group(eval.steps[best]))"
                    + "\(context.epochText(eval, best)) and rose \(Fmt.pct(gl)) by the end"
                    + (eval.halfWindow > 0 ? " (smoothed \(Fmt.num(low)) → \(Fmt.num(end)))" : "")
                if let fall = context.trainFall(from: eval.steps[best]), fall > 0 {
                    evidence += " while training loss fell \(Fmt.pct(fall))"
                }
                let swingRatio = eval.swing > 0 ? rise / eval.swing : Double.infinity
                diagnoses.append(Diagnosis(
                    label: .overfitting,
                    confidence: min(confidence(gl, t.generalizationLoss), confidence(swingRatio, t.riseOverSwing)),
                    evidence: evidence))
            }
        }

        // End-of-run trend on the primary curve: still falling at the end, else settled early (plateau), else converged.
        let curveName = usesEval ? "validation" : "training"
        let tail = primary.tailGain(t)
        var improving = false
        let diverging = diagnoses.contains { $0.label == .diverging }
        if overfitMinimum == nil, !diverging, !primaryOscillates, let tail, tail.newLow, tail.shareOfProgress / t.tailFraction >= t.tailPace {
            // With a measurable noise σ the fall must stand out of the scatter; with too few points, the relative gain.
            let fall = tail.before - tail.after
            var evidence = "\(curveName) loss still fell \(Fmt.pct(tail.gain)) over the last fifth of the run "
                + "(smoothed \(Fmt.num(tail.before)) → \(Fmt.num(tail.after)) by step \(Fmt.group(primary.lastStep)), "
                + "\(Fmt.pct(tail.shareOfProgress)) of its whole improvement"
            var strength: Double?
            if let sigma = primary.noise {
                if fall >= t.tailFallOverNoise * sigma {
                    strength = confidence(sigma > 0 ? fall / sigma : .infinity, t.tailFallOverNoise)
                    evidence += sigma > 0 ? ", \(Fmt.num(fall / sigma))× its noise σ \(Fmt.num(sigma)))" : ", with no measurable noise)"
                }
            } else if tail.gain >= t.stillImprovingGain || tail.shareOfProgress / t.tailFraction >= 1 {
                // Too few points for a noise estimate: a fall that is large next to the loss level, or a last fifth
                // at the run's average pace of improvement or faster (a straight line: no slowing down at all).
                strength = max(confidence(tail.gain, t.stillImprovingGain), confidence(tail.shareOfProgress / t.tailFraction, 1))
                evidence += ")"
            }
            if let strength {
                improving = true
                diagnoses.append(Diagnosis(label: .stillImproving, confidence: strength, evidence: evidence))
            }
        }
        // Time to 90% means something only for an improvement larger than the typical swing (else see below).
        if overfitMinimum == nil, !diverging, !improving, let settled = primary.settling(t), settled.runShare <= t.earlyFraction,
           settled.improvement > t.riseOverSwing * primary.swing {
            let i = settled.index
            let later = primary.smooth[i] - primary.smooth[primary.count - 1]
            diagnoses.append(Diagnosis(
                label: .plateauEarly,
                confidence: confidence(t.earlyFraction / max(settled.runShare, 1e-9), 1),
                evidence: "\(curveName) loss reached \(Fmt.num(primary.smooth[i])) (smoothed) by step \(Fmt.group(primary.steps[i]))"
                    + "\(context.epochText(primary, i)), \(Fmt.pct(settled.runShare)) of the run, within \(Fmt.pct(t.settlingBand)) of its "
                    + "improvement from where it ended; the remaining \(Fmt.pct(1 - settled.runShare)) of the run brought "
                    + "\(Fmt.pct(max(later, 0) / settled.improvement)) more"))
        }
        // A validation loss that never improved by more than its typical swing while the training loss fell: flat
        // from the start, so an early plateau (a change within one swing is noise, as for over-fitting's rise).
        if overfitMinimum == nil, !diverging, !improving, usesEval, train.count >= 2, train.smooth[0] != 0, eval.swing > 0,
           !diagnoses.contains(where: { $0.label == .oscillating || $0.label == .plateauEarly }) {
            let improvement = max(eval.smooth[0] - (eval.smooth.min() ?? eval.smooth[0]), 0)
            let trainDrop = (train.smooth[0] - train.smooth[train.count - 1]) / abs(train.smooth[0])
            if improvement <= t.riseOverSwing * eval.swing, trainDrop >= t.underfitDrop {
                diagnoses.append(Diagnosis(
                    label: .plateauEarly,
                    confidence: min(confidence(eval.swing / max(improvement, 1e-300), t.riseOverSwing), confidence(trainDrop, t.underfitDrop)),
                    evidence: "validation loss never improved by more than its typical swing between evaluations "
                        + "(best improvement \(Fmt.num(improvement)), swing \(Fmt.num(eval.swing))) while training loss fell \(Fmt.pct(trainDrop))"))
            }
        }
        let moved = train.count >= 2 ? train : eval
        if improving, moved.count >= 2, moved.smooth[0] != 0 {
            let drop = (moved.smooth[0] - moved.smooth[moved.count - 1]) / abs(moved.smooth[0])
            if drop < t.underfitDrop {
                diagnoses.append(Diagnosis(
                    label: .underfitting, confidence: confidence(t.underfitDrop / max(drop, 1e-9), 1),
                    evidence: "\(train.count >= 2 ? "training" : "validation") loss fell only \(Fmt.pct(drop)) over the whole run "
                        + "(smoothed \(Fmt.num(moved.smooth[0])) → \(Fmt.num(moved.smooth[moved.count - 1]))) and is still falling slowly"))
            }
        }

        guard !primary.isEmpty || !diagnoses.isEmpty else {
            return Advice(reasons: ["no finite training or validation loss in the log: nothing to judge"])
        }
        if diagnoses.isEmpty {
            let from = primary.smooth.first ?? 0, to = primary.smooth.last ?? 0
            diagnoses.append(Diagnosis(
                label: .healthy, confidence: eval.count >= 3 ? 0.7 : 0.6,
                evidence: "\(curveName) loss went \(Fmt.num(from)) → \(Fmt.num(to)) (smoothed) and levelled off"
                    + (tail.map { tail in
                        var note = " (the last fifth brought \(Fmt.pct(max(tail.shareOfProgress, 0))) of its improvement"
                        if !tail.newLow {
                            note += ", no new low"
                        } else if let sigma = primary.noise, sigma > 0, tail.before - tail.after < t.tailFallOverNoise * sigma {
                            note += ", a fall of \(Fmt.num((tail.before - tail.after) / sigma))× its noise σ \(Fmt.num(sigma))"
                        }
                        if let settled = primary.settling(t) { note += "; 90% of it by \(Fmt.pct(settled.runShare)) of the run" }
                        return note + ")"
                    } ?? "")
                    + " with no rise and no large swings"))
        }
        diagnoses.sort { $0.label < $1.label }
        return knobs(diagnoses: diagnoses, overfitMinimum: overfitMinimum, context: context, thresholds: t)
    }

    /// 0.5 at the threshold, approaching 0.95 as `value/threshold` grows.
    static func confidence(_ value: Double, _ threshold: Double) -> Double {
        guard threshold > 0, value.isFinite else { return 0.95 }
        let ratio = value / threshold
        guard ratio > 1 else { return 0.5 }
        return (min(0.95, 0.5 + 0.45 * (1 - 1 / ratio)) * 100).rounded() / 100
    }

    private static func knobs(diagnoses: [Diagnosis], overfitMinimum: Int?, context c: Context, thresholds t: AdvisorThresholds) -> Advice {
        let labels = Set(diagnoses.map(\.label))
        var advice = Advice(diagnoses: diagnoses, epochs: .keep, learningRate: .keep, batchSize: .keep)
        var reasons: [String] = []

        if let m = overfitMinimum {
            let step = c.eval.steps[m]
            let end = max(c.train.lastStep, c.eval.lastStep)
            if end > 0, Double(step) <= t.stopBeforeEnd * Double(end) {
                advice.stopStep = step
                advice.stopEpoch = c.epoch(c.eval, m).map { ($0 * 100).rounded() / 100 }
                advice.checkpoint = c.checkpoint(from: step, before: m + 1 < c.eval.count ? c.eval.steps[m + 1] : nil)
            }
        }
        if labels.contains(.diverging) || labels.contains(.overfitting) || labels.contains(.plateauEarly) {
            advice.epochs = .lower
            if labels.contains(.overfitting) {
                var line = "epochs: lower — validation loss rose after its minimum"
                if let step = advice.stopStep {
                    line += "; stop at step \(Fmt.group(step))" + (advice.stopEpoch.map { " (epoch \(Fmt.epoch($0)))" } ?? "")
                    if let ckpt = advice.checkpoint { line += " and use checkpoint \(ckpt) instead of the final model" }
                }
                reasons.append(line)
            } else if labels.contains(.plateauEarly) {
                reasons.append("epochs: lower — the loss stopped improving early; the rest of the run added nothing")
            } else {
                reasons.append("epochs: lower — training got worse the longer it ran")
            }
        } else if labels.contains(.stillImproving) || labels.contains(.underfitting) {
            advice.epochs = .raise
            reasons.append("epochs: raise — the loss was still falling when the run ended (compute-bound, per the Tuning Playbook)")
        } else {
            reasons.append("epochs: keep — the loss converged within the run")
        }

        if labels.contains(.diverging) {
            advice.learningRate = .lower
            reasons.append("learning rate: lower — the loss diverged (Tuning Playbook: instability calls for a smaller rate or longer warm-up)")
        } else if labels.contains(.underfitting) {
            advice.learningRate = .raise
            reasons.append("learning rate: raise — the loss moved little and slowly (OpenAI guide: raise the rate when the model is not converging)")
        } else {
            reasons.append("learning rate: keep — no divergence or stalled convergence strong enough to move it")
        }

        if labels.contains(.oscillating) {
            advice.batchSize = .raise
            reasons.append("batch size: raise — swings between points are large next to the trend; a larger batch averages gradient noise")
        } else {
            reasons.append("batch size: keep — the noise is small next to the trend")
        }
        if c.eval.count < 3 {
            reasons.append(c.eval.isEmpty
                ? "no validation loss: over-fitting cannot be seen, the training loss was read instead"
                : "only \(c.eval.count) validation point\(c.eval.count == 1 ? "" : "s"): the training loss was read for the trend")
        }
        advice.reasons = reasons
        return advice
    }
}

/// Run facts the rules share: curves, epochs per step, checkpoints.
struct Context {
    var curves: TrainingCurves
    var train: LossCurve
    var eval: LossCurve
    /// Steps per epoch, from any point that records its epoch, else from the params.
    var stepsPerEpoch: Double?

    init(curves: TrainingCurves, train: LossCurve, eval: LossCurve) {
        self.curves = curves
        self.train = train
        self.eval = eval
        var perEpoch: Double?
        for curve in [train, eval] {
            if let i = curve.epochs.lastIndex(where: { ($0 ?? 0) > 0 }), let e = curve.epochs[i], curve.steps[i] > 0 {
                perEpoch = Double(curve.steps[i]) / e
                break
            }
        }
        if perEpoch == nil {
            let epochs = curves.number("num_train_epochs") ?? curves.number("n_epochs")
            let steps = curves.number("max_steps") ?? Double(max(train.lastStep, eval.lastStep))
            if let epochs, epochs > 0, steps > 0 { perEpoch = steps / epochs }
        }
        stepsPerEpoch = perEpoch
    }

    func epoch(_ curve: LossCurve, _ i: Int) -> Double? {
        if let e = curve.epochs[i] { return e }
        return stepsPerEpoch.map { Double(curve.steps[i]) / $0 }
    }

    func epochText(_ curve: LossCurve, _ i: Int) -> String {
        epoch(curve, i).map { " (epoch \(Fmt.epoch($0)))" } ?? ""
    }

    /// Relative fall of the smoothed training loss from `step` to the end.
    func trainFall(from step: Int64) -> Double? {
        guard train.count >= 2, let i = train.steps.firstIndex(where: { $0 >= step }), i < train.count - 1 else { return nil }
        let a = train.smooth[i], b = train.smooth[train.count - 1]
        return a != 0 ? (a - b) / abs(a) : nil
    }

    /// The first listed checkpoint saved at `step` or after it but before the next evaluation: the weights the
    /// minimum was measured on (or the nearest save after them).
    func checkpoint(from step: Int64, before next: Int64?) -> String? {
        curves.checkpoints.sorted { $0.step < $1.step }.first { c in c.step >= step && (next.map { c.step < $0 } ?? true) }?.name
    }
}
