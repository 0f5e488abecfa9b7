import Foundation

/// A bootstrap confidence interval around a corpus score, as sacrebleu's `estimate_ci` reports it.
public struct ConfidenceInterval: Sendable, Equatable {
    /// The score of the full corpus (not resampled).
    public var score: Double
    /// Mean of the resampled scores.
    public var mean: Double
    /// Resampled score at sorted index `k = ⌊n·(1 − confidence)/2⌋` (`n // 40` at 95 %).
    public var lower: Double
    /// Resampled score at sorted index `n − k − 1`.
    public var upper: Double
    /// `½ (upper − lower)`: sacrebleu's `ci`, printed as `mean ± halfWidth`.
    public var halfWidth: Double
    public var confidence: Double
    public var resamples: Int

    public init(
        score: Double, mean: Double, lower: Double, upper: Double, halfWidth: Double,
        confidence: Double, resamples: Int
    ) {
        self.score = score
        self.mean = mean
        self.lower = lower
        self.upper = upper
        self.halfWidth = halfWidth
        self.confidence = confidence
        self.resamples = resamples
    }
}

/// The outcome of comparing a system with a baseline.
public struct PairedTestResult: Sendable, Equatable {
    /// The system's corpus score.
    public var score: Double
    /// `(c + 1) / (R + 1)`, `c` = resamples or trials whose statistic strictly exceeds the observed
    /// difference. As in sacrebleu, a system compared with itself gets the smallest value, 1/(R+1).
    public var pValue: Double
    /// Mean of the system's bootstrap scores (paired bootstrap, or randomization with confidence
    /// resamples).
    public var mean: Double?
    /// Half-width of the system's bootstrap interval.
    public var ci: Double?
    /// The full bootstrap interval behind `mean` and `ci`.
    public var interval: ConfidenceInterval?
    /// Paired bootstrap only: the difference system − baseline (`score`) and its percentile interval over the
    /// same resamples (not part of sacrebleu's output; it answers "by how much", next to the p-value's "whether").
    public var difference: ConfidenceInterval?

    public init(score: Double, pValue: Double, interval: ConfidenceInterval? = nil) {
        self.score = score
        self.pValue = pValue
        self.mean = interval?.mean
        self.ci = interval?.halfWidth
        self.interval = interval
    }

    /// `pValue < 0.05`.
    public var isSignificant: Bool { pValue < 0.05 }
}

/// Bootstrap confidence intervals and paired significance tests with sacrebleu 2.6.0's semantics.
///
/// Resample indices come from ``NumpyRandom`` exactly as `rng.choice(N, size=(R, N))` draws them,
/// so a given seed yields sacrebleu's resamples. As in sacrebleu, per-segment statistics are
/// rounded to float32 and each resample's statistics are summed in float32 (segment after segment
/// per column; a single column is summed pairwise, as numpy does for a 1-D reduction), then handed,
/// widened to `Double`, to the resample scorer. The corpus scores themselves come from the exact
/// `Double` totals.
///
/// Scores of resamples are computed in parallel (by resample index) and collected in order, so
/// results do not depend on the thread count.
///
/// Seeds: `nil` draws from the operating system. sacrebleu passes `seed if seed else None` to the
/// compared systems, which makes `SACREBLEU_SEED=0` unseeded there; here seed 0 is an ordinary,
/// reproducible seed.
public enum Significance {
    /// Precision of the resampled scores.
    ///
    /// sacrebleu computes resample scores from float32 totals with numpy 2 scalar arithmetic. A
    /// metric whose arithmetic stays in numpy scalars throughout (chrF) yields float32 scores, so
    /// the mean, the half-width and the p-value statistics are float32 operations; metrics that
    /// end in Python floats (BLEU, through `math.exp`) yield float64 scores.
    public enum ResamplePrecision: Sendable, Equatable {
        case float64
        case float32
    }

    /// Maps summed statistics (one value per column) to a headline score.
    public typealias Scorer = @Sendable ([Double]) -> Double

