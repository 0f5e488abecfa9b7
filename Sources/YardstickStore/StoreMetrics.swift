import Foundation

extension Store {
    /// Appends metric points to a run's histories in one `BEGIN IMMEDIATE` transaction and returns how
    /// many rows were stored.
    ///
    /// A point identical to one already stored at the same (key, step) — same value, epoch and wall time
    /// to the millisecond — is skipped, so re-sending a batch is harmless; a different value or time at
    /// the same step is kept as an extra point (see ``StoreSchema/documentation``). Wall times are kept
    /// to the millisecond, NaN values are stored as NULL and read back as NaN.
    @discardableResult
    public func logMetrics(run id: String, _ points: [MetricPoint]) throws -> Int {
        try write { try insertPoints(runKey(id), points) }
    }

    /// ``logMetrics(run:_:)`` for points that arrive in batches — a file still being parsed while the first
    /// points are stored — all in one transaction: `next` returns each batch in logging order, then nil. The result
    /// is the same as logging the concatenated batches at once. A batch already written is kept in memory so a
    /// transaction PostgreSQL runs again (deadlock) writes it again. Returns the points given and the rows stored.
    @discardableResult
    public func logMetrics(run id: String, batches next: () throws -> [MetricPoint]?) throws -> (points: Int, stored: Int) {
        var taken: [[MetricPoint]] = []
        var exhausted = false
        return try write {
            let pk = try runKey(id)
            var stored = 0
            for batch in taken { stored += try insertPoints(pk, batch) }
            while !exhausted {
                guard let batch = try next() else {
                    exhausted = true
                    break
                }
                taken.append(batch)
                stored += try insertPoints(pk, batch)
            }
            return (taken.reduce(0) { $0 + $1.count }, stored)
        }
    }

    /// The interned id of a metric key, created when new. Must run inside a write transaction.
    func keyID(_ key: String) throws -> Int64 {
        if let cached = keyIDs[key] { return cached }
        guard !key.isEmpty else { throw StoreError.invalidArgument("metric key must not be empty") }
        let find = try statement("SELECT id FROM metric_keys WHERE key = ?")
        defer { find.reset() }
        try find.bind(key, at: 1)
        let id: Int64
        if try find.step() {
            id = find.int64(0)
        } else {
            let insert = try statement("INSERT INTO metric_keys(key) VALUES (?)")
            defer { insert.reset() }
            try insert.bind(key, at: 1)
            try insert.step()
            id = database.lastInsertRowID
        }
        keyIDs[key] = id
        return id
    }

    /// The id of an existing metric key, without creating it (always read from the file: outside a
    /// write the cache may hold ids a caller's rollback took back).
    func existingKeyID(_ key: String) throws -> Int64? {
        let find = try statement("SELECT id FROM metric_keys WHERE key = ?")
        defer { find.reset() }
        try find.bind(key, at: 1)
        return try find.step() ? find.int64(0) : nil
    }

    static func milliseconds(_ wallTime: Double?) -> Int64? {
        guard let wallTime, wallTime.isFinite, abs(wallTime) < 9e15 else { return nil }
        return Int64((wallTime * 1000).rounded())
    }

    /// Inserts points for the run with internal key `pk`; the caller holds the write transaction.
    ///
    /// Points are written grouped by key id and in step order (logging order within a step), so each
    /// key's rows are appended to one place in the B-tree instead of being scattered among the keys a
    /// trainer interleaves; this is what keeps bulk logging above a million points per second.
    func insertPoints(_ pk: Int64, _ points: [MetricPoint]) throws -> Int {
        guard !points.isEmpty else { return 0 }
        if database.dialect == .postgres { return try insertPointsPostgres(pk, points) }
        var inserted = 0
        for group in try insertionOrder(points) { inserted += try insertRowByRow(pk, group, points) }
        return inserted
    }

