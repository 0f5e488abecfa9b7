import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickMetrics

// MARK: - NumpyRandom

// Reference values produced with numpy 2.4.6 in /work/dev/venv, e.g.
//   [int(x) for x in np.random.PCG64(12345).random_raw(6)]
//   np.random.default_rng(12345).integers(0, 400, size=10).tolist()
// (one fresh generator per line below unless stated).

@Test func numpyRandomReproducesPCG64RawOutputs() {
    let cases: [(UInt64, [UInt64])] = [
        (12345, [4193609425186963869, 5843160025838961886, 14708796524633321433,
                 12474696839993944336, 7214697784736971533, 6139333351517228867]),
        (0, [11749869230777074271, 4976686463289251617, 755828109848996024]),
        ((1 << 40) + 7, [15307346044642009514, 4709548916763817589, 2836937976252648324]),
        (UInt64.max, [12544278110101001871, 15593249672699323225, 136562751618339402]),
    ]
    for (seed, expected) in cases {
        var rng = NumpyRandom(seed: seed)
        let got = (0..<expected.count).map { _ in rng.next() }
        #expect(got == expected, "PCG64(\(seed)).random_raw: \(got) vs \(expected)")
    }
}

@Test func integersBelowMatchGeneratorIntegersAndChoice() {
    // default_rng(12345).integers(0, 400, size=10) == .choice(400, size=(2, 5)).ravel()
    var rng = NumpyRandom(seed: 12345)
    #expect(rng.integers(below: 400, count: 10) == [279, 90, 315, 126, 81, 318, 257, 270, 395, 156])
    // integers(0, 1, size=3) consumes nothing: the next draws are the usual first ones.
    var one = NumpyRandom(seed: 12345)
    #expect(one.integers(below: 1, count: 3) == [0, 0, 0])
    #expect(one.integers(below: 400, count: 2) == [279, 90])
}

@Test func integersAboveThirtyTwoBitsUseNumpysFullWidthPaths() {
    // integers(0, 10**12, size=5): 64-bit Lemire; integers(0, 2**32, size=5): plain 32-bit draws.
    var big = NumpyRandom(seed: 12345)
    #expect(big.integers(below: 1_000_000_000_000, count: 5)
        == [227336022467, 316758339709, 797365457332, 676254670750, 391109550601])
    var full = NumpyRandom(seed: 12345)
    #expect(full.integers(below: 1 << 32, count: 5)
        == [3003105693, 976400781, 3387213022, 1360466709, 876933081])
}

@Test func randomDoublesMatchGeneratorRandom() {
    // default_rng(12345).random(4)
    var rng = NumpyRandom(seed: 12345)
    let got = (0..<4).map { _ in rng.random() }
    #expect(got == [0.22733602246716966, 0.31675833970975287, 0.7973654573327341, 0.6762546707509746])
}

@Test func booleanFillAndMixedCallsShareNumpysHalfWordBuffer() {
    // g = default_rng(12345); g.integers(2, size=40, dtype=bool); then g.integers(0, 7, size=6)
    var rng = NumpyRandom(seed: 12345)
    let bits = rng.booleans(count: 40).map { $0 ? 1 : 0 }
    #expect(bits == [1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
                     1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1])
    #expect(rng.integers(below: 7, count: 6) == [5, 2, 1, 5, 4, 4])
    // g = default_rng(12345); g.integers(0, 3, size=3); g.random(); g.integers(0, 1000, size=3):
    // the spare 32-bit half survives the double draw in between.
    var mixed = NumpyRandom(seed: 12345)
    #expect(mixed.integers(below: 3, count: 3) == [2, 0, 2])
    #expect(mixed.random() == 0.7973654573327341)
    #expect(mixed.integers(below: 1000, count: 3) == [316, 642, 676])
}

// MARK: - numpy summation

