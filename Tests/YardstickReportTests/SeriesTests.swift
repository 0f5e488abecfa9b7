import Foundation
import Testing
import YardstickReport

@Suite struct DownsamplingTests {
    /// A noisy series with spikes and troughs in odd places, and NaN runs.
    func series(_ n: Int, seed: UInt64 = 7) -> [SeriesPoint] {
        var state = seed
        return (0..<n).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var y = Double(state >> 11) / Double(1 << 53) + 1 / Double(i + 1)
            if i % 997 == 13 { y += 50 }
            if i % 1_231 == 7 { y -= 40 }
            if i % 5_003 == 11 { y = .nan }
            return SeriesPoint(x: Double(i), y: y)
        }
    }

    @Test func keepsTheMinimumAndMaximumOfEveryBucketAndTheEnds() {
        let points = series(100_000)
        let buckets = 300
        let drawn = Downsample.minMax(points, buckets: buckets)
        #expect(drawn.count <= 3 * buckets + 2)
        #expect(drawn.first == points.first && drawn.last == points.last)
        let kept = Set(drawn.map(\.x))
        // Every bucket's finite extremes are kept, which implies the global ones.
        let end = points.count - 1
        var start = 1
        for b in 0..<buckets {
            let stop = b == buckets - 1 ? end : 1 + Int((Double(b + 1) * Double(end - 1) / Double(buckets)).rounded(.down))
            let bucket = points[start..<stop].filter { $0.y.isFinite }
            if let lo = bucket.min(by: { $0.y < $1.y }), let hi = bucket.max(by: { $0.y < $1.y }) {
                #expect(drawn.contains { $0.y == lo.y }, "bucket \(b) lost its minimum")
                #expect(drawn.contains { $0.y == hi.y }, "bucket \(b) lost its maximum")
            }
            start = stop
        }
        let finite = points.filter { $0.y.isFinite }
        #expect(drawn.filter { $0.y.isFinite }.map(\.y).min() == finite.map(\.y).min())
        #expect(drawn.filter { $0.y.isFinite }.map(\.y).max() == finite.map(\.y).max())
        // Points stay in x order, and every NaN gap is still a gap.
        #expect(zip(drawn, drawn.dropFirst()).allSatisfy { $0.x < $1.x })
        #expect(drawn.contains { $0.y.isNaN })
        #expect(kept.count == drawn.count)
    }

    @Test func shortSeriesAreReturnedUnchanged() {
        let points = series(500)
        #expect(Downsample.minMax(points, buckets: 400) == points)
    }

    @Test func aMillionPointsDrawAsAboutTwoPointsPerBucket() {
        let drawn = Downsample.minMax(series(1_000_000), buckets: 400)
        #expect(drawn.count <= 1_202 && drawn.count >= 800)
    }
}

@Suite struct SmoothingTests {
    @Test func exponentialMovingAverageIsBiasCorrected() {
        let s = Smoothing.ema([1, 2, 3], weight: 0.5)
        #expect(s[0] == 1)
        // (0.5·1 + 0.5·... ) debiased: last = 0.25 + 1 = 1.25 over 1 − 0.25.
        #expect(abs(s[1] - 1.25 / 0.75) < 1e-12)
        #expect(abs(s[2] - (1.25 * 0.5 + 1.5) / 0.875) < 1e-12)
    }

    @Test func constantSeriesStayConstantAndZeroWeightIsTheIdentity() {
        #expect(Smoothing.ema([Double](repeating: 0.7, count: 50), weight: 0.9).allSatisfy { abs($0 - 0.7) < 1e-12 })
        #expect(Smoothing.ema([3, 1, 2], weight: 0) == [3, 1, 2])
    }

    @Test func nonFiniteValuesStayGapsAndDoNotPoisonTheAverage() {
        let s = Smoothing.ema([1, .nan, 1, .infinity, 1], weight: 0.8)
        #expect(s[1].isNaN && s[3] == .infinity)
        #expect([s[0], s[2], s[4]].allSatisfy { abs($0 - 1) < 1e-12 })
    }
}
