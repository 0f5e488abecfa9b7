import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickStore

/// The shard table of `eval --workers-claim`: claims, leases, fenced writes and the merge guard, with time passed in.
@Suite struct StoreShardTests {
    /// A store with a run and its prediction set over a 4-example dataset.
    func fixture(_ folder: TemporaryFolder, _ backend: Backend) throws -> (Store, Run, Int64) {
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "sharded")
        let dataset = DatasetContent(inputs: ["a", "b", "c", "d"], references: [["A"], ["B"], ["C"], ["D"]], path: "set.jsonl")
        let set = try store.predictionSet(run: run.id, dataset: dataset, settings: .object([("model", .string("m"))]))
        return (store, run, set)
    }

    func row(_ id: String, _ prediction: String) -> PredictionRecord {
        PredictionRecord(exampleID: id, input: id, references: [id.uppercased()], prediction: prediction)
    }

    func claimed(_ outcome: ShardClaimOutcome) throws -> ShardClaim {
        guard case let .claimed(claim) = outcome else { throw StoreError.invalidArgument("expected a claim, got \(outcome)") }
        return claim
    }

    @Test("a worker whose lease ran out loses its shard: its late write is rejected and rolled back, the new holder's is kept", arguments: Backend.available)
    func expiredLeaseIsTakenOverAndTheLateWriteIsFenced(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let (store, _, set) = try fixture(folder, backend)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let a = try claimed(store.claimShard(set: set, shardCount: 2, worker: "host-a:1", lease: 60, now: t0))
        #expect(a.shard == 0 && a.leaseUntil == t0.addingTimeInterval(60))
        #expect(try store.shards(set: set, shardCount: 2).map(\.status) == ["claimed", "pending"])

        // Within A's lease, B gets the next shard, not A's.
        let b1 = try claimed(store.claimShard(set: set, shardCount: 2, worker: "host-b:2", lease: 60, now: t0.addingTimeInterval(30)))
        #expect(b1.shard == 1)
        // Both shards held under live leases: nothing to claim, wait for the earliest expiry.
        #expect(try store.claimShard(set: set, shardCount: 2, worker: "host-c:3", lease: 60, now: t0.addingTimeInterval(59))
                == .waiting(claimed: 2, done: 0, nextExpiry: t0.addingTimeInterval(60)))

        // Past A's lease, B takes shard 0 over with a fresh token.
        let b0 = try claimed(store.claimShard(set: set, shardCount: 2, worker: "host-b:2", lease: 60, now: t0.addingTimeInterval(61)))
        #expect(b0.shard == 0 && b0.token != a.token)
        #expect(try store.shards(set: set, shardCount: 2)[0].worker == "host-b:2")

        #expect(throws: StoreError.leaseLost(shard: 0, count: 2)) {
            try store.savePredictions(set: set, [(0, row("a", "late answer"))], fencedBy: a, now: t0.addingTimeInterval(62))
        }
        #expect(try store.predictions(set: set).isEmpty, "the rejected write left no row")
        try store.savePredictions(set: set, [(0, row("a", "fresh answer"))], fencedBy: b0, now: t0.addingTimeInterval(63))
        #expect(try store.predictions(set: set).map(\.prediction) == ["fresh answer"])
        #expect(try store.shards(set: set, shardCount: 2)[0].leaseUntil == t0.addingTimeInterval(123), "a fenced write renews the lease")

        #expect(throws: StoreError.leaseLost(shard: 0, count: 2)) { try store.completeShard(a, now: t0.addingTimeInterval(64)) }
        #expect(try store.shards(set: set, shardCount: 2)[0].status == "claimed")
        try store.completeShard(b0, now: t0.addingTimeInterval(65))
        try store.completeShard(b1, now: t0.addingTimeInterval(65))
        #expect(try store.shards(set: set, shardCount: 2).map(\.status) == ["done", "done"])
        #expect(try store.claimShard(set: set, shardCount: 2, worker: "host-a:1", lease: 60, now: t0.addingTimeInterval(200)) == .allDone)
        #expect(try store.count("evaluation_shards") == 2, "claiming again creates no rows")
    }

    @Test("a fenced write keeps a shard alive past its first lease: no one can take over a shard whose worker is writing", arguments: Backend.available)
    func fencedWritesRenewTheLease(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let (store, _, set) = try fixture(folder, backend)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let a = try claimed(store.claimShard(set: set, shardCount: 1, worker: "a", lease: 10, now: t0))
        try store.savePredictions(set: set, [(0, row("a", "x"))], fencedBy: a, now: t0.addingTimeInterval(9))
        #expect(try store.claimShard(set: set, shardCount: 1, worker: "b", lease: 10, now: t0.addingTimeInterval(15))
                == .waiting(claimed: 1, done: 0, nextExpiry: t0.addingTimeInterval(19)))
        let b = try claimed(store.claimShard(set: set, shardCount: 1, worker: "b", lease: 10, now: t0.addingTimeInterval(20)))
        #expect(b.shard == 0)
    }

    @Test("completion counts predictions and errors of every position, and returns the rows it counted", arguments: Backend.available)
    func completionOfAPredictionSet(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let (store, _, set) = try fixture(folder, backend)
        try store.savePredictions(set: set, [(0, row("a", "x")), (3, PredictionRecord(exampleID: "d", references: ["D"], prediction: nil, error: "HTTP 500"))])
        let partial = try store.completion(set: set, count: 4)
        #expect(partial.missing == 2 && partial.predictions.isEmpty)
        try store.savePredictions(set: set, [(1, row("b", "y")), (2, row("c", "z"))])
        let full = try store.completion(set: set, count: 4)
        #expect(full.missing == 0 && full.predictions.map(\.position) == [0, 1, 2, 3])
    }

    @Test("the merge of a sharded set is recorded once: a second merger's evaluation is rolled back and the first's id returned", arguments: Backend.available)
    func mergeIsRecordedOnce(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let (store, run, set) = try fixture(folder, backend)
        func record(_ score: Double) -> () throws -> Int64 {
            { try store.recordEvaluation(run: run.id, EvaluationRecord(dataset: nil, settings: .object([]), predictions: [],
                                                                     metrics: [MetricRecord(name: "bleu", score: score)])) }
        }
        let first = try store.recordMerge(set: set, shardCount: 3, record(1))
        let second = try store.recordMerge(set: set, shardCount: 3, record(2))
        #expect(first.recorded && !second.recorded && second.evaluationID == first.evaluationID)
        #expect(try store.evaluations(run: run.id).map { $0.metrics.map(\.score) } == [[1]])
        // Another split of the same set is another merge.
        let other = try store.recordMerge(set: set, shardCount: 2, record(3))
        #expect(other.recorded && other.evaluationID != first.evaluationID)
    }
}
