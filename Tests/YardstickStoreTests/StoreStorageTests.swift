import Foundation
import Testing
@testable import YardstickStore

@Suite struct StoreStorageTests {
    /// Realistic curves: several keys logged at the same steps (interleaved, as trainers write them),
    /// fractional epochs, noisy values and millisecond wall times.
    static func trainingLog(points: Int, keys: [String]) -> [MetricPoint] {
        var result: [MetricPoint] = []
        result.reserveCapacity(points)
        var generator = SplitMix(seed: 7)
        let steps = points / keys.count
        for step in 0..<steps {
            for key in keys {
                let noise = Double(generator.next() % 1_000_000) / 1e7
                result.append(MetricPoint(
                    key: key, step: Int64(step), epoch: Double(step) / 1234.0, value: 2.0 / Double(step + 1) + noise,
                    wallTime: 1_720_000_000 + Double(step) * 0.731))
            }
        }
        return result
    }

    @Test func metricPointsTakeAtMostFiftyBytesEachOnDisk() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "big")
        let points = StoreStorageTests.trainingLog(points: 200_000, keys: ["loss", "learning_rate", "grad_norm", "eval/loss"])
        let empty = try store.database.scalar("PRAGMA page_count").int64 ?? 0
        // Logged in batches the way a trainer callback would send them.
        for start in stride(from: 0, to: points.count, by: 10_000) {
            try store.logMetrics(run: run.id, Array(points[start..<min(start + 10_000, points.count)]))
        }
        let pageSize = try #require(try store.database.scalar("PRAGMA page_size").int64)
        let pages = try #require(try store.database.scalar("PRAGMA page_count").int64)
        let bytesPerPoint = Double((pages - empty) * pageSize) / Double(points.count)
        let totalPerPoint = Double(pages * pageSize) / Double(points.count)
        #expect(try store.pointCount(run: run.id) == points.count)
        #expect(totalPerPoint <= 50, "whole file: \(totalPerPoint) bytes per point")
        #expect(bytesPerPoint <= 50, "metric data: \(bytesPerPoint) bytes per point")
        // Exact round trip of what was stored.
        let expected = points.sorted { ($0.key, $0.step) < ($1.key, $1.step) }.map { point -> MetricPoint in
            var rounded = point
            rounded.wallTime = point.wallTime.map { (($0 * 1000).rounded()) / 1000 }
            return rounded
        }
        #expect(try store.history(run: run.id) == expected)
    }
}

/// A small deterministic generator so the test data never changes.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
