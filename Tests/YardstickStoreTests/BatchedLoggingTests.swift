import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickStore

/// `logMetrics(run:batches:)` (what `log metrics` uses while it still parses the file) stores exactly what one
/// batch of the same points would, on both backends.
@Suite struct BatchedLoggingTests {
    /// Points with everything the dedupe and numbering rules react to: repeated steps with equal and different
    /// values, a step going back, NaN values and epochs, wall times.
    static func points() -> [MetricPoint] {
        var points: [MetricPoint] = []
        for step in 0..<300 {
            points.append(MetricPoint(key: "loss", step: Int64(step), epoch: Double(step) / 100, value: 1 / Double(step + 1),
                                      wallTime: 1_700_000_000 + Double(step)))
            if step % 3 == 0 { points.append(MetricPoint(key: "eval/loss", step: Int64(step), value: step % 9 == 0 ? .nan : 0.5)) }
            if step % 50 == 0 {
                // The same step again: once identical (skipped), once with another value (kept with the next seq).
                points.append(MetricPoint(key: "loss", step: Int64(step), epoch: Double(step) / 100, value: 1 / Double(step + 1),
                                          wallTime: 1_700_000_000 + Double(step)))
                points.append(MetricPoint(key: "loss", step: Int64(step), value: 42))
            }
        }
        // A resumed run logging steps it already logged.
        for step in 250..<260 { points.append(MetricPoint(key: "loss", step: Int64(step), value: 7)) }
        return points
    }

    static func history(_ store: Store, _ run: String) throws -> [String] {
        try store.history(run: run).map { "\($0.key) \($0.step) \($0.epoch.map { String($0.bitPattern) } ?? "-") \($0.value.bitPattern) \($0.wallTime.map { String($0) } ?? "-")" }
    }

    @Test(arguments: Backend.available) func batchesOfAnySizeStoreWhatOneBatchStores(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let points = Self.points()
        let whole = try store.createRun(experiment: "e", name: "whole").id
        let wholeStored = try store.logMetrics(run: whole, points)
        let expected = try Self.history(store, whole)
        #expect(expected.count == wholeStored && wholeStored < points.count, "some points are skipped as identical")
        for size in [1, 7, 50, 299, 1_000] {
            let run = try store.createRun(experiment: "e", name: "batches-\(size)").id
            var rest = points[...]
            let logged = try store.logMetrics(run: run) { () -> [MetricPoint]? in
                guard !rest.isEmpty else { return nil }
                defer { rest = rest.dropFirst(size) }
                return Array(rest.prefix(size))
            }
            #expect(logged.points == points.count && logged.stored == wholeStored, "batches of \(size)")
            #expect(try Self.history(store, run) == expected, "batches of \(size)")
        }
    }

    @Test(arguments: Backend.available) func aFailingBatchRollsBackTheBatchesBeforeIt(_ backend: Backend) throws {
        struct Bad: Error {}
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r").id
        var delivered = 0
        #expect(throws: Bad.self) {
            try store.logMetrics(run: run) { () -> [MetricPoint]? in
                delivered += 1
                if delivered == 3 { throw Bad() }
                return [MetricPoint(key: "loss", step: Int64(delivered), value: 1)]
            }
        }
        #expect(try store.pointCount(run: run) == 0)
    }
}
