import Foundation

/// The database layout and its versioned migrations.
///
/// Migration `N` (1-based) brings a file from `PRAGMA user_version = N-1` to `N`. Each runs in its own
/// `BEGIN IMMEDIATE` transaction that re-reads `user_version` first, so several processes opening a new
/// file at once migrate it exactly once. Migrations are append-only: a released one never changes.
public enum StoreSchema {
    /// The schema version this build writes (`PRAGMA user_version` after migrating).
    public static var currentVersion: Int { migrations.count }

    /// One schema step: plain SQL, or SQL plus a data conversion that SQL alone cannot express.
    enum Migration: Sendable {
        case sql(String)
        case code(@Sendable (Database) throws -> Void)
    }

    /// Each migration, in order.
    static let migrations: [Migration] = [.sql(version1), .code(StoreMigrationV2.migrate), .sql(StoreMigrationV3.sql), .sql(StoreMigrationV4.sql)]

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
        for (index, migration) in migrations.enumerated() {
            let target = index + 1
            try database.transaction(.immediate) {
                // Another process may have migrated between our read and our write lock.
                let now = try database.userVersion
                if now > currentVersion {
                    throw StoreError.newerSchema(path: database.path, found: now, supported: currentVersion)
                }
                guard now == target - 1 else { return }
                switch migration {
                case let .sql(sql): try database.execute(sql)
                case let .code(convert): try convert(database)
                }
                try database.execute("PRAGMA user_version = \(target)")
            }
        }
    }

    /// The schema described for people: what each table holds and why it is shaped that way.
    /// The README includes this text as `Schema.md`.
    public static let documentation = """
        ## Store schema (version 4)

        One SQLite file (default `experiments/yardstick.db`, 8 KiB pages) in WAL mode (`synchronous=NORMAL`,
        `foreign_keys=ON`, 30 s busy timeout). Every write runs in a `BEGIN IMMEDIATE` transaction, so
        concurrent writers (several `yardstick log metrics` processes) queue for the write lock instead of
        failing with "database is locked", and a killed writer leaves either all of its batch or none.
        `PRAGMA user_version` holds the schema version; opening a file with a newer version is refused,
        and an older file is migrated in place when it is opened (version 1 → 2 keeps every row: each
        `score --run` of version 1 becomes one evaluation, its per-example rows a prediction set; version 3
        adds the response cache, version 4 the shard tables of sharded evaluation).

        On PostgreSQL (`--db postgres://…`) the same tables, keys and cascades are spelled in its dialect
        (`BIGINT`, `DOUBLE PRECISION`, `BYTEA`, identity keys, text `COLLATE "C"` so it sorts byte by byte
        as here), the schema version is the row of `yardstick_schema`, written under an advisory lock, and
        `metric_points` is a heap with its primary-key index; see "Team stores on PostgreSQL".

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

        ### datasets with dataset_aliases and run_datasets
        `datasets(id, path, role, sha256, size_bytes, content_sha256, n_examples)`. A **test set** is
        identified by its content: `content_sha256` is the SHA-256 of its examples' inputs and references
        in order (length-prefixed UTF-8, `\\r\\n` read as `\\n`; never the predictions), so the same set read
        from another file, with other line endings or another JSON key order, is the same dataset
        (`UNIQUE` where not NULL). Its short **label** is the first 8 hex digits (`metrics.bleu@1a2b3c4d`).
        Training files and provider file ids (`file-abc123`) are identified by path and file hash
        (`sha256`, `UNIQUE(path, sha256)`), with the role they were first registered with.
        `dataset_aliases(dataset_id, path, file_sha256, size_bytes, first_seen)` keeps every path a test
        set was read from. `run_datasets(run_pk, dataset_id, role)` says which runs used it and how
        (`train`, `valid`, `test`).

        ### prediction_sets and predictions — a run's outputs on a dataset, stored once
        `prediction_sets(id, run_pk, dataset_id, settings, settings_sha256, created_at)`, one per (run,
        dataset, settings): `settings` is a JSON object saying how the predictions were made (a predictions
        file and its content hash, or provider, model and generation settings). Every evaluation of those
        predictions (BLEU today, ROUGE tomorrow) shares the set.
        `predictions(prediction_set_id, position, example_id, input, reference, prediction, error,
        latency_ms, cached, prompt_tokens, completion_tokens)`, clustered on (set, position) where
        `position` is the 0-based order in the dataset; `example_id` (the dataset's `id` or the line number)
        is unique per set. `reference` is the text, or a JSON array for several references; `error` says why
        an example has no prediction; `cached` = 1 when it came from the response cache.

        ### evaluations — one scoring of one prediction set
        `evaluations(id, run_pk, dataset_id, prediction_set_id, n_examples, created_at)`: one scoring of one
        run's predictions on one dataset. Its numbers hang off it:

        ### evaluation_metrics — the headline numbers
        | column | type | meaning |
        | --- | --- | --- |
        | id | INTEGER PK | |
        | evaluation_id | INTEGER → evaluations | |
        | statistics_id | INTEGER → evaluation_statistics, NULL | the per-segment statistics it is computed from (NULL for evaluations migrated from version 1) |
        | name | TEXT | `bleu`, `chrf`, `chrf++`, `ter`, `rouge1`…`rougeLsum`, `accuracy`, `macro_f1`, `exact_match`, `f1`; unique per evaluation |
        | score | REAL | the headline score (NULL = NaN) |
        | ci_low, ci_high, ci_level | REAL NULL | bootstrap confidence interval and its level (0.95 = 95%) |
        | signature | TEXT | sacrebleu-style signature |
        | totals | BLOB NULL | summed sufficient statistics, little-endian float64s |
        | details | TEXT NULL | JSON object (precisions, brevity penalty, per-class scores…) |

        In filters and listings `metrics.X` is the latest evaluation metric named X when the run has one,
        else the final value of the history X. When some run has X on more than one dataset, a plain
        `metrics.X` is refused with the choices: write `metrics.X@LABEL` or pass `--dataset`, so two
        test sets are never mixed silently.

        ### evaluation_statistics — per-segment sufficient statistics
        `evaluation_statistics(id, evaluation_id, metric, options, signature, width, segments, data)`: for
        each metric family of an evaluation, every example's sufficient statistics (`segments` rows of
        `width` little-endian float64s, row-major, in dataset order) and `options`, a JSON object of the
        settings that rebuild the metric (tokenizer, smoothing, n-gram orders, ROUGE types, class labels).
        Two evaluations of the same dataset with the same signature can then be compared by paired bootstrap
        or approximate randomization without re-scoring, with the same numbers as re-scoring (`runs
        compare`). ROUGE's four types share one row; accuracy and macro-F1 too.

        ### example_scores — per-example scores
        `example_scores(metric_id, position, score)` (`WITHOUT ROWID`, clustered on metric then position):
        the sentence-level score of each example for each metric, referencing the prediction at `position`
        of the evaluation's prediction set (NULL = NaN).

        ### response_cache — model answers of `yardstick eval`
        `response_cache(key, model, parts, output, prompt_tokens, completion_tokens, created_at)`, keyed by
        `key`, the hex SHA-256 of `parts`: a JSON object of the provider, base URL, model, every generation
        setting and the exact request (never an API key or a header), kept so a cache miss can be explained
        (`yardstick cache show KEY`). Only successful answers are cached. The cache belongs to no run:
        deleting a run keeps it; `yardstick cache clear [--older-than 30d]` empties it.

        ### evaluation_shards — who evaluates which part of a prediction set (`eval --workers-claim`)
        | column | type | meaning |
        | --- | --- | --- |
        | prediction_set_id | INTEGER → prediction_sets | the set being filled |
        | shard_count | INTEGER | how many shards the set is split into (`--shards N`) |
        | shard | INTEGER | 0-based shard: SHA-256 of the example id, first 8 bytes big-endian, modulo `shard_count` |
        | status | TEXT | `pending`, `claimed` or `done` |
        | token | TEXT NULL | random, new at each claim; every prediction write of the shard must present it |
        | worker | TEXT NULL | `host:pid` of the claiming worker |
        | lease_until | INTEGER NULL | milliseconds since 1970; a claim whose lease is past may be taken over |
        | claimed_at, done_at | INTEGER NULL | milliseconds since 1970 |

        Primary key `(prediction_set_id, shard_count, shard)`. The first worker creates the `shard_count` rows;
        each claim takes the lowest pending or expired shard in one write transaction. Each prediction write of a
        claimed shard runs in the same transaction as `UPDATE … SET lease_until = now + lease WHERE … AND token = ?
        AND status = 'claimed'`: when no row changes, the shard was taken over and the write is rolled back, so
        a worker that stalled past its lease cannot overwrite the new holder's answers. Times here are integers
        from the caller's clock, not text, so the table is the same on every backend.

        ### evaluation_merges — the evaluation a sharded set ended in
        `evaluation_merges(prediction_set_id, shard_count, evaluation_id → evaluations, merged_at)`, primary key
        `(prediction_set_id, shard_count)`. The worker that finds the set complete records the evaluation and sets
        `evaluation_id` with `UPDATE … WHERE evaluation_id IS NULL` in the same transaction; a worker that
        finishes at the same moment changes no row, rolls its copy back and reports the first one, so a
        sharded set (`--shard I/N` or `--workers-claim`) gets one evaluation.

        ### imports — provenance of imported files
        `id, run_pk → runs, path, format, sha256, size_bytes, imported_at, points` (metric points the
        import added), one row per run a file created or extended (UNIQUE(sha256, run_pk)). Importing a file whose
        SHA-256 is already here changes nothing.
        """
}