@Test func pairwiseSummationMatchesNumpySumAndMean() {
    // np.array([1/(i+1) for i in range(n)]).sum() for n = 1000, 100, 5 (a left-to-right sum of the
    // 1000 values gives 7.485470860550343); float32 .mean() for n = 1000, 100.
    let harmonic = (0..<1000).map { 1.0 / Double($0 + 1) }
    #expect(NumpySummation.sum(harmonic) == 7.485470860550345)
    #expect(NumpySummation.sum(Array(harmonic[0..<100])) == 5.187377517639621)
    #expect(NumpySummation.sum(Array(harmonic[0..<5])) == 2.283333333333333)
    let harmonic32 = (0..<1000).map { Float(1.0 / Double($0 + 1)) }
    #expect(Double(NumpySummation.mean(harmonic32)) == 0.007485471665859222)
    #expect(Double(NumpySummation.mean(Array(harmonic32[0..<100]))) == 0.05187378451228142)
}

// MARK: - Significance against sacrebleu

/// Per-line statistics of the paired_bs fixture built without any MT metric: whitespace tokens
/// (Python `str.split()`), clipped unigram matches against the reference, hypothesis and reference
/// lengths.
private struct PairedCorpus {
    let baseline: [(matches: Double, length: Double, refLength: Double)]
    let system: [(matches: Double, length: Double, refLength: Double)]

    init() throws {
        func lines(_ name: String) throws -> [[UInt32]] {
            var parts = try Fixtures.data("metrics/significance/\(name)")
                .split(separator: 0x0A, omittingEmptySubsequences: false)
            if parts.last?.isEmpty == true { parts.removeLast() }
            return parts.map { PythonText.codePoints(String(decoding: $0, as: UTF8.self)) }
        }
        func tokens(_ cps: [UInt32]) -> [[UInt32]] { PythonText.splitRanges(cps).map { Array(cps[$0]) } }
        func stats(_ hyp: [UInt32], _ ref: [UInt32]) -> (matches: Double, length: Double, refLength: Double) {
            let h = tokens(hyp), r = tokens(ref)
            var refCounts: [[UInt32]: Int] = [:]
            for t in r { refCounts[t, default: 0] += 1 }
            var matches = 0
            for t in h {
                if let c = refCounts[t], c > 0 {
                    refCounts[t] = c - 1
                    matches += 1
                }
            }
            return (Double(matches), Double(h.count), Double(r.count))
        }
        let ref = try lines("paired_bs.ref.txt")
        let sys1 = try lines("paired_bs.sys1.txt"), sys2 = try lines("paired_bs.sys2.txt")
        precondition(ref.count == 400 && sys1.count == 400 && sys2.count == 400)
        baseline = zip(sys1, ref).map { stats($0, $1) }
        system = zip(sys2, ref).map { stats($0, $1) }
    }

    /// `[matches, length]` rows.
    func unigram(_ rows: [(matches: Double, length: Double, refLength: Double)]) -> SegmentStatistics {
        SegmentStatistics(width: 2, values: rows.flatMap { [$0.matches, $0.length] })
    }

    /// `[matches, length, refLength / 3]` rows (a statistic that float32 cannot hold exactly).
    func fractional(_ rows: [(matches: Double, length: Double, refLength: Double)]) -> SegmentStatistics {
        SegmentStatistics(width: 3, values: rows.flatMap { [$0.matches, $0.length, $0.refLength / 3.0] })
    }

    /// `[matches, length, refLength]` rows.
    func integral(_ rows: [(matches: Double, length: Double, refLength: Double)]) -> SegmentStatistics {
        SegmentStatistics(width: 3, values: rows.flatMap { [$0.matches, $0.length, $0.refLength] })
    }
}

/// `100 * m / t` from Python ints.
private let unigramScore: Significance.Scorer = { t in t[1] > 0 ? 100 * t[0] / t[1] : 0 }
/// The same expression on numpy float32 totals: numpy 2 keeps it float32 (like sacrebleu's chrF).
private let unigramScore32: Significance.Scorer = { t in
    t[1] > 0 ? Double(Float(100) * Float(t[0]) / Float(t[1])) : 0
}
/// `100·m/t · exp(1 − r/t)` (brevity penalty when `t < r`) with `r = 3 · column 2`, in float64.
private let brevityFractionalScore: Significance.Scorer = { t in
    let m = t[0], n = t[1], r = 3.0 * t[2]
    if n == 0 { return 0 }
    return 100.0 * m / n * (n < r ? exp(1.0 - r / n) : 1.0)
}
private let brevityIntegralScore: Significance.Scorer = { t in
    let m = t[0], n = t[1], r = t[2]
    if n == 0 { return 0 }
    return 100.0 * m / n * (n < r ? exp(1.0 - r / n) : 1.0)
}