    /// PostgreSQL: locks are taken in one order (the run's row, then new metric keys by name), so concurrent
    /// writers queue or proceed but never deadlock; a key whose batch only appends past its last stored step
    /// (the common case: a trainer logging as it goes) is written through one binary `COPY`, with identical
    /// re-sent points skipped and different values at one step numbered in Swift exactly as the row-by-row path
    /// numbers them. Other keys take the row-by-row path.
    private func insertPointsPostgres(_ pk: Int64, _ points: [MetricPoint]) throws -> Int {
        let lock = try statement("SELECT pk FROM runs WHERE pk = ? FOR NO KEY UPDATE")
        defer { lock.reset() }
        try lock.bind(pk, at: 1)
        guard try lock.step() else { throw StoreError.runNotFound(reference: "#\(pk)", experiment: nil) }
        lock.reset()
        for key in Set(points.map(\.key)).sorted() { _ = try keyID(key) }
        let order = try insertionOrder(points)
        let lastStep = try statement("SELECT max(step) FROM metric_points WHERE run_pk = ? AND key_id = ?")
        defer { lastStep.reset() }
        try lastStep.bind(pk, at: 1)
        var appended: [(keyID: Int64, indices: [Int])] = []
        var inserted = 0
        for group in order {
            lastStep.reset()
            try lastStep.bind(group.keyID, at: 2)
            let stored = try lastStep.step() ? lastStep.optionalInt64(0) : nil
            if let stored, let first = group.indices.first, points[first].step <= stored {
                inserted += try insertRowByRow(pk, group, points)
            } else {
                appended.append(group)
            }
        }
        guard !appended.isEmpty else { return inserted }
        try database.postgresConnection().copyIn(
            "COPY metric_points(run_pk, key_id, step, seq, epoch, value, wall_time) FROM STDIN (FORMAT binary)"
        ) { buffer in
            for group in appended {
                var step = Int64.min
                var kept: [(epoch: Double?, value: Double?, wallTime: Int64?)] = []
                for index in group.indices {
                    let point = points[index]
                    let epoch = point.epoch.flatMap { $0.isNaN ? nil : $0 }
                    let value: Double? = point.value.isNaN ? nil : point.value
                    let wallTime = Store.milliseconds(point.wallTime)
                    if point.step != step {
                        step = point.step
                        kept.removeAll(keepingCapacity: true)
                    } else if kept.contains(where: { $0.epoch == epoch && $0.value == value && $0.wallTime == wallTime }) {
                        continue
                    }
                    buffer.tuple(fields: 7)
                    buffer.int64(pk)
                    buffer.int64(group.keyID)
                    buffer.int64(step)
                    buffer.int64(Int64(kept.count))
                    buffer.double(epoch)
                    buffer.double(value)
                    buffer.int64(wallTime)
                    kept.append((epoch, value, wallTime))
                    inserted += 1
                }
            }
            return false
        }
        return inserted
    }

    /// Inserts one key's points one by one: a step already stored is compared with its stored points.
    private func insertRowByRow(_ pk: Int64, _ group: (keyID: Int64, indices: [Int]), _ points: [MetricPoint]) throws -> Int {
        let insert = try statement("""
            INSERT INTO metric_points(run_pk, key_id, step, seq, epoch, value, wall_time)
            VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6) ON CONFLICT DO NOTHING
            """)
        defer { insert.reset() }
        try insert.bind(pk, at: 1)
        try insert.bind(group.keyID, at: 2)
        var inserted = 0
        for index in group.indices {
            let point = points[index]
            let wallTime = Store.milliseconds(point.wallTime)
            try insert.bind(point.step, at: 3)
            try insert.bind(point.epoch, at: 4)
            try insert.bind(point.value, at: 5)
            try insert.bind(wallTime, at: 6)
            try insert.step()
            insert.reset()
            if try database.changes > 0 || insertRelogged(pk, group.keyID, point, wallTime) { inserted += 1 }
        }
        return inserted
    }

