import Foundation

/// The advisor's thresholds, each with its source. Every rule compares a scale-free ratio with one of these, so a
/// loss of 0.001 and a loss of 3,000 are judged alike. Passed explicitly so a test can perturb each by ±25%.
public struct AdvisorThresholds: Sendable, Equatable {
    /// Minimum generalisation loss GL = end/min − 1 of the validation loss to call over-fitting. Prechelt,
    /// "Early Stopping — But When?" (1998), studies GL_α for α = 1…5 (%); 3% is the middle of that range.
    public var generalizationLoss = 0.03
    /// The validation rise after its minimum must exceed this many typical swings between consecutive evaluations.
    /// Prechelt's UP_s criterion asks a rise to persist over successive strips rather than one noisy reading. The
    /// same bar applies to improvement: a curve whose whole improvement is within this many swings never improved.
    public var riseOverSwing = 1.0
    /// Relative gain over the last fifth of the run that counts as "still improving" when the curve has too few
    /// points (< 10) to measure its noise. The Deep Learning Tuning Playbook calls a run compute-bound when its loss
    /// still improves at the end; PyTorch's `ReduceLROnPlateau` (threshold 1e-4 per epoch, patience 10) accumulates
    /// to a few percent over a fifth of a typical run.
    public var stillImprovingGain = 0.03
    /// … and the pace of improvement over the last fifth (its share of the curve's whole improvement per share of the
    /// run) must be at least this fraction of the run's average pace: a straight descent keeps pace 1, a converged
    /// exponential falls towards 0 (the diminishing returns Prechelt's training progress P_k measures), so a near-zero
    /// loss wiggling by large relative amounts is not "still improving". 0.15 of the average pace is 3% of the
    /// improvement in the last fifth. A pace of at least 1 (no slowing down at all) is still improving on its own.
    public var tailPace = 0.15
    /// With 10 points or more the noise σ is measured (1.4826 × the median absolute deviation of the residuals
    /// around the smoothed trend, the robust estimate of a standard deviation), and the last fifth's fall must
    /// exceed this many σ: a fall an eye can tell from the scatter, whatever the loss level. This replaces the
    /// level-relative gain, which misses slow creeps on a high loss floor and flags wiggles near zero.
    public var tailFallOverNoise = 1.5
    /// The part of the run the end-of-run trend is read from (the last fifth), as Prechelt's training strips.
    public var tailFraction = 0.2
    /// "Early" means within this fraction of the run (the labelling guide's "first third").
    public var earlyFraction = 1.0 / 3.0
    /// Time to 90%: the first point where the smoothed curve is within this share of its whole improvement of where
    /// it ends (the 10–90% rise-time convention). A plateau is a curve that got there in the early part of the run
    /// and did not go on improving; a curve that gets there later converged within the run.
    public var settlingBand = 0.1
    /// Oscillation needs swings between consecutive points of at least this fraction of the loss level. Hugging Face
    /// logs average their steps (≈10% noise is normal); per-step OpenAI batches reach 50%.
    public var swingLevel = 0.10
    /// … and swings of at least this fraction of the smoothed curve's whole range: noise, not trend, dominates
    /// (the Tuning Playbook's "noisy loss" reading).
    public var swingTrend = 0.5
    /// Training loss at the end this many times above its smoothed minimum (GL on training loss, GL ≥ 200%) is
    /// divergence; Prechelt's GL applied to the training curve, far beyond any over-fitting range.
    public var divergenceRise = 2.0
    /// Under-fitting: the training loss fell by less than this fraction of its start while still improving.
    /// OpenAI's fine-tuning guide: "if the model does not appear to be converging, increase the learning rate".
    /// Conversely a training loss that fell by at least this much learned: with a validation loss that never
    /// improved, that is an early plateau rather than under-fitting.
    public var underfitDrop = 0.2
    /// Moving-average window as a fraction of the points (series of 10 points or more), the usual 10% smoothing
    /// of training-curve plots.
    public var smoothingFraction = 0.1
    /// Relative changes of a loss that fell below this fraction of its start are measured against this floor:
    /// near zero any wiggle is a huge relative change.
    public var lossFloorFraction = 0.1
    /// A validation minimum before this fraction of the run counts as "well before the end" for checkpoint advice.
    public var stopBeforeEnd = 0.9

    public init() {}

    /// The defaults above.
    public static let standard = AdvisorThresholds()

    /// Every threshold by name, for sensitivity tests and documentation.
    public static var all: [(name: String, keyPath: WritableKeyPath<AdvisorThresholds, Double>)] { [
        ("generalizationLoss", \.generalizationLoss), ("riseOverSwing", \.riseOverSwing),
        ("stillImprovingGain", \.stillImprovingGain), ("tailPace", \.tailPace),
        ("tailFallOverNoise", \.tailFallOverNoise), ("tailFraction", \.tailFraction),
        ("earlyFraction", \.earlyFraction), ("settlingBand", \.settlingBand), ("swingLevel", \.swingLevel),
        ("swingTrend", \.swingTrend), ("divergenceRise", \.divergenceRise), ("underfitDrop", \.underfitDrop),
        ("smoothingFraction", \.smoothingFraction), ("lossFloorFraction", \.lossFloorFraction),
        ("stopBeforeEnd", \.stopBeforeEnd),
    ] }
}