// The expected numbers below come from sacrebleu 2.6.0's own machinery in /work/dev/venv
// (numpy 2.4.6): the same per-line statistics computed by small Python `Metric` stand-ins
// (`_extract_corpus_statistics` → the rows above; `_compute_score_from_stats(s)` →
// `100 * s[0] / s[1]` for "unigram", `p = 100.0*float(m)/float(t); p * math.exp(1.0 - r/t) if
// t < r` for "brevity", r = 3.0*float(s[2]) or float(s[2]); `_aggregate_and_compute` = Python
// `sum_of_lists` then the same), run through
// `PairedTest([("base", sys1), ("sys2", sys2)], {name: metric}, [ref], test_type=...)()` with
// SACREBLEU_SEED set, and `_bootstrap_resample` + `estimate_ci` for the plain intervals.
// "unigram" resample scores are float32 there (numpy scalar arithmetic), "brevity" ones float64.

private struct PairedExpectation {
    let seed: UInt64
    let baselineScore, baselineMean, baselineCI: Double
    let systemScore, pValue, systemMean, systemCI: Double
}

@Test func pairedBootstrapMatchesSacrebleuExactlyForFloat32Scores() throws {
    let corpus = try PairedCorpus()
    let floats = FixtureFloats("significance")
    let expectations = [
        PairedExpectation(
            seed: 12345, baselineScore: 58.49411764705882, baselineMean: 58.45425796508789,
            baselineCI: 3.075267791748047, systemScore: 58.364140480591495,
            pValue: 0.3866133866133866, systemMean: 58.399539947509766, systemCI: 3.2783279418945312),
        PairedExpectation(
            seed: 1, baselineScore: 58.49411764705882, baselineMean: 58.470462799072266,
            baselineCI: 2.910633087158203, systemScore: 58.364140480591495,
            pValue: 0.38961038961038963, systemMean: 58.387516021728516, systemCI: 3.2645034790039062),
    ]
    for e in expectations {
        let (base, sys) = Significance.pairedBootstrap(
            baseline: corpus.unigram(corpus.baseline), system: corpus.unigram(corpus.system),
            seed: e.seed, resamplePrecision: .float32, resampleScore: unigramScore32, score: unigramScore)
        check(e, base, sys, "unigram seed \(e.seed)", floats)
    }
    floats.report("paired bootstrap, float32 scores")
}

@Test func pairedBootstrapMatchesSacrebleuForFloat64ScoresOfFractionalStatistics() throws {
    let corpus = try PairedCorpus()
    let floats = FixtureFloats("significance")
    let expectations = [
        PairedExpectation(
            seed: 12345, baselineScore: 58.49411764705879, baselineMean: 58.09835801235515,
            baselineCI: 3.115832820061044, systemScore: 58.364140480591495,
            pValue: 0.36863136863136864, systemMean: 58.332389021132165, systemCI: 3.3253106896468836),
        PairedExpectation(
            seed: 1, baselineScore: 58.49411764705879, baselineMean: 58.09171549373373,
            baselineCI: 2.9517031055184013, systemScore: 58.364140480591495,
            pValue: 0.3856143856143856, systemMean: 58.307176468256586, systemCI: 3.1541024413145173),
    ]
    for e in expectations {
        let (base, sys) = Significance.pairedBootstrap(
            baseline: corpus.fractional(corpus.baseline), system: corpus.fractional(corpus.system),
            seed: e.seed, score: brevityFractionalScore)
        check(e, base, sys, "brevity seed \(e.seed)", floats)
    }
    floats.report("paired bootstrap, float64 scores")
}

