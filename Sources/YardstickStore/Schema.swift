import Foundation

/// The database layout and its versioned migrations.
///
/// Migration `N` (1-based) brings a file from `PRAGMA user_version = N-1` to `N`. Each runs in its own
/// `BEGIN IMMEDIATE` transaction that re-reads `user_version` first, so several processes opening a new
/// file at once migrate it exactly once. Migrations are append-only: a released one never changes.
public enum StoreSchema {
    /// The schema version this build writes (`PRAGMA user_version` after migrating).
    public static var currentVersion: Int { migrations.count }

    /// SQL of each migration, in order.
    static let migrations: [String] = [version1]

    private static let version1 = """
        CREATE TABLE experiments (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            created_at  TEXT NOT NULL
        );
        CREATE TABLE runs (
            pk               INTEGER PRIMARY KEY,
            id               TEXT NOT NULL UNIQUE
                             CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
            experiment_id    INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            name             TEXT NOT NULL,
            status           TEXT NOT NULL,
            created_at       TEXT NOT NULL,
            started_at       TEXT,
            ended_at         TEXT,
            base_model       TEXT,
            fine_tuned_model TEXT,
            provider         TEXT,
            job_id           TEXT,
            notes            TEXT,
            UNIQUE (experiment_id, name)
        );
        CREATE INDEX runs_by_job_id ON runs(job_id) WHERE job_id IS NOT NULL;
        CREATE INDEX runs_by_created ON runs(created_at);
        CREATE TABLE params (
            run_pk     INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            key        TEXT NOT NULL,
            value      TEXT NOT NULL,
            value_type TEXT NOT NULL CHECK (value_type IN ('int', 'float', 'string', 'bool')),
            PRIMARY KEY (run_pk, key)
        ) WITHOUT ROWID;
        CREATE TABLE tags (
            run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            key    TEXT NOT NULL,
            value  TEXT NOT NULL,
            PRIMARY KEY (run_pk, key)
        ) WITHOUT ROWID;
        CREATE TABLE metric_keys (
            id  INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE
        );
        CREATE TABLE metric_points (
            run_pk    INTEGER NOT NULL,
            key_id    INTEGER NOT NULL,
            step      INTEGER NOT NULL,
            seq       INTEGER NOT NULL,
            epoch     REAL,
            value     REAL,
            wall_time INTEGER,
            PRIMARY KEY (run_pk, key_id, step, seq)
        ) WITHOUT ROWID;
        CREATE TRIGGER runs_delete_metric_points AFTER DELETE ON runs
        BEGIN
            DELETE FROM metric_points WHERE run_pk = old.pk;
        END;
        CREATE TABLE datasets (
            id         INTEGER PRIMARY KEY,
            path       TEXT NOT NULL,
            role       TEXT CHECK (role IN ('train', 'valid', 'test')),
            sha256     TEXT,
            size_bytes INTEGER,
            UNIQUE (path, sha256)
        );
        CREATE TABLE run_datasets (
            run_pk     INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            role       TEXT NOT NULL CHECK (role IN ('train', 'valid', 'test')),
            PRIMARY KEY (run_pk, dataset_id, role)
        ) WITHOUT ROWID;
        CREATE INDEX run_datasets_by_dataset ON run_datasets(dataset_id);
        CREATE TABLE evaluations (
            id          INTEGER PRIMARY KEY,
            run_pk      INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            dataset_id  INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            metric      TEXT NOT NULL,
            score       REAL,
            signature   TEXT,
            ci_low      REAL,
            ci_high     REAL,
            statistics  BLOB,
            n_examples  INTEGER,
            created_at  TEXT NOT NULL,
            details     TEXT
        );
        CREATE INDEX evaluations_by_run ON evaluations(run_pk, metric);
        CREATE INDEX evaluations_by_dataset ON evaluations(dataset_id);
        CREATE TABLE examples (
            id            INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
            example_id    TEXT NOT NULL,
            input         TEXT,
            reference     TEXT,
            prediction    TEXT,
            scores        TEXT,
            error         TEXT,
            latency_ms    REAL,
            UNIQUE (evaluation_id, example_id)
        );
        CREATE TABLE imports (
            id          INTEGER PRIMARY KEY,
            run_pk      INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            path        TEXT NOT NULL,
            format      TEXT NOT NULL,
            sha256      TEXT NOT NULL,
            size_bytes  INTEGER NOT NULL,
            imported_at TEXT NOT NULL,
            points      INTEGER NOT NULL
        );
        CREATE INDEX imports_by_run ON imports(run_pk);
        CREATE UNIQUE INDEX imports_by_file ON imports(sha256, run_pk);
        """

    /// Brings `database` to ``currentVersion``; a file written by a newer Yardstick is refused untouched.
    static func migrate(_ database: Database) throws {
        let found = try database.userVersion
        if found > currentVersion { throw StoreError.newerSchema(path: database.path, found: found, supported: currentVersion) }
        guard found < currentVersion else { return }
        for (index, sql) in migrations.enumerated() {
            let target = index + 1
            try database.transaction(.immediate) {
                // Another process may have migrated between our read and our write lock.
                let now = try database.userVersion
                if now > currentVersion {
                    throw StoreError.newerSchema(path: database.path, found: now, supported: currentVersion)
                }
                guard now == target - 1 else { return }
                try database.execute(sql)
                try database.execute("PRAGMA user_version = \(target)")
            }
        }
    }

