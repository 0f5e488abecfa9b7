import Foundation
import YardstickMetrics

/// Schema version 2: evaluations as first-class records.
///
/// Version 1 kept one `evaluations` row per headline number with the *summed* statistics and per-example rows
/// under the first of them only. Version 2 groups them: an evaluation is one scoring of one prediction set of a
/// run on one dataset; its metrics hang off it, each family's per-segment statistics are kept (so stored runs
/// can be compared by paired tests without re-scoring), predictions are stored once per (run, dataset,
/// settings), and a test set is identified by its content.
enum StoreMigrationV2 {
    static let sql = """
        ALTER TABLE datasets ADD COLUMN content_sha256 TEXT;
        ALTER TABLE datasets ADD COLUMN n_examples INTEGER;
        CREATE UNIQUE INDEX datasets_by_content ON datasets(content_sha256) WHERE content_sha256 IS NOT NULL;
        CREATE TABLE dataset_aliases (
            id          INTEGER PRIMARY KEY,
            dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            path        TEXT NOT NULL,
            file_sha256 TEXT,
            size_bytes  INTEGER,
            first_seen  TEXT NOT NULL
        );
        CREATE UNIQUE INDEX dataset_aliases_unique ON dataset_aliases(dataset_id, path, COALESCE(file_sha256, ''));
        CREATE TABLE prediction_sets (
            id              INTEGER PRIMARY KEY,
            run_pk          INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            dataset_id      INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            settings        TEXT NOT NULL,
            settings_sha256 TEXT NOT NULL,
            created_at      TEXT NOT NULL,
            UNIQUE (run_pk, dataset_id, settings_sha256)
        );
        CREATE TABLE predictions (
            prediction_set_id INTEGER NOT NULL REFERENCES prediction_sets(id) ON DELETE CASCADE,
            position          INTEGER NOT NULL,
            example_id        TEXT NOT NULL,
            input             TEXT,
            reference         TEXT,
            prediction        TEXT,
            error             TEXT,
            latency_ms        REAL,
            cached            INTEGER NOT NULL DEFAULT 0,
            prompt_tokens     INTEGER,
            completion_tokens INTEGER,
            PRIMARY KEY (prediction_set_id, position)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX predictions_by_example ON predictions(prediction_set_id, example_id);
        CREATE TABLE evaluations_v2 (
            id                INTEGER PRIMARY KEY,
            run_pk            INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
            dataset_id        INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            prediction_set_id INTEGER REFERENCES prediction_sets(id) ON DELETE SET NULL,
            n_examples        INTEGER,
            created_at        TEXT NOT NULL
        );
        CREATE TABLE evaluation_statistics (
            id            INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluations_v2(id) ON DELETE CASCADE,
            metric        TEXT NOT NULL,
            options       TEXT NOT NULL,
            signature     TEXT NOT NULL,
            width         INTEGER NOT NULL,
            segments      INTEGER NOT NULL,
            data          BLOB NOT NULL
        );
        CREATE INDEX evaluation_statistics_by_evaluation ON evaluation_statistics(evaluation_id);
        CREATE TABLE evaluation_metrics (
            id            INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluations_v2(id) ON DELETE CASCADE,
            statistics_id INTEGER REFERENCES evaluation_statistics(id) ON DELETE SET NULL,
            name          TEXT NOT NULL,
            score         REAL,
            ci_low        REAL,
            ci_high       REAL,
            ci_level      REAL,
            signature     TEXT,
            totals        BLOB,
            details       TEXT,
            UNIQUE (evaluation_id, name)
        );
        CREATE INDEX evaluation_metrics_by_name ON evaluation_metrics(name);
        CREATE TABLE example_scores (
            metric_id INTEGER NOT NULL REFERENCES evaluation_metrics(id) ON DELETE CASCADE,
            position  INTEGER NOT NULL,
            score     REAL,
            PRIMARY KEY (metric_id, position)
        ) WITHOUT ROWID;
        """

    static func migrate(_ db: Database) throws {
        try db.execute(sql)
        try convertVersion1Evaluations(db)
        try db.execute("""
            DROP TABLE examples;
            DROP TABLE evaluations;
            ALTER TABLE evaluations_v2 RENAME TO evaluations;
            CREATE INDEX evaluations_by_run ON evaluations(run_pk);
            CREATE INDEX evaluations_by_dataset ON evaluations(dataset_id);
            CREATE INDEX prediction_sets_by_dataset ON prediction_sets(dataset_id);
            """)
    }