private func check(
    _ e: PairedExpectation, _ base: ConfidenceInterval, _ sys: PairedTestResult, _ name: String, _ floats: FixtureFloats
) {
    floats.exact(base.score, e.baselineScore, "\(name): baseline score \(base.score) vs \(e.baselineScore)")
    floats.exact(base.mean, e.baselineMean, "\(name): baseline mean \(base.mean) vs \(e.baselineMean)")
    floats.exact(base.halfWidth, e.baselineCI, "\(name): baseline ci \(base.halfWidth) vs \(e.baselineCI)")
    floats.exact(sys.score, e.systemScore, "\(name): system score \(sys.score) vs \(e.systemScore)")
    floats.exact(sys.pValue, e.pValue, "\(name): p")
    floats.exact(sys.mean ?? .nan, e.systemMean, "\(name): system mean \(String(describing: sys.mean)) vs \(e.systemMean)")
    floats.exact(sys.ci ?? .nan, e.systemCI, "\(name): system ci \(String(describing: sys.ci)) vs \(e.systemCI)")
    #expect(sys.isSignificant == (e.pValue < 0.05), "\(name): significance flag")
}

@Test func approximateRandomizationMatchesSacrebleuPValuesAndConfidence() throws {
    let corpus = try PairedCorpus()
    let floats = FixtureFloats("significance")
    // PairedTest(..., test_type='ar', n_samples=10000, n_ar_confidence=1000), SACREBLEU_SEED=12345.
    let integral = Significance.approximateRandomization(
        baseline: corpus.integral(corpus.baseline), system: corpus.integral(corpus.system),
        trials: 10000, seed: 12345, confidenceResamples: 1000, score: brevityIntegralScore)
    floats.exact(integral.pValue, 0.9324067593240676, "brevity AR: p")
    floats.exact(integral.score, 58.364140480591495, "brevity AR: score \(integral.score)")
    floats.exact(integral.mean ?? .nan, 58.40814860367669, "brevity AR: mean \(String(describing: integral.mean))")
    floats.exact(integral.ci ?? .nan, 3.27967549689944, "brevity AR: ci \(String(describing: integral.ci))")

    let unigram = Significance.approximateRandomization(
        baseline: corpus.unigram(corpus.baseline), system: corpus.unigram(corpus.system),
        trials: 10000, seed: 12345, confidenceResamples: 1000, resamplePrecision: .float32,
        resampleScore: unigramScore32, score: unigramScore)
    floats.exact(unigram.pValue, 0.9343065693430657, "unigram AR: p")
    floats.exact(unigram.mean ?? .nan, 58.480438232421875, "unigram AR: mean \(String(describing: unigram.mean))")
    floats.exact(unigram.ci ?? .nan, 3.3296165466308594, "unigram AR: ci \(String(describing: unigram.ci))")

    // The AR baseline interval is PairedTest's own `_bootstrap_resample` with a fresh generator.
    let baseline = Significance.bootstrapInterval(
        corpus.integral(corpus.baseline), resamples: 1000, seed: 12345, score: brevityIntegralScore)
    floats.exact(baseline.mean, 58.09835577311554, "brevity AR baseline mean \(baseline.mean)")
    floats.exact(baseline.halfWidth, 3.1158343201151233, "brevity AR baseline ci \(baseline.halfWidth)")
    floats.report("approximate randomization")
}