    /// The schema described for people: what each table holds and why it is shaped that way.
    /// The README includes this text as `Schema.md`.
    public static let documentation = """
        ## Store schema (version 1)

        One SQLite file (default `experiments/yardstick.db`, 8 KiB pages) in WAL mode (`synchronous=NORMAL`,
        `foreign_keys=ON`, 30 s busy timeout). Every write runs in a `BEGIN IMMEDIATE` transaction, so
        concurrent writers (several `yardstick log metrics` processes) queue for the write lock instead of
        failing with "database is locked", and a killed writer leaves either all of its batch or none.
        `PRAGMA user_version` holds the schema version; opening a file with a newer version is refused.

        Timestamps in `created_at`/`started_at`/`ended_at`/`imported_at` are UTC ISO-8601 text with
        milliseconds (`2024-05-01T12:34:56.789Z`), so they sort and compare as text and work with SQLite's
        date functions. Child tables reference runs through `runs.pk`, a compact integer, so each of the
        millions of metric points stores 1–3 bytes for its run instead of the 32-character id.
        Deleting a run deletes everything that belongs to it (`ON DELETE CASCADE`).

        ### experiments
        | column | type | meaning |
        | --- | --- | --- |
        | id | INTEGER PK | |
        | name | TEXT UNIQUE | experiment name, created on first use |
        | created_at | TEXT | |

        ### runs
        | column | type | meaning |
        | --- | --- | --- |
        | pk | INTEGER PK | internal key used by child tables |
        | id | TEXT UNIQUE | public run id: 32 lowercase hex digits (like MLflow); any unique prefix of ≥ 4 digits also resolves |
        | experiment_id | INTEGER → experiments | |
        | name | TEXT | unique within the experiment |
        | status | TEXT | `running`, `finished`, `failed`, `killed`, or a provider's own word (`succeeded`, `queued`, …); `unknown` when an imported file does not say |
        | created_at, started_at, ended_at | TEXT | |
        | base_model, fine_tuned_model | TEXT | |
        | provider | TEXT | `openai`, `huggingface`, `llama-factory`, … |
        | job_id | TEXT (indexed) | provider job id (`ftjob-…`); a run reference may be a job id, and an import with the same job id attaches to the run |
        | notes | TEXT | |

        Indices: `UNIQUE(experiment_id, name)` (also serves "runs of an experiment"), `runs_by_job_id`, `runs_by_created`.

        ### params — hyperparameters, one value per key
        `run_pk, key, value TEXT, value_type ('int'|'float'|'string'|'bool')`, primary key `(run_pk, key)`.
        Logging a key again replaces its value. Filters compare `int`/`float` params as numbers and the rest as text.

        ### tags — free-form labels
        `run_pk, key, value`, primary key `(run_pk, key)`; setting a key again replaces its value.

        ### metric_keys — interned metric names
        `id INTEGER PK, key TEXT UNIQUE` (`loss`, `eval/loss`, …), so each point stores a small integer.

        ### metric_points — the curves
        | column | type | meaning |
        | --- | --- | --- |
        | run_pk | INTEGER | `runs.pk` |
        | key_id | INTEGER | `metric_keys.id` |
        | step | INTEGER | training step |
        | seq | INTEGER | 0 for the first value logged at (run, key, step); 1, 2, … for later, different values |
        | epoch | REAL NULL | |
        | value | REAL NULL | NULL stores NaN (SQLite has no NaN); ±infinity are kept |
        | wall_time | INTEGER NULL | milliseconds since 1970 |

        A `WITHOUT ROWID` table clustered on `(run_pk, key_id, step, seq)`: the primary key is the only
        index, a history is one range scan, and a point takes about 40–42 bytes on disk (8 KiB pages).
        Unlike the other child tables it has no foreign-key clauses: checking the parent run and key on
        each of millions of inserts costs about a fifth of the logging speed, and the store already
        resolves both in the same transaction. The trigger `runs_delete_metric_points` deletes a run's
        points with the run, as `ON DELETE CASCADE` would.
        Logging the same (run, key, step) again: an identical point (same value, epoch and wall time) is
        ignored, so re-sending a batch is harmless; a different value or time is kept as a new point with
        the next `seq` (MLflow likewise keeps both). Histories list a step's points in `seq` order, and the
        final value of a metric is the one with the highest step, then the highest `seq`.

        ### datasets and run_datasets
        `datasets(id, path, role, sha256, size_bytes, UNIQUE(path, sha256))`: a file or provider file id
        (`file-abc123`), with the role it was first registered with. `run_datasets(run_pk, dataset_id, role)`
        says which runs used it and how (`train`, `valid`, `test`).

        ### evaluations — scores of a run
        | column | type | meaning |
        | --- | --- | --- |
        | id | INTEGER PK | |
        | run_pk | INTEGER → runs | |
        | dataset_id | INTEGER → datasets, NULL | the test set, when known |
        | metric | TEXT | `bleu`, `chrf`, `rougeL`, `accuracy`, … |
        | score | REAL | the headline score |
        | signature | TEXT | sacrebleu-style signature |
        | ci_low, ci_high | REAL NULL | bootstrap confidence interval |
        | statistics | BLOB NULL | corpus sufficient statistics, little-endian float64s (for significance tests without re-scoring) |
        | n_examples | INTEGER NULL | |
        | created_at | TEXT | |
        | details | TEXT NULL | JSON object (precisions, brevity penalty, options…) |

        In filters and listings `metrics.X` is the latest evaluation named X when the run has one,
        else the final value of the history X.

        ### examples — per-example outputs of an evaluation
        `id, evaluation_id → evaluations, example_id (UNIQUE per evaluation), input, reference, prediction,
        scores (JSON object of per-example scores), error, latency_ms`, listed in insertion order.

        ### imports — provenance of imported files
        `id, run_pk → runs, path, format, sha256, size_bytes, imported_at, points` (metric points the
        import added), one row per run a file created or extended (UNIQUE(sha256, run_pk)). Importing a file whose
        SHA-256 is already here changes nothing.
        """
}