    /// The points' indices grouped by interned key id (ascending), each group in step order with ties
    /// kept in logging order.
    private func insertionOrder(_ points: [MetricPoint]) throws -> [(keyID: Int64, indices: [Int])] {
        var groupOfKey: [String: Int] = [:]
        var groups: [(key: String, indices: [Int])] = []
        var lastKey: String?
        var lastGroup = 0
        for (index, point) in points.enumerated() {
            if point.key != lastKey {
                if let existing = groupOfKey[point.key] {
                    lastGroup = existing
                } else {
                    lastGroup = groups.count
                    groupOfKey[point.key] = lastGroup
                    groups.append((point.key, []))
                }
                lastKey = point.key
            }
            groups[lastGroup].indices.append(index)
        }
        var result: [(keyID: Int64, indices: [Int])] = []
        result.reserveCapacity(groups.count)
        for group in groups {
            var indices = group.indices
            var ascending = true
            for i in indices.indices.dropFirst() where points[indices[i]].step < points[indices[i - 1]].step {
                ascending = false
                break
            }
            if !ascending {
                indices.sort { a, b in
                    let (sa, sb) = (points[a].step, points[b].step)
                    return sa != sb ? sa < sb : a < b
                }
            }
            result.append((try keyID(group.key), indices))
        }
        return result.sorted { $0.keyID < $1.keyID }
    }

    /// Handles a point whose (run, key, step) already has a row: skipped when an identical point is
    /// stored, else stored with the next `seq`. Returns true when a row was added.
    private func insertRelogged(_ pk: Int64, _ keyID: Int64, _ point: MetricPoint, _ wallTime: Int64?) throws -> Bool {
        let existing = try statement("SELECT seq, epoch, value, wall_time FROM metric_points WHERE run_pk = ? AND key_id = ? AND step = ?")
        defer { existing.reset() }
        try existing.bind(pk, at: 1)
        try existing.bind(keyID, at: 2)
        try existing.bind(point.step, at: 3)
        var maxSeq: Int64 = 0
        while try existing.step() {
            maxSeq = max(maxSeq, existing.int64(0))
            let sameEpoch = existing.optionalDouble(1) == point.epoch.flatMap { $0.isNaN ? nil : $0 }
            let storedValue = existing.optionalDouble(2)
            let sameValue = storedValue.map { $0 == point.value } ?? point.value.isNaN
            if sameEpoch && sameValue && existing.optionalInt64(3) == wallTime { return false }
        }
        existing.reset()
        let insert = try statement("INSERT INTO metric_points(run_pk, key_id, step, seq, epoch, value, wall_time) VALUES (?, ?, ?, ?, ?, ?, ?)")
        defer { insert.reset() }
        try insert.bind(pk, at: 1)
        try insert.bind(keyID, at: 2)
        try insert.bind(point.step, at: 3)
        try insert.bind(maxSeq + 1, at: 4)
        try insert.bind(point.epoch, at: 5)
        try insert.bind(point.value, at: 6)
        try insert.bind(wallTime, at: 7)
        try insert.step()
        return true
    }