@Test func bootstrapIntervalBoundsMatchSacrebleuOrderStatistics() throws {
    let corpus = try PairedCorpus()
    let floats = FixtureFloats("significance")
    // np.sort(scores)[n // 40] and [n - n // 40 - 1] of _bootstrap_resample(stats, metric, n).
    struct Case {
        let name: String
        let stats: SegmentStatistics
        let resamples: Int
        let precision: Significance.ResamplePrecision
        let resample: Significance.Scorer?
        let score: Significance.Scorer
        let lower, upper: Double
        let mean: Double?
    }
    let cases = [
        Case(name: "unigram 1000", stats: corpus.unigram(corpus.baseline), resamples: 1000,
             precision: .float32, resample: unigramScore32, score: unigramScore,
             lower: 55.424644470214844, upper: 61.57518005371094, mean: 58.45425796508789),
        Case(name: "unigram 500", stats: corpus.unigram(corpus.baseline), resamples: 500,
             precision: .float32, resample: unigramScore32, score: unigramScore,
             lower: 55.30530548095703, upper: 61.577964782714844, mean: 58.39341354370117),
        Case(name: "brevity 1000", stats: corpus.fractional(corpus.baseline), resamples: 1000,
             precision: .float64, resample: nil, score: brevityFractionalScore,
             lower: 55.088160904533034, upper: 61.31982654465512, mean: 58.09835801235515),
        Case(name: "brevity 500", stats: corpus.fractional(corpus.baseline), resamples: 500,
             precision: .float64, resample: nil, score: brevityFractionalScore,
             lower: 54.93767976989454, upper: 61.50402864816473, mean: 58.01820074629811),
    ]
    for c in cases {
        let ci = Significance.bootstrapInterval(
            c.stats, resamples: c.resamples, seed: 12345, resamplePrecision: c.precision,
            resampleScore: c.resample, score: c.score)
        floats.exact(ci.lower, c.lower, "\(c.name): lower \(ci.lower) vs \(c.lower)")
        floats.exact(ci.upper, c.upper, "\(c.name): upper \(ci.upper) vs \(c.upper)")
        if let mean = c.mean { floats.exact(ci.mean, mean, "\(c.name): mean \(ci.mean) vs \(mean)") }
        #expect(ci.resamples == c.resamples && ci.confidence == 0.95, "\(c.name): metadata")
    }
    floats.report("bootstrap interval bounds")
}

// MARK: - Properties

@Test func confidenceIntervalBracketsTheScoreAndIsReproducible() throws {
    let corpus = try PairedCorpus()
    let stats = corpus.fractional(corpus.system)
    let a = Significance.bootstrapInterval(stats, seed: 7, score: brevityFractionalScore)
    let b = Significance.bootstrapInterval(stats, seed: 7, score: brevityFractionalScore)
    let c = Significance.bootstrapInterval(stats, seed: 8, score: brevityFractionalScore)
    #expect(a == b, "same seed, same interval")
    #expect(a != c, "another seed draws other resamples")
    for ci in [a, c] {
        #expect(ci.lower <= ci.score && ci.score <= ci.upper, "score \(ci.score) in [\(ci.lower), \(ci.upper)]")
        #expect(ci.lower <= ci.mean && ci.mean <= ci.upper, "mean \(ci.mean) in [\(ci.lower), \(ci.upper)]")
        #expect(ci.halfWidth == 0.5 * (ci.upper - ci.lower), "half-width")
    }
    let wider = Significance.bootstrapInterval(stats, confidence: 0.99, seed: 7, score: brevityFractionalScore)
    let narrower = Significance.bootstrapInterval(stats, confidence: 0.8, seed: 7, score: brevityFractionalScore)
    #expect(wider.lower <= a.lower && a.upper <= wider.upper, "99 % contains 95 %")
    #expect(a.lower <= narrower.lower && narrower.upper <= a.upper, "80 % inside 95 %")
    #expect(wider.mean == a.mean, "confidence does not change the resamples")

    let unseeded = Significance.bootstrapInterval(stats, seed: nil, score: brevityFractionalScore)
    #expect(unseeded.lower <= unseeded.upper && unseeded.resamples == 1000, "entropy-seeded interval")
}

@Test func confidenceLevelSelectsSacrebleusOrderStatistics() {
    let scores = (0..<1000).map { Double(($0 * 7919) % 1000) }  // a permutation of 0..<1000
    let cases: [(Double, Double, Double)] = [(0.95, 25, 974), (0.9, 50, 949), (0.99, 5, 994), (0.5, 250, 749), (1, 0, 999)]
    for (confidence, lower, upper) in cases {
        let ci = Significance.estimateInterval(scores, score: 0, confidence: confidence, precision: .float64)
        #expect(ci.lower == lower && ci.upper == upper, "\(confidence): [\(ci.lower), \(ci.upper)]")
    }
    // n // 40 for awkward sizes.
    for n in [1, 39, 40, 79, 80, 1001] {
        let ci = Significance.estimateInterval((0..<n).map(Double.init), score: 0, confidence: 0.95, precision: .float64)
        #expect(ci.lower == Double(n / 40) && ci.upper == Double(n - n / 40 - 1), "n = \(n)")
    }
}