    /// sacrebleu's `corpus_score(n_bootstrap=R)` interval: `R` resamples of the segments with
    /// replacement, scored and summarised by `estimate_ci` (generalised to any confidence with the
    /// same index rule).
    /// - Parameters:
    ///   - resampleScore: scores float32-summed resample totals; defaults to `score`. Metrics whose
    ///     sacrebleu implementation does float32 arithmetic on resamples (BLEU's precisions, all of
    ///     chrF) pass that arithmetic here.
    ///   - score: scores exact corpus totals.
    public static func bootstrapInterval(
        _ stats: SegmentStatistics, resamples: Int = 1000, confidence: Double = 0.95,
        seed: UInt64? = 12345, resamplePrecision: ResamplePrecision = .float64,
        resampleScore: Scorer? = nil, options: ScoringOptions = ScoringOptions(),
        score: @escaping Scorer
    ) -> ConfidenceInterval {
        precondition(resamples > 0, "at least one resample")
        let engine = ResampleEngine(
            statistics: [stats], scorer: resampleScore ?? score, precision: resamplePrecision,
            threads: options.effectiveThreads(for: resamples))
        var rng = seed.map { NumpyRandom(seed: $0) } ?? .fromEntropy()
        let scores = engine.scores(resamples: resamples, rng: &rng)[0]
        return estimateInterval(
            scores, score: score(stats.totals()), confidence: confidence, precision: resamplePrecision)
    }

    /// sacrebleu's paired bootstrap resampling test (`--paired-bs`).
    ///
    /// Both systems are scored on the same `R` resamples. With `d_i = |s_sys,i − s_base,i|` and the
    /// observed `Δ = |score_sys − score_base|`, the p-value is
    /// `(#{d_i − mean(d) > Δ} + 1) / (R + 1)`. The baseline interval uses a generator seeded
    /// afresh (identical indices for a fixed seed; an independent draw when `seed` is `nil`).
    public static func pairedBootstrap(
        baseline: SegmentStatistics, system: SegmentStatistics, resamples: Int = 1000,
        confidence: Double = 0.95, seed: UInt64? = 12345,
        resamplePrecision: ResamplePrecision = .float64, resampleScore: Scorer? = nil,
        options: ScoringOptions = ScoringOptions(), score: @escaping Scorer
    ) -> (baseline: ConfidenceInterval, system: PairedTestResult) {
        precondition(resamples > 0, "at least one resample")
        checkPaired(baseline, system)
        let engine = ResampleEngine(
            statistics: [baseline, system], scorer: resampleScore ?? score,
            precision: resamplePrecision, threads: options.effectiveThreads(for: resamples))
        let baselineScore = score(baseline.totals())
        let systemScore = score(system.totals())

        let baselineScores: [Double], systemScores: [Double], intervalScores: [Double]
        if let seed {
            var rng = NumpyRandom(seed: seed)
            let both = engine.scores(resamples: resamples, rng: &rng)
            (baselineScores, systemScores, intervalScores) = (both[0], both[1], both[0])
        } else {
            var intervalRNG = NumpyRandom.fromEntropy()
            let alone = ResampleEngine(
                statistics: [baseline], scorer: resampleScore ?? score, precision: resamplePrecision,
                threads: engine.threads)
            intervalScores = alone.scores(resamples: resamples, rng: &intervalRNG)[0]
            var rng = NumpyRandom.fromEntropy()
            let both = engine.scores(resamples: resamples, rng: &rng)
            (baselineScores, systemScores) = (both[0], both[1])
        }

        let observed = abs(baselineScore - systemScore)
        let exceed: Int
        switch resamplePrecision {
        case .float64:
            var diffs = [Double](repeating: 0, count: resamples)
            for i in 0..<resamples { diffs[i] = abs(systemScores[i] - baselineScores[i]) }
            let mean = NumpySummation.mean(diffs)
            exceed = diffs.reduce(0) { $0 + ($1 - mean > observed ? 1 : 0) }
        case .float32:
            var diffs = [Float](repeating: 0, count: resamples)
            for i in 0..<resamples { diffs[i] = abs(Float(systemScores[i]) - Float(baselineScores[i])) }
            let mean = NumpySummation.mean(diffs)
            // numpy 2 compares a float32 array with a Python float in float32.
            let threshold = Float(observed)
            exceed = diffs.reduce(0) { $0 + ($1 - mean > threshold ? 1 : 0) }
        }
        let baselineInterval = estimateInterval(
            intervalScores, score: baselineScore, confidence: confidence, precision: resamplePrecision)
        let systemInterval = estimateInterval(
            systemScores, score: systemScore, confidence: confidence, precision: resamplePrecision)
        var result = PairedTestResult(
            score: systemScore, pValue: pValue(exceeding: exceed, of: resamples), interval: systemInterval)
        let deltas = (0..<resamples).map { systemScores[$0] - baselineScores[$0] }
        result.difference = estimateInterval(
            deltas, score: systemScore - baselineScore, confidence: confidence, precision: .float64)
        return (baselineInterval, result)
    }

