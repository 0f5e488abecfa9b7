import Foundation

/// Schema version 4: sharded evaluation. Written portably (no `WITHOUT ROWID`, no SQLite-only functions, times as
/// integer milliseconds since 1970 passed in by the caller) so the same tables serve the PostgreSQL backend.
enum StoreMigrationV4 {
    static let sql = """
        CREATE TABLE evaluation_shards (
            prediction_set_id INTEGER NOT NULL REFERENCES prediction_sets(id) ON DELETE CASCADE,
            shard_count       INTEGER NOT NULL CHECK (shard_count >= 1),
            shard             INTEGER NOT NULL CHECK (shard >= 0 AND shard < shard_count),
            status            TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'done')),
            token             TEXT,
            worker            TEXT,
            lease_until       INTEGER,
            claimed_at        INTEGER,
            done_at           INTEGER,
            PRIMARY KEY (prediction_set_id, shard_count, shard)
        );
        CREATE TABLE evaluation_merges (
            prediction_set_id INTEGER NOT NULL REFERENCES prediction_sets(id) ON DELETE CASCADE,
            shard_count       INTEGER NOT NULL CHECK (shard_count >= 1),
            evaluation_id     INTEGER REFERENCES evaluations(id) ON DELETE SET NULL,
            merged_at         INTEGER,
            PRIMARY KEY (prediction_set_id, shard_count)
        );
        CREATE INDEX evaluation_merges_by_evaluation ON evaluation_merges(evaluation_id);
        """
}