    /// The metric keys a run has points for, with their ids, sorted by key.
    func metricKeys(pk: Int64) throws -> [(key: String, id: Int64)] {
        // Walk the distinct key ids with index seeks instead of scanning every point of the run.
        let next = try statement("SELECT key_id FROM metric_points WHERE run_pk = ? AND key_id > ? ORDER BY key_id LIMIT 1")
        defer { next.reset() }
        let name = try statement("SELECT key FROM metric_keys WHERE id = ?")
        defer { name.reset() }
        try next.bind(pk, at: 1)
        var last: Int64 = .min
        var result: [(String, Int64)] = []
        while true {
            next.reset()
            try next.bind(last, at: 2)
            guard try next.step() else { break }
            last = next.int64(0)
            name.reset()
            try name.bind(last, at: 1)
            if try name.step() { result.append((name.string(0) ?? "", last)) }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// The metric keys a run has points for, sorted.
    public func metricKeys(run id: String) throws -> [String] { try metricKeys(pk: runKey(id)).map(\.key) }

    /// A run's metric histories, ordered by key, then step (then logging order within a step).
    /// - Parameter keys: the keys to read; nil reads every key. Unknown keys give no points.
    public func history(run id: String, keys: [String]? = nil) throws -> [MetricPoint] {
        let pk = try runKey(id)
        var selected: [(key: String, id: Int64)]
        if let keys {
            selected = []
            for key in Set(keys).sorted() {
                if let keyID = try existingKeyID(key) { selected.append((key, keyID)) }
            }
        } else {
            selected = try metricKeys(pk: pk)
        }
        if database.dialect == .postgres {
            // Streamed through binary COPY: the client decodes while the server scans (keys are integers of ours).
            var points: [MetricPoint] = []
            let connection = try database.postgresConnection()
            for (key, keyID) in selected {
                try connection.copyOut("""
                    COPY (SELECT step, epoch, value, wall_time FROM metric_points WHERE run_pk = \(pk) AND key_id = \(keyID)
                    ORDER BY step, seq) TO STDOUT (FORMAT binary)
                    """) { row in
                    let f = row.eightByteFields()
                    guard f.count == 4, let step = f[0] else { throw DatabaseError(code: -1, message: "unexpected COPY row") }
                    points.append(MetricPoint(
                        key: key, step: Int64(bitPattern: step), epoch: f[1].map(Double.init(bitPattern:)),
                        value: f[2].map(Double.init(bitPattern:)) ?? .nan, wallTime: f[3].map { Double(Int64(bitPattern: $0)) / 1000 }))
                }
            }
            return points
        }
        let query = try statement("SELECT step, epoch, value, wall_time FROM metric_points WHERE run_pk = ? AND key_id = ? ORDER BY step, seq")
        defer { query.reset() }
        try query.bind(pk, at: 1)
        var points: [MetricPoint] = []
        for (key, keyID) in selected {
            query.reset()
            try query.bind(keyID, at: 2)
            while try query.step() {
                let wallTime = query.optionalInt64(3).map { Double($0) / 1000 }
                let value = query.isNull(2) ? Double.nan : query.double(2)
                points.append(MetricPoint(key: key, step: query.int64(0), epoch: query.optionalDouble(1), value: value, wallTime: wallTime))
            }
        }
        return points
    }

    /// The final value of each of a run's metric histories: the point with the highest step (the latest
    /// logged one when a step was logged more than once).
    public func finalMetrics(run id: String) throws -> [String: Double] { try finalMetrics(pk: runKey(id)) }

    func finalMetrics(pk: Int64) throws -> [String: Double] {
        let last = try statement("SELECT value FROM metric_points WHERE run_pk = ? AND key_id = ? ORDER BY step DESC, seq DESC LIMIT 1")
        defer { last.reset() }
        try last.bind(pk, at: 1)
        var result: [String: Double] = [:]
        for (key, keyID) in try metricKeys(pk: pk) {
            last.reset()
            try last.bind(keyID, at: 2)
            if try last.step() { result[key] = last.isNull(0) ? .nan : last.double(0) }
        }
        return result
    }

    /// Per-key overview of a run's histories (point counts, step range, last/min/max value), sorted by key.
    public func metricSummaries(run id: String) throws -> [MetricSeriesSummary] {
        let pk = try runKey(id)
        let finals = try finalMetrics(pk: pk)
        let stats = try statement("""
            SELECT count(*), min(step), max(step), min(value), max(value)
            FROM metric_points WHERE run_pk = ? AND key_id = ?
            """)
        defer { stats.reset() }
        try stats.bind(pk, at: 1)
        var result: [MetricSeriesSummary] = []
        for (key, keyID) in try metricKeys(pk: pk) {
            stats.reset()
            try stats.bind(keyID, at: 2)
            guard try stats.step() else { continue }
            result.append(MetricSeriesSummary(
                key: key, points: Int(stats.int64(0)), firstStep: stats.int64(1), lastStep: stats.int64(2),
                lastValue: finals[key] ?? .nan, minValue: stats.optionalDouble(3), maxValue: stats.optionalDouble(4)))
        }
        return result
    }

    /// Number of metric points stored for a run (all keys).
    public func pointCount(run id: String) throws -> Int {
        Int(try database.scalar("SELECT count(*) FROM metric_points WHERE run_pk = ?", [.integer(runKey(id))]).int64 ?? 0)
    }
}