    /// sacrebleu's paired approximate randomization test (`--paired-ar`).
    ///
    /// Trial `t` swaps segment `j` between the systems when bit `(t, j)` of
    /// `rng.integers(2, size=(trials, N), dtype=bool)` is set: pseudo-system A takes the
    /// baseline's statistics where the bit is set and the system's elsewhere, B the opposite. The
    /// p-value is `(#{|score_A − score_B| > Δ} + 1) / (trials + 1)`. Trial totals are exact
    /// `Double` sums in segment order (sacrebleu's integer matrix product; fractional statistics
    /// go through BLAS there, whose summation order is not reproducible).
    /// With `confidenceResamples > 0` the system also gets a bootstrap interval whose indices come
    /// from the same generator after the swap bits (sacrebleu's `--paired-ar-confidence-sample`).
    public static func approximateRandomization(
        baseline: SegmentStatistics, system: SegmentStatistics, trials: Int = 10000,
        seed: UInt64? = 12345, confidenceResamples: Int = 0, confidence: Double = 0.95,
        resamplePrecision: ResamplePrecision = .float64, resampleScore: Scorer? = nil,
        options: ScoringOptions = ScoringOptions(), score: @escaping Scorer
    ) -> PairedTestResult {
        precondition(trials > 0, "at least one trial")
        checkPaired(baseline, system)
        let baselineScore = score(baseline.totals())
        let systemScore = score(system.totals())
        let observed = abs(baselineScore - systemScore)
        var rng = seed.map { NumpyRandom(seed: $0) } ?? .fromEntropy()

        let n = baseline.count
        let width = baseline.width
        let threads = options.effectiveThreads(for: trials)
        let perBlock = max(1, min(trials, (1 << 22) / max(1, n)))
        var swaps = [Bool](repeating: false, count: perBlock * n)
        var exceeding = [Bool](repeating: false, count: trials)
        var bits = BooleanStream()
        var start = 0
        while start < trials {
            let block = min(perBlock, trials - start)
            for k in 0..<(block * n) { swaps[k] = bits.next(&rng) }
            let blockStart = start
            swaps.withUnsafeBufferPointer { swapBits in
                baseline.values.withUnsafeBufferPointer { a in
                    system.values.withUnsafeBufferPointer { b in
                        exceeding.withUnsafeMutableBufferPointer { out in
                            let sink = UnsafeSendableBuffer(out)
                            let swapBits = ReadOnlyBuffer(swapBits), a = ReadOnlyBuffer(a), b = ReadOnlyBuffer(b)
                            forEachChunk(block, threads: threads) { range in
                                var totalA = [Double](repeating: 0, count: width)
                                var totalB = [Double](repeating: 0, count: width)
                                for t in range {
                                    for k in 0..<width { totalA[k] = 0; totalB[k] = 0 }
                                    let row = t * n
                                    for j in 0..<n {
                                        let base = j * width
                                        if swapBits.base[row + j] {
                                            for k in 0..<width {
                                                totalA[k] += a.base[base + k]
                                                totalB[k] += b.base[base + k]
                                            }
                                        } else {
                                            for k in 0..<width {
                                                totalA[k] += b.base[base + k]
                                                totalB[k] += a.base[base + k]
                                            }
                                        }
                                    }
                                    sink.base[blockStart + t] = abs(score(totalA) - score(totalB)) > observed
                                }
                            }
                        }
                    }
                }
            }
            start += block
        }
        let count = exceeding.reduce(0) { $0 + ($1 ? 1 : 0) }

        var interval: ConfidenceInterval?
        if confidenceResamples > 0 {
            let engine = ResampleEngine(
                statistics: [system], scorer: resampleScore ?? score, precision: resamplePrecision,
                threads: options.effectiveThreads(for: confidenceResamples))
            let scores = engine.scores(resamples: confidenceResamples, rng: &rng)[0]
            interval = estimateInterval(
                scores, score: systemScore, confidence: confidence, precision: resamplePrecision)
        }
        return PairedTestResult(
            score: systemScore, pValue: pValue(exceeding: count, of: trials), interval: interval)
    }

    /// sacrebleu's `estimate_ci`: sort, take the mean of the sorted scores (numpy's pairwise
    /// summation, in the scores' precision) and the half-distance between the two order statistics.
    static func estimateInterval(
        _ scores: [Double], score: Double, confidence: Double, precision: ResamplePrecision
    ) -> ConfidenceInterval {
        precondition(confidence > 0 && confidence <= 1, "confidence must be in (0, 1]")
        let n = scores.count
        // numpy sorts NaN last.
        let sorted = scores.sorted { $0 < $1 || (!$0.isNaN && $1.isNaN) }
        let lowerIndex = min(Int((Double(n) * (1 - confidence) / 2 + 1e-9).rounded(.down)), (n - 1) / 2)
        let upperIndex = n - lowerIndex - 1
        let lower = sorted[lowerIndex], upper = sorted[upperIndex]
        let mean: Double, halfWidth: Double
        switch precision {
        case .float64:
            mean = NumpySummation.mean(sorted)
            halfWidth = 0.5 * (upper - lower)
        case .float32:
            mean = Double(NumpySummation.mean(sorted.map { Float($0) }))
            halfWidth = Double(Float(0.5) * (Float(upper) - Float(lower)))
        }
        return ConfidenceInterval(
            score: score, mean: mean, lower: lower, upper: upper, halfWidth: halfWidth,
            confidence: confidence, resamples: n)
    }

