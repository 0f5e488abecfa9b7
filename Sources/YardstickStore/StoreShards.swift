import Foundation

/// A worker's hold on one shard of a prediction set: its writes are accepted while `token` is the shard's.
public struct ShardClaim: Sendable, Equatable {
    public var predictionSet: Int64
    public var shardCount: Int
    /// 0-based shard index.
    public var shard: Int
    /// Random; a takeover replaces it, which is what rejects the previous holder's late writes.
    public var token: String
    /// `host:pid` of the worker.
    public var worker: String
    /// Seconds each fenced write extends the lease by.
    public var lease: TimeInterval
    /// When the lease runs out unless renewed.
    public var leaseUntil: Date

    public init(predictionSet: Int64, shardCount: Int, shard: Int, token: String, worker: String, lease: TimeInterval,
                leaseUntil: Date) {
        self.predictionSet = predictionSet
        self.shardCount = shardCount
        self.shard = shard
        self.token = token
        self.worker = worker
        self.lease = lease
        self.leaseUntil = leaseUntil
    }
}

/// What ``Store/claimShard(set:shardCount:worker:lease:now:)`` found.
public enum ShardClaimOutcome: Sendable, Equatable {
    /// This worker now holds the shard.
    case claimed(ShardClaim)
    /// Nothing is claimable: `claimed` shards are held under live leases (the earliest runs out at `nextExpiry`).
    case waiting(claimed: Int, done: Int, nextExpiry: Date)
    /// Every shard is done.
    case allDone
}

/// One row of `evaluation_shards`.
public struct ShardState: Sendable, Equatable {
    public var shard: Int
    /// `pending`, `claimed` or `done`.
    public var status: String
    public var token: String?
    public var worker: String?
    public var leaseUntil: Date?
    public var claimedAt: Date?
    public var doneAt: Date?
}

/// Whether a prediction set holds an outcome for every example of its dataset.
public struct PredictionSetCompletion: Sendable {
    /// Examples (positions `0..<count`) with neither a prediction nor an error.
    public var missing: Int
    /// The set's stored predictions, read in the same transaction as the count; empty unless `missing == 0`.
    public var predictions: [StoredPrediction]
}

/// The merge of a sharded evaluation was recorded by another worker first (rolls back the loser's copy).
private struct MergeTaken: Error {}

