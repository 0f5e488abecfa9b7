/// A metric that scores bootstrap resamples the way its sacrebleu counterpart does.
///
/// sacrebleu scores resamples from float32 totals with numpy scalar arithmetic, which is not the
/// arithmetic of its corpus score: BLEU's n-gram precisions become float32 (`100. * correct /
/// total` on `np.float32`) before `math.log` widens them, and chrF stays float32 to the end. A
/// metric conforming to this protocol exposes that arithmetic; the defaults (float64, the ordinary
/// headline) are right for metrics whose resample scores are plain float64 functions of the totals.
public protocol BootstrapScoring: SegmentMetric {
    /// Precision of resampled scores.
    var resamplePrecision: Significance.ResamplePrecision { get }
    /// Headline score of one resample's float32-summed totals (widened to `Double`).
    func resampleHeadline(totals: [Double]) -> Double
}

extension BootstrapScoring {
    public var resamplePrecision: Significance.ResamplePrecision { .float64 }
    public func resampleHeadline(totals: [Double]) -> Double { headline(score(totals: totals)) }
}

extension Significance {
    /// ``bootstrapInterval(_:resamples:confidence:seed:resamplePrecision:resampleScore:options:score:)``
    /// on a metric's headline score (using its ``BootstrapScoring`` arithmetic when it has one).
    public static func bootstrapInterval<M: SegmentMetric>(
        metric: M, statistics: SegmentStatistics, resamples: Int = 1000, confidence: Double = 0.95,
        seed: UInt64? = 12345, options: ScoringOptions = ScoringOptions()
    ) -> ConfidenceInterval {
        let scoring = Scoring(metric)
        return bootstrapInterval(
            statistics, resamples: resamples, confidence: confidence, seed: seed,
            resamplePrecision: scoring.precision, resampleScore: scoring.resample, options: options,
            score: scoring.exact)
    }

    /// ``pairedBootstrap(baseline:system:resamples:confidence:seed:resamplePrecision:resampleScore:options:score:)``
    /// on a metric's headline score.
    public static func pairedBootstrap<M: SegmentMetric>(
        metric: M, baseline: SegmentStatistics, system: SegmentStatistics, resamples: Int = 1000,
        confidence: Double = 0.95, seed: UInt64? = 12345, options: ScoringOptions = ScoringOptions()
    ) -> (baseline: ConfidenceInterval, system: PairedTestResult) {
        let scoring = Scoring(metric)
        return pairedBootstrap(
            baseline: baseline, system: system, resamples: resamples, confidence: confidence,
            seed: seed, resamplePrecision: scoring.precision, resampleScore: scoring.resample,
            options: options, score: scoring.exact)
    }

    /// ``approximateRandomization(baseline:system:trials:seed:confidenceResamples:confidence:resamplePrecision:resampleScore:options:score:)``
    /// on a metric's headline score.
    public static func approximateRandomization<M: SegmentMetric>(
        metric: M, baseline: SegmentStatistics, system: SegmentStatistics, trials: Int = 10000,
        seed: UInt64? = 12345, confidenceResamples: Int = 0, confidence: Double = 0.95,
        options: ScoringOptions = ScoringOptions()
    ) -> PairedTestResult {
        let scoring = Scoring(metric)
        return approximateRandomization(
            baseline: baseline, system: system, trials: trials, seed: seed,
            confidenceResamples: confidenceResamples, confidence: confidence,
            resamplePrecision: scoring.precision, resampleScore: scoring.resample, options: options,
            score: scoring.exact)
    }

    /// The exact and resample scorers of a metric.
    private struct Scoring {
        let exact: Scorer
        let resample: Scorer
        let precision: ResamplePrecision

        init<M: SegmentMetric>(_ metric: M) {
            exact = { metric.headline(metric.score(totals: $0)) }
            if let custom = metric as? any BootstrapScoring {
                resample = { custom.resampleHeadline(totals: $0) }
                precision = custom.resamplePrecision
            } else {
                resample = exact
                precision = .float64
            }
        }
    }
}