    static func pValue(exceeding count: Int, of samples: Int) -> Double {
        Double(count + 1) / Double(samples + 1)
    }

    private static func checkPaired(_ a: SegmentStatistics, _ b: SegmentStatistics) {
        precondition(a.width == b.width, "paired statistics must have the same width")
        precondition(a.count == b.count, "paired statistics must cover the same segments")
    }
}

/// Scores bootstrap resamples of one or more aligned statistics tables on shared indices.
struct ResampleEngine: Sendable {
    let width: Int
    let count: Int
    /// Per table, the statistics rounded to float32 (sacrebleu's `np.array(stats, dtype='float32')`).
    let tables: [[Float]]
    let scorer: Significance.Scorer
    let precision: Significance.ResamplePrecision
    let threads: Int

    init(
        statistics: [SegmentStatistics], scorer: @escaping Significance.Scorer,
        precision: Significance.ResamplePrecision, threads: Int
    ) {
        width = statistics[0].width
        count = statistics[0].count
        tables = statistics.map { s in s.values.map { Float($0) } }
        self.scorer = scorer
        self.precision = precision
        self.threads = threads
    }

    /// `result[table][r]` = score of resample `r`, indices drawn row by row from `rng`.
    func scores(resamples: Int, rng: inout NumpyRandom) -> [[Double]] {
        let n = count
        var result = [[Double]](repeating: [Double](repeating: 0, count: resamples), count: tables.count)
        // Indices are drawn sequentially (the stream defines them); a block of resamples at a time
        // keeps memory bounded while the scoring of each block runs in parallel.
        let perBlock = max(1, min(resamples, (1 << 21) / max(1, n)))
        var indices = [Int](repeating: 0, count: perBlock * n)
        var start = 0
        while start < resamples {
            let block = min(perBlock, resamples - start)
            for k in 0..<(block * n) { indices[k] = rng.integer(below: n) }
            for (t, table) in tables.enumerated() {
                let blockStart = start
                indices.withUnsafeBufferPointer { idx in
                    table.withUnsafeBufferPointer { values in
                        result[t].withUnsafeMutableBufferPointer { out in
                            let sink = UnsafeSendableBuffer(out)
                            let idx = ReadOnlyBuffer(idx), values = ReadOnlyBuffer(values)
                            forEachChunk(block, threads: threads) { range in
                                var totals = [Float](repeating: 0, count: width)
                                var column = [Float](repeating: 0, count: width == 1 ? n : 0)
                                var widened = [Double](repeating: 0, count: width)
                                for r in range {
                                    let row = idx.base[(r * n)..<((r + 1) * n)]
                                    if width == 1 {
                                        // numpy reduces an (N, 1) array as a 1-D one: pairwise.
                                        for (k, i) in row.enumerated() { column[k] = values.base[i] }
                                        widened[0] = Double(NumpySummation.sum(column))
                                    } else {
                                        for k in 0..<width { totals[k] = 0 }
                                        for i in row {
                                            let base = i * width
                                            for k in 0..<width { totals[k] += values.base[base + k] }
                                        }
                                        for k in 0..<width { widened[k] = Double(totals[k]) }
                                    }
                                    let s = scorer(widened)
                                    sink.base[blockStart + r] = precision == .float32 ? Double(Float(s)) : s
                                }
                            }
                        }
                    }
                }
            }
            start += block
        }
        return result
    }
}

/// Runs `body` on `0..<n` split into contiguous ranges, on up to `threads` threads.
private func forEachChunk(_ n: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
    if threads <= 1 || n < 2 {
        body(0..<n)
        return
    }
    let chunks = min(n, threads * 4)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body((n * c / chunks)..<(n * (c + 1) / chunks))
    }
}

/// Read-only view of a buffer shared with worker threads (nothing writes it meanwhile).
private struct ReadOnlyBuffer<T>: @unchecked Sendable {
    let base: UnsafeBufferPointer<T>
    init(_ base: UnsafeBufferPointer<T>) { self.base = base }
}