extension Store {
    /// The row-lock suffix of the claim query. SQLite needs none (a write transaction excludes other writers);
    /// the PostgreSQL backend uses ` FOR UPDATE SKIP LOCKED` so concurrent claimers skip each other's rows.
    public var claimLockClause: String { database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// In one write transaction: creates the `shardCount` shard rows of the set when missing, then claims the
    /// lowest shard that is pending or whose lease ran out before `now` (a fresh random token, `worker`, lease until
    /// `now + lease`).
    public func claimShard(set: Int64, shardCount: Int, worker: String, lease: TimeInterval, now: Date = Date()) throws -> ShardClaimOutcome {
        guard shardCount >= 1 else { throw StoreError.invalidArgument("the number of shards must be at least 1") }
        guard lease > 0 else { throw StoreError.invalidArgument("the lease must be positive") }
        let nowMs = Store.milliseconds(now)
        return try write {
            let create = try statement("""
                INSERT INTO evaluation_shards(prediction_set_id, shard_count, shard, status) VALUES (?, ?, ?, 'pending')
                ON CONFLICT DO NOTHING
                """)
            defer { create.reset() }
            try create.bind(set, at: 1)
            try create.bind(Int64(shardCount), at: 2)
            for shard in 0..<shardCount {
                try create.bind(Int64(shard), at: 3)
                try create.step()
                create.reset()
            }
            let claimable = try database.query("""
                SELECT shard FROM evaluation_shards
                WHERE prediction_set_id = ? AND shard_count = ?
                  AND (status = 'pending' OR (status = 'claimed' AND lease_until < ?))
                ORDER BY shard LIMIT 1\(claimLockClause)
                """, [.integer(set), .integer(Int64(shardCount)), .integer(nowMs)])
            if let shard = claimable.first?[0].int64 {
                let token = Store.newRunID()
                let until = nowMs + Int64((lease * 1000).rounded(.up))
                try database.execute("""
                    UPDATE evaluation_shards SET status = 'claimed', token = ?, worker = ?, lease_until = ?, claimed_at = ?
                    WHERE prediction_set_id = ? AND shard_count = ? AND shard = ?
                    """, [.text(token), .text(worker), .integer(until), .integer(nowMs), .integer(set),
                          .integer(Int64(shardCount)), .integer(shard)])
                return .claimed(ShardClaim(predictionSet: set, shardCount: shardCount, shard: Int(shard), token: token,
                                           worker: worker, lease: lease, leaseUntil: Store.date(milliseconds: until)))
            }
            let row = try database.query("""
                SELECT SUM(CASE WHEN status = 'claimed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END),
                       MIN(CASE WHEN status = 'claimed' THEN lease_until END)
                FROM evaluation_shards WHERE prediction_set_id = ? AND shard_count = ?
                """, [.integer(set), .integer(Int64(shardCount))])[0]
            let claimed = Int(row[0].int64 ?? 0), done = Int(row[1].int64 ?? 0)
            if claimed == 0 { return .allDone }
            return .waiting(claimed: claimed, done: done, nextExpiry: Store.date(milliseconds: row[2].int64 ?? nowMs))
        }
    }

    /// Renews the claim's lease to `now + lease` when the claim still holds the shard; throws
    /// ``StoreError/leaseLost(shard:count:)`` otherwise. The caller holds the write transaction.
    func fence(_ claim: ShardClaim, now: Date) throws {
        let until = Store.milliseconds(now) + Int64((claim.lease * 1000).rounded(.up))
        let renew = try statement("""
            UPDATE evaluation_shards SET lease_until = ?
            WHERE prediction_set_id = ? AND shard_count = ? AND shard = ? AND token = ? AND status = 'claimed'
            """)
        defer { renew.reset() }
        try renew.bind(until, at: 1)
        try renew.bind(claim.predictionSet, at: 2)
        try renew.bind(Int64(claim.shardCount), at: 3)
        try renew.bind(Int64(claim.shard), at: 4)
        try renew.bind(claim.token, at: 5)
        try renew.step()
        if database.changes == 0 { throw StoreError.leaseLost(shard: claim.shard, count: claim.shardCount) }
    }

    /// Runs `body` in one write transaction that first checks and renews `claim` (when given): a worker whose shard
    /// was taken over has its write rejected with ``StoreError/leaseLost(shard:count:)`` and nothing of `body` kept.
    public func fenced<T>(_ claim: ShardClaim?, now: Date = Date(), _ body: () throws -> T) throws -> T {
        try write {
            if let claim { try fence(claim, now: now) }
            return try body()
        }
    }

    /// ``savePredictions(set:_:)`` fenced by `claim`: rejected (and nothing written) when the claim lost its shard.
    public func savePredictions(set: Int64, _ predictions: [(position: Int, record: PredictionRecord)], fencedBy claim: ShardClaim?,
                                now: Date = Date()) throws {
        try fenced(claim, now: now) { try savePredictions(set: set, predictions) }
    }

    /// Marks the claimed shard done; throws ``StoreError/leaseLost(shard:count:)`` when the claim no longer holds it.
    public func completeShard(_ claim: ShardClaim, now: Date = Date()) throws {
        try write {
            try database.execute("""
                UPDATE evaluation_shards SET status = 'done', done_at = ?, lease_until = NULL
                WHERE prediction_set_id = ? AND shard_count = ? AND shard = ? AND token = ? AND status = 'claimed'
                """, [.integer(Store.milliseconds(now)), .integer(claim.predictionSet), .integer(Int64(claim.shardCount)),
                      .integer(Int64(claim.shard)), .text(claim.token)])
            if database.changes == 0 { throw StoreError.leaseLost(shard: claim.shard, count: claim.shardCount) }
        }
    }

    /// The shard rows of a set split `shardCount` ways, by shard.
    public func shards(set: Int64, shardCount: Int) throws -> [ShardState] {
        try database.query("""
            SELECT shard, status, token, worker, lease_until, claimed_at, done_at FROM evaluation_shards
            WHERE prediction_set_id = ? AND shard_count = ? ORDER BY shard
            """, [.integer(set), .integer(Int64(shardCount))]).map { r in
            ShardState(shard: Int(r[0].int64 ?? 0), status: r[1].text ?? "", token: r[2].text, worker: r[3].text,
                       leaseUntil: r[4].int64.map(Store.date), claimedAt: r[5].int64.map(Store.date),
                       doneAt: r[6].int64.map(Store.date))
        }
    }

    /// In one transaction: how many of the examples at positions `0..<count` have neither a prediction nor an error
    /// in the set, and — when none is missing — every stored prediction, so the merge scores exactly what was counted.
    public func completion(set: Int64, count: Int) throws -> PredictionSetCompletion {
        try database.transaction(.deferred) {
            let have = try database.scalar("""
                SELECT count(*) FROM predictions WHERE prediction_set_id = ? AND position >= 0 AND position < ?
                  AND (prediction IS NOT NULL OR error IS NOT NULL)
                """, [.integer(set), .integer(Int64(count))]).int64 ?? 0
            let missing = count - Int(have)
            return PredictionSetCompletion(missing: missing, predictions: missing == 0 ? try predictions(set: set) : [])
        }
    }

    /// Records the merged evaluation of a set split `shardCount` ways at most once: `record` (which records the
    /// evaluation and returns its id) runs in one transaction that also claims the merge; when another worker merged
    /// first, everything `record` wrote is rolled back and that worker's evaluation id is returned with `recorded` false.
    public func recordMerge(set: Int64, shardCount: Int, now: Date = Date(),
                            _ record: () throws -> Int64) throws -> (evaluationID: Int64, recorded: Bool) {
        let key: [SQLValue] = [.integer(set), .integer(Int64(shardCount))]
        do {
            return try write {
                try database.execute("""
                    INSERT INTO evaluation_merges(prediction_set_id, shard_count) VALUES (?, ?) ON CONFLICT DO NOTHING
                    """, key)
                if let existing = try database.scalar("""
                    SELECT evaluation_id FROM evaluation_merges WHERE prediction_set_id = ? AND shard_count = ?
                    """, key).int64 {
                    return (existing, false)
                }
                let id = try record()
                try database.execute("""
                    UPDATE evaluation_merges SET evaluation_id = ?, merged_at = ?
                    WHERE prediction_set_id = ? AND shard_count = ? AND evaluation_id IS NULL
                    """, [.integer(id), .integer(Store.milliseconds(now))] + key)
                if database.changes == 0 { throw MergeTaken() }
                return (id, true)
            }
        } catch is MergeTaken {
            let existing = try database.scalar("""
                SELECT evaluation_id FROM evaluation_merges WHERE prediction_set_id = ? AND shard_count = ?
                """, key).int64
            guard let existing else { throw StoreError.invalidArgument("the merge of prediction set \(set) has no evaluation") }
            return (existing, false)
        }
    }
}