    /// Version 1 wrote one row per headline number of one `score --run`; consecutive rows of the same run,
    /// dataset, signature and details are one scoring and become one evaluation. Their per-example rows (kept
    /// under the first row) become a prediction set with per-metric example scores. Summed statistics are kept
    /// as `totals`; v1 never stored per-segment statistics, so these evaluations cannot be paired-tested.
    static func convertVersion1Evaluations(_ db: Database) throws {
        let rows = try db.query("""
            SELECT id, run_pk, dataset_id, metric, score, signature, ci_low, ci_high, statistics, n_examples,
                   created_at, details FROM evaluations ORDER BY id
            """)
        var groups: [[[SQLValue]]] = []
        for row in rows {
            if let last = groups.last?.last, last[1] == row[1], last[2] == row[2], last[5] == row[5], last[11] == row[11],
               last[0].int64.map({ $0 + 1 }) == row[0].int64 {
                groups[groups.count - 1].append(row)
            } else {
                groups.append([row])
            }
        }
        for group in groups {
            let first = group[0]
            var predictionSet: SQLValue = .null
            let examples = try db.query("""
                SELECT example_id, input, reference, prediction, scores, error, latency_ms FROM examples
                WHERE evaluation_id IN (\(group.map { String($0[0].int64 ?? 0) }.joined(separator: ","))) ORDER BY id
                """)
            if !examples.isEmpty {
                let settings = JSONValue.object([("source", .string("schema-v1")), ("evaluation", .int(Int(first[0].int64 ?? 0)))]).serialized()
                try db.execute("""
                    INSERT INTO prediction_sets(run_pk, dataset_id, settings, settings_sha256, created_at) VALUES (?, ?, ?, ?, ?)
                    """, [first[1], first[2], .text(settings), .text(SHA256.hex(Data(settings.utf8))), first[10]])
                predictionSet = .integer(db.lastInsertRowID)
                for (position, e) in examples.enumerated() {
                    try db.execute("""
                        INSERT INTO predictions(prediction_set_id, position, example_id, input, reference, prediction, error, latency_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, [predictionSet, .integer(Int64(position)), e[0], e[1], e[2], e[3], e[5], e[6]])
                }
            }
            try db.execute("""
                INSERT INTO evaluations_v2(run_pk, dataset_id, prediction_set_id, n_examples, created_at) VALUES (?, ?, ?, ?, ?)
                """, [first[1], first[2], predictionSet, first[9], first[10]])
            let evaluation = db.lastInsertRowID
            for row in group {
                try db.execute("""
                    INSERT INTO evaluation_metrics(evaluation_id, name, score, ci_low, ci_high, ci_level, signature, totals, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.integer(evaluation), row[3], row[4], row[6], row[7],
                          // v1 always computed 95% intervals.
                          row[6].isNull ? .null : .real(0.95), row[5], row[8], row[11]])
                let metric = db.lastInsertRowID
                guard case let .text(name) = row[3] else { continue }
                for (position, e) in examples.enumerated() {
                    guard case let .text(scores) = e[4], let value = numberObject(scores)[name] else { continue }
                    let score: SQLValue = value.map { .real($0) } ?? .null
                    try db.execute("INSERT INTO example_scores(metric_id, position, score) VALUES (?, ?, ?)",
                                   [.integer(metric), .integer(Int64(position)), score])
                }
            }
        }
    }

    /// Reads a v1 per-example score object (`{"bleu":12.5,"chrf":null}`, as the store wrote it) exactly: numbers
    /// go through `Double(String)`, which rounds correctly, instead of a JSON reader that may be off by an ulp.
    static func numberObject(_ text: String) -> [String: Double?] {
        var result: [String: Double?] = [:]
        let scalars = Array(text.utf8)
        var i = 0
        func skipSpace() { while i < scalars.count, scalars[i] == 0x20 || scalars[i] == 0x0A || scalars[i] == 0x09 { i += 1 } }
        skipSpace()
        guard i < scalars.count, scalars[i] == UInt8(ascii: "{") else { return [:] }
        i += 1
        while true {
            skipSpace()
            guard i < scalars.count, scalars[i] == UInt8(ascii: "\"") else { return result }
            let start = i
            i += 1
            while i < scalars.count, scalars[i] != UInt8(ascii: "\"") { i += scalars[i] == UInt8(ascii: "\\") ? 2 : 1 }
            i += 1
            guard i <= scalars.count,
                  let key = try? JSONSerialization.jsonObject(with: Data(scalars[start..<i]), options: .fragmentsAllowed) as? String
            else { return result }
            skipSpace()
            guard i < scalars.count, scalars[i] == UInt8(ascii: ":") else { return result }
            i += 1
            skipSpace()
            let valueStart = i
            while i < scalars.count, scalars[i] != UInt8(ascii: ","), scalars[i] != UInt8(ascii: "}") { i += 1 }
            let valueText = String(decoding: scalars[valueStart..<i], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            result[key] = Double(valueText)
            guard i < scalars.count, scalars[i] == UInt8(ascii: ",") else { return result }
            i += 1
        }
    }
}
