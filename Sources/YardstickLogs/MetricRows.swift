import Foundation

/// Where a parse hands its points in batches of `size` as it goes (CSV files), so a consumer can store the first
/// points while the rest are still being read; the parse returns what is left after the last full batch.
public struct MetricBatchSink {
    public let size: Int
    public let deliver: ([MetricPoint]) throws -> Void

    public init(size: Int, deliver: @escaping ([MetricPoint]) throws -> Void) {
        self.size = max(1, size)
        self.deliver = deliver
    }
}

/// Metric rows from CSV (wide: one column per metric; long: `step,key,value`) and JSON Lines (wide or long
/// objects). Shared by the generic importer, the OpenAI results importer and `yardstick log metrics`.
enum MetricRows {
    /// CSV or JSON Lines, told apart by the first significant byte. `keyFor` maps each metric name: the generic
    /// importer maps common spellings to canonical keys, `yardstick log metrics` keeps the user's names.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                      keyFor: @escaping (String) -> String, batch: MetricBatchSink? = nil) throws -> [MetricPoint] {
        guard let first = firstSignificantByte(bytes) else { throw LogError(file: file, message: "empty file") }
        if first == UInt8(ascii: "{") { return try parseJSONLines(bytes, file: file, keyFor: keyFor) }
        return try parseCSV(bytes, file: file, keyFor: keyFor, allowLongForm: true, batch: batch)
    }

    private enum Column {
        case step, epoch, wallTime, key, value
        case metric(String)
        case ignored
    }

    /// Parses a CSV with a header row. `keyFor` names the metric of a wide column; `allowLongForm` accepts
    /// `step,key,value[,epoch][,wall_time]` when the header has `key` and `value` columns.
    static func parseCSV(
        _ bytes: UnsafeBufferPointer<UInt8>, file: String, keyFor: @escaping (String) -> String, allowLongForm: Bool,
        batch: MetricBatchSink? = nil
    ) throws -> [MetricPoint] {
        var scanner = CSVScanner(bytes: bytes, file: file)
        var fields: [CSVField] = []
        var headerLine = 0
        while let line = try scanner.nextRow(into: &fields) {
            if !scanner.isBlank(fields) { headerLine = line; break }
        }
        guard headerLine > 0 else { throw LogError(file: file, message: "empty file") }
        let names = fields.map { scanner.text($0).trimmingCharacters(in: .whitespaces) }
        let lowered = names.map(asciiLowercased)
        let longForm = allowLongForm && lowered.contains("key") && lowered.contains("value")

        var columns: [Column] = []
        var seenStep = false, seenEpoch = false, seenWall = false, seenKey = false, seenValue = false
        for (i, name) in lowered.enumerated() {
            if CoordinateName.step.contains(name) && !seenStep {
                seenStep = true
                columns.append(.step)
            } else if CoordinateName.epoch.contains(name) && !seenEpoch {
                seenEpoch = true
                columns.append(.epoch)
            } else if CoordinateName.wallTime.contains(name) && !seenWall {
                seenWall = true
                columns.append(.wallTime)
            } else if longForm && name == "key" && !seenKey {
                seenKey = true
                columns.append(.key)
            } else if longForm && name == "value" && !seenValue {
                seenValue = true
                columns.append(.value)
            } else if longForm {
                throw LogError(
                    file: file, line: headerLine,
                    message: "unexpected column '\(names[i])' in long-form metric rows (expected step,key,value[,epoch][,wall_time])")
            } else if names[i].isEmpty {
                columns.append(.ignored)
            } else {
                columns.append(.metric(keyFor(names[i])))
            }
        }
        guard seenStep else {
            throw LogError(
                file: file, line: headerLine,
                message: "no step column (expected one of step, global_step, iteration, iter)")
        }

        var reader = RowReader(scanner: scanner, names: names, columns: columns, keyFor: keyFor, batch: batch)
        return longForm ? try reader.readLong() : try reader.readWide()
    }

    /// Walks the data rows of a CSV whose header has been read.
    private struct RowReader {
        var scanner: CSVScanner
        let names: [String]
        let columns: [Column]
        let keyFor: (String) -> String
        var fields: [CSVField] = []
        var points: [MetricPoint] = []
        let batch: MetricBatchSink?

        init(scanner: CSVScanner, names: [String], columns: [Column], keyFor: @escaping (String) -> String,
             batch: MetricBatchSink?) {
            self.scanner = scanner
            self.names = names
            self.columns = columns
            self.keyFor = keyFor
            self.batch = batch
            points.reserveCapacity(batch.map { $0.size } ?? scanner.bytes.count / 24)
        }

        /// Hands a full batch to the sink, if there is one.
        private mutating func flushIfFull() throws {
            guard let batch, points.count >= batch.size else { return }
            try batch.deliver(points)
            points.removeAll(keepingCapacity: true)
        }

        private var file: String { scanner.file }

        private func cell(_ i: Int) -> UnsafeBufferPointer<UInt8> {
            NumberParsing.trimmed(scanner.slice(fields[i]))
        }

        private func numberError(_ i: Int, line: Int, expected: String = "a number") -> LogError {
            let text = scanner.text(fields[i]).trimmingCharacters(in: .whitespaces)
            return LogError(file: file, line: line, message: "column '\(names[i])': '\(text)' is not \(expected)")
        }

        /// Checks the row width and returns the row's step.
        private func stepOfRow(line: Int, stepIndex: Int) throws -> Int64 {
            if fields.count > columns.count {
                for i in columns.count..<fields.count where !cell(i).isEmpty {
                    throw LogError(
                        file: file, line: line,
                        message: "row has \(fields.count) fields but the header has \(columns.count)")
                }
            }
            guard stepIndex < fields.count, !cell(stepIndex).isEmpty else {
                throw LogError(file: file, line: line, message: "column '\(names[stepIndex])': missing step")
            }
            guard let step = NumberParsing.step(cell(stepIndex)) else {
                throw numberError(stepIndex, line: line, expected: "an integer step")
            }
            return step
        }

        /// An optional numeric coordinate (epoch, wall time); missing text is nil, and so is NaN or infinity text,
        /// which places nothing (unlike a metric value, where it is a measurement).
        private func optionalNumber(_ index: Int?, line: Int) throws -> Double? {
            guard let index, index < fields.count else { return nil }
            let c = cell(index)
            if NumberParsing.isMissingText(c) || NumberParsing.nonFinite(c) != nil { return nil }
            guard let v = NumberParsing.double(c) else { throw numberError(index, line: line) }
            return v
        }

        mutating func readWide() throws -> [MetricPoint] {
            let stepIndex = columns.firstIndex { if case .step = $0 { true } else { false } }!
            let epochIndex = columns.firstIndex { if case .epoch = $0 { true } else { false } }
            let wallIndex = columns.firstIndex { if case .wallTime = $0 { true } else { false } }
            let metricColumns: [(index: Int, key: String)] = columns.enumerated().compactMap {
                if case let .metric(key) = $0.element { return ($0.offset, key) } else { return nil }
            }
            while let line = try scanner.nextRow(into: &fields) {
                if scanner.isBlank(fields) { continue }
                let step = try stepOfRow(line: line, stepIndex: stepIndex)
                let epoch = try optionalNumber(epochIndex, line: line)
                let wall = try optionalNumber(wallIndex, line: line)
                for (i, key) in metricColumns where i < fields.count {
                    let c = cell(i)
                    if NumberParsing.isMissingText(c) { continue }
                    guard let v = NumberParsing.double(c) else { throw numberError(i, line: line) }
                    points.append(MetricPoint(key: key, step: step, epoch: epoch, value: v, wallTime: wall))
                }
                try flushIfFull()
            }
            return points
        }

        mutating func readLong() throws -> [MetricPoint] {
            let stepIndex = columns.firstIndex { if case .step = $0 { true } else { false } }!
            let keyIndex = columns.firstIndex { if case .key = $0 { true } else { false } }!
            let valueIndex = columns.firstIndex { if case .value = $0 { true } else { false } }!
            let epochIndex = columns.firstIndex { if case .epoch = $0 { true } else { false } }
            let wallIndex = columns.firstIndex { if case .wallTime = $0 { true } else { false } }
            var keys = KeyInterner(keyFor: keyFor)
            while let line = try scanner.nextRow(into: &fields) {
                if scanner.isBlank(fields) { continue }
                let step = try stepOfRow(line: line, stepIndex: stepIndex)
                guard keyIndex < fields.count, !cell(keyIndex).isEmpty else {
                    throw LogError(file: file, line: line, message: "column '\(names[keyIndex])': missing key")
                }
                guard valueIndex < fields.count else { continue }
                let c = cell(valueIndex)
                if NumberParsing.isMissingText(c) { continue }
                guard let v = NumberParsing.double(c) else { throw numberError(valueIndex, line: line) }
                let key: String
                if fields[keyIndex].hasEscapedQuotes {
                    key = keyFor(scanner.text(fields[keyIndex]).trimmingCharacters(in: .whitespaces))
                } else {
                    key = keys.key(for: cell(keyIndex))
                }
                let epoch = try optionalNumber(epochIndex, line: line)
                let wall = try optionalNumber(wallIndex, line: line)
                points.append(MetricPoint(key: key, step: step, epoch: epoch, value: v, wallTime: wall))
                try flushIfFull()
            }
            return points
        }
    }

    /// Maps raw key bytes to canonical key strings without building a `String` per row: long-form files repeat a
    /// handful of keys millions of times.
    private struct KeyInterner {
        let keyFor: (String) -> String
        private var recent: [(bytes: [UInt8], key: String)] = []
        private var overflow: [String: String] = [:]

        init(keyFor: @escaping (String) -> String) { self.keyFor = keyFor }

        mutating func key(for raw: UnsafeBufferPointer<UInt8>) -> String {
            for entry in recent where entry.bytes.count == raw.count {
                if entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
                    return entry.key
                }
            }
            let text = String(decoding: raw, as: UTF8.self)
            if recent.count < 64 {
                let key = keyFor(text)
                recent.append((Array(raw), key))
                return key
            }
            if let key = overflow[text] { return key }
            let key = keyFor(text)
            overflow[text] = key
            return key
        }
    }

    /// JSON Lines: long objects `{"step", "key", "value", "epoch"?, "wall_time"?}` or wide objects
    /// `{"step": 10, "train_loss": 0.5, …}`. A JSON `null` (or a `"null"`/`"NA"`/`"N/A"`/empty string) is a missing
    /// value; `NaN`/`Infinity` literals and NaN/infinity strings (`"nan"`, `"-inf"`, …) are kept as values.
    static func parseJSONLines(_ bytes: UnsafeBufferPointer<UInt8>, file: String,
                               keyFor: (String) -> String) throws -> [MetricPoint] {
        var points: [MetricPoint] = []
        for line in nonBlankLines(bytes) {
            let object = try jsonLineObject(bytes, line, file: file)
            var step: Int64?
            var stepName: String?
            var epoch: Double?
            var wall: Double?
            var key: String?
            var value: LogJSON?
            var metrics: [(String, LogJSON)] = []
            for (name, v) in object.entries {
                let lower = asciiLowercased(name)
                if stepName == nil, CoordinateName.step.contains(lower) {
                    stepName = name
                    guard let s = v.int64 else {
                        throw LogError(file: file, line: line.number, message: "field '\(name)': expected an integer step")
                    }
                    step = s
                } else if CoordinateName.epoch.contains(lower) || CoordinateName.wallTime.contains(lower) {
                    if v.isMissing { continue }
                    guard let d = v.double else {
                        throw LogError(file: file, line: line.number, message: "field '\(name)': expected a number")
                    }
                    if CoordinateName.epoch.contains(lower) { epoch = d } else { wall = d }
                } else if lower == "key" {
                    key = v.string
                    guard let k = key, !k.isEmpty else {
                        throw LogError(file: file, line: line.number, message: "field '\(name)': expected a non-empty string")
                    }
                } else if lower == "value" {
                    value = v
                } else {
                    metrics.append((name, v))
                }
            }
            guard let step else {
                throw LogError(
                    file: file, line: line.number,
                    message: "no step field (expected one of step, global_step, iteration, iter)")
            }
            if let key {
                if let extra = metrics.first {
                    throw LogError(
                        file: file, line: line.number,
                        message: "unexpected field '\(extra.0)' in a long-form metric row (expected step, key, value, epoch, wall_time)")
                }
                guard let value else {
                    throw LogError(file: file, line: line.number, message: "long-form metric row without 'value'")
                }
                if value.isMissing { continue }
                guard let d = value.measurement else {
                    throw LogError(file: file, line: line.number, message: "field 'value': expected a number")
                }
                points.append(MetricPoint(key: keyFor(key), step: step, epoch: epoch, value: d, wallTime: wall))
            } else {
                if let value { metrics.append(("value", value)) }
                for (name, v) in metrics {
                    if v.isMissing { continue }
                    guard let d = v.measurement else {
                        throw LogError(file: file, line: line.number, message: "field '\(name)': expected a number")
                    }
                    points.append(MetricPoint(key: keyFor(name), step: step, epoch: epoch, value: d, wallTime: wall))
                }
            }
        }
        return points
    }
}

/// Parses one JSON Lines line as an object, reporting syntax errors at that line.
func jsonLineObject(_ bytes: UnsafeBufferPointer<UInt8>, _ line: TextLine, file: String) throws -> JSONObject {
    let slice = UnsafeBufferPointer(rebasing: bytes[line.start..<line.end])
    let value: LogJSON
    do {
        value = try JSONParser.parse(slice, baseOffset: line.start)
    } catch {
        throw LogError(
            file: file, line: line.number,
            message: "malformed JSON at column \(error.offset - line.lineStart + 1): \(error.message)")
    }
    guard let object = value.object else {
        throw LogError(file: file, line: line.number, message: "expected a JSON object on each line")
    }
    return object
}
