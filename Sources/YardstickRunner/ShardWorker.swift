import Foundation
import YardstickStore

/// What one `--workers-claim` worker did.
public struct ShardWorkReport: Sendable {
    /// Shards (0-based) this worker finished, in the order it finished them.
    public var shardsDone: [Int] = []
    /// Shards it lost to another worker after its lease ran out (its late answers were rejected).
    public var shardsLost: [Int] = []
    /// Counts summed over its shards.
    public var statistics = RunnerStatistics()
    /// The shard that stopped on `--max-failures` (the worker stops there; the shard stays claimed until its lease
    /// runs out, then another worker retries it).
    public var stoppedShard: Int?

    public init() {}
}

extension RunnerStatistics {
    /// Field-wise sum (`stopped` if either stopped).
    public static func + (a: RunnerStatistics, b: RunnerStatistics) -> RunnerStatistics {
        RunnerStatistics(total: a.total + b.total, alreadyDone: a.alreadyDone + b.alreadyDone, fromCache: a.fromCache + b.fromCache,
                         requests: a.requests + b.requests, retries: a.retries + b.retries, succeeded: a.succeeded + b.succeeded,
                         failed: a.failed + b.failed, stopped: a.stopped || b.stopped, seconds: a.seconds + b.seconds)
    }
}

extension EvaluationRunner {
    /// `host:pid`, how a worker names itself in `evaluation_shards.worker`.
    public static var workerName: String { "\(ProcessInfo.processInfo.hostName):\(getpid())" }

    /// A worker of a shared evaluation: claims the lowest free shard of `set` split `shardCount` ways (pending, or
    /// held under a lease that ran out), runs its examples with every write fenced by the claim, marks it done,
    /// and goes on until every shard is done; while a shard runs, its lease is renewed every third of `lease`. When
    /// the remaining shards are held by live leases it polls every
    /// `min(lease / 4, 1 s)` until they are done or a lease runs out (then it takes that shard over).
    /// - Parameter note: told about shards lost to another worker, for the user.
    public func runClaimingShards(_ examples: [HeldOutExample], store: SharedStore, set: Int64, shardCount: Int,
                                  lease: TimeInterval, worker: String = EvaluationRunner.workerName,
                                  note: @escaping @Sendable (String) -> Void = { _ in },
                                  progress: @escaping @Sendable (RunnerStatistics) -> Void = { _ in }) async throws -> ShardWorkReport {
        var report = ShardWorkReport()
        while true {
            let outcome = try await store.perform { try $0.claimShard(set: set, shardCount: shardCount, worker: worker, lease: lease) }
            switch outcome {
            case .allDone:
                return report
            case let .waiting(_, _, nextExpiry):
                let untilExpiry = nextExpiry.timeIntervalSinceNow + 0.01
                let pause = max(0.01, min(lease / 4, 1, untilExpiry))
                try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            case let .claimed(claim):
                let positions = Sharding.positions(of: examples, shard: claim.shard, count: shardCount)
                let before = report.statistics
                // A heartbeat renews the lease while requests are in flight, so a model slower than the lease does
                // not lose its shard; a worker that dies stops renewing, and its shard is taken over.
                let heartbeat = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: UInt64(lease / 3 * 1e9))
                        if Task.isCancelled { break }
                        _ = try? await store.perform { try $0.fenced(claim) {} }
                    }
                }
                defer { heartbeat.cancel() }
                do {
                    let statistics = try await run(examples, store: store, set: set, positions: positions, claim: claim) {
                        progress(before + $0)
                    }
                    report.statistics = report.statistics + statistics
                    if statistics.stopped {
                        report.stoppedShard = claim.shard
                        return report
                    }
                    try await store.perform { try $0.completeShard(claim) }
                    report.shardsDone.append(claim.shard)
                } catch let error as StoreError {
                    guard case .leaseLost = error else { throw error }
                    report.shardsLost.append(claim.shard)
                    note("\(error); going on with the next shard")
                }
            }
        }
    }
}