@Test func resultsAreIdenticalAtAnyThreadCount() throws {
    let corpus = try PairedCorpus()
    let one = ScoringOptions(threads: 1)
    let two = ScoringOptions(threads: 2, parallelThreshold: 0)
    let base = corpus.fractional(corpus.baseline), sys = corpus.fractional(corpus.system)
    let s1 = Significance.pairedBootstrap(baseline: base, system: sys, options: one, score: brevityFractionalScore)
    let s2 = Significance.pairedBootstrap(baseline: base, system: sys, options: two, score: brevityFractionalScore)
    #expect(s1.baseline == s2.baseline && s1.system == s2.system, "paired bootstrap")
    let u1 = Significance.bootstrapInterval(
        corpus.unigram(corpus.system), resamplePrecision: .float32, resampleScore: unigramScore32,
        options: one, score: unigramScore)
    let u2 = Significance.bootstrapInterval(
        corpus.unigram(corpus.system), resamplePrecision: .float32, resampleScore: unigramScore32,
        options: two, score: unigramScore)
    #expect(u1 == u2, "float32 interval")
    let ibase = corpus.integral(corpus.baseline), isys = corpus.integral(corpus.system)
    let a1 = Significance.approximateRandomization(
        baseline: ibase, system: isys, trials: 2000, confidenceResamples: 300, options: one, score: brevityIntegralScore)
    let a2 = Significance.approximateRandomization(
        baseline: ibase, system: isys, trials: 2000, confidenceResamples: 300, options: two, score: brevityIntegralScore)
    #expect(a1 == a2, "approximate randomization")
}

@Test func singleColumnStatisticsAreSummedPairwiseLikeNumpy() {
    // np.array([[v] for v in values], dtype='float32')[idx].sum(0) reduces a 1-D run pairwise;
    // the interval must agree with scoring the explicitly pairwise-summed resample.
    let values = (0..<300).map { 1.0 / Double($0 + 3) }
    let stats = SegmentStatistics(width: 1, values: values)
    let ci = Significance.bootstrapInterval(stats, resamples: 50, seed: 3, score: { $0[0] })
    var rng = NumpyRandom(seed: 3)
    var expected: [Double] = []
    for _ in 0..<50 {
        let column = rng.integers(below: 300, count: 300).map { Float(values[$0]) }
        expected.append(Double(NumpySummation.sum(column)))
    }
    expected.sort()
    #expect(ci.lower == expected[50 / 40] && ci.upper == expected[50 - 50 / 40 - 1], "order statistics")
    #expect(ci.mean == NumpySummation.mean(expected), "mean of sorted resample scores")
}

@Test func identicalSystemsGetSacrebleusSmallestPValue() throws {
    // sacrebleu counts strictly larger differences (`stats > real_difference`), so a system compared
    // with itself has c = 0 and p = 1/(R+1) (PairedTest on sys2 vs sys2 gives 1/201 and 1/501).
    let corpus = try PairedCorpus()
    let stats = corpus.integral(corpus.system)
    let bs = Significance.pairedBootstrap(baseline: stats, system: stats, resamples: 200, score: brevityIntegralScore)
    #expect(bs.system.pValue == 1.0 / 201.0, "bootstrap p \(bs.system.pValue)")
    #expect(bs.baseline == bs.system.interval, "same statistics, same interval")
    let ar = Significance.approximateRandomization(baseline: stats, system: stats, trials: 500, score: brevityIntegralScore)
    #expect(ar.pValue == 1.0 / 501.0, "randomization p \(ar.pValue)")
    #expect(ar.mean == nil && ar.ci == nil && ar.interval == nil, "no interval without confidence resamples")
}
