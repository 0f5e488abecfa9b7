// StoreBench: the Swift-API side of the store benchmark, driven by Benchmarks/bench.py.
//
//   StoreBench log     --db FILE --points points.csv [--batch 1000]
//   StoreBench history --db FILE --run ID --keys KEY...
//   StoreBench runs    --db FILE --runs runs.csv
//   StoreBench query   --db FILE --experiment NAME --where EXPR
//
// Each command prints one JSON object. `seconds` covers the store calls only: parsing the input
// files is left out, as on the MLflow side.

import Foundation
import YardstickStore

struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// `--name value` options plus `--keys a b c` lists, in any order.
struct Options {
    private var values: [String: [String]] = [:]

    init(_ arguments: ArraySlice<String>) throws {
        var current: String?
        for argument in arguments {
            if argument.hasPrefix("--") {
                current = String(argument.dropFirst(2))
                values[current!, default: []] = []
            } else if let name = current {
                values[name, default: []].append(argument)
            } else {
                throw UsageError(description: "unexpected argument \(argument)")
            }
        }
    }

    func string(_ name: String) throws -> String {
        guard let list = values[name], list.count == 1 else {
            throw UsageError(description: "--\(name) needs exactly one value")
        }
        return list[0]
    }

    func list(_ name: String) throws -> [String] {
        guard let list = values[name], !list.isEmpty else {
            throw UsageError(description: "--\(name) needs at least one value")
        }
        return list
    }

    func int(_ name: String, default fallback: Int) throws -> Int {
        guard values[name] != nil else { return fallback }
        guard let value = Int(try string(name)), value > 0 else {
            throw UsageError(description: "--\(name) needs a positive integer")
        }
        return value
    }
}

func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) * 1e-18
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    FileHandle.standardOutput.write(try encoder.encode(value))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// The lines of a UTF-8 CSV file without quoting (the generator writes none), header checked.
func csvRows(_ path: String, header: String) throws -> [[Substring]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard let first = lines.first, first == header else {
        throw UsageError(description: "\(path): expected the header \(header)")
    }
    lines.removeFirst()
    return lines.map { $0.split(separator: ",", omittingEmptySubsequences: false) }
}

/// Seconds since 1970 of step 0; a point's wall time is this plus 10 ms per step, the same
/// timestamps the MLflow side logs.
let baseWallTime = 1_700_000_000.0

/// Calls `body` with consecutive chunks of at most `batch` points of a `step,key,value` CSV file.
/// Only one chunk of points exists at a time, as on the MLflow side, so the peak RSS measures the
/// store rather than this program's copy of the input.
func forEachChunk(
    ofPointsIn path: String, batch: Int, _ body: ([MetricPoint]) throws -> Void
) throws -> Int {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let newline = UInt8(ascii: "\n"), comma = UInt8(ascii: ",")
    var keys: [Data: String] = [:]  // one String per distinct key, shared by all points
    var chunk: [MetricPoint] = []
    chunk.reserveCapacity(batch)
    var total = 0, lineNumber = 0, start = bytes.startIndex
    while start < bytes.endIndex {
        let end = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
        let line = bytes[start..<end]
        start = end + 1
        lineNumber += 1
        if lineNumber == 1 {
            guard String(decoding: line, as: UTF8.self) == "step,key,value" else {
                throw UsageError(description: "\(path): expected the header step,key,value")
            }
            continue
        }
        if line.isEmpty { continue }
        let fields = line.split(separator: comma, omittingEmptySubsequences: false)
        guard fields.count == 3,
              let step = Int64(String(decoding: fields[0], as: UTF8.self)),
              let value = Double(String(decoding: fields[2], as: UTF8.self))
        else { throw UsageError(description: "\(path): bad line \(lineNumber)") }
        let key = keys[fields[1]] ?? String(decoding: fields[1], as: UTF8.self)
        keys[fields[1]] = key
        chunk.append(MetricPoint(key: key, step: step, value: value,
                                 wallTime: baseWallTime + 0.01 * Double(step)))
        if chunk.count == batch {
            try body(chunk)
            total += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
    }
    if !chunk.isEmpty {
        try body(chunk)
        total += chunk.count
    }
    return total
}

struct LogResult: Encodable {
    let runID: String
    let points: Int
    let stored: Int
    let batch: Int
    let seconds: Double

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", points, stored, batch, seconds
    }
}

func log(_ options: Options) throws {
    let batch = try options.int("batch", default: 1000)
    let store = try Store(path: try options.string("db"))
    let runID = try store.createRun(experiment: "bench", name: "r1").id
    let clock = ContinuousClock()
    var stored = 0
    var elapsed = Duration.zero
    let points = try forEachChunk(ofPointsIn: try options.string("points"), batch: batch) { chunk in
        elapsed += try clock.measure { stored += try store.logMetrics(run: runID, chunk) }
    }
    try printJSON(LogResult(runID: runID, points: points, stored: stored, batch: batch,
                            seconds: seconds(elapsed)))
}

struct HistoryResult: Encodable {
    let points: Int
    let xor: String
    let seconds: Double
}

func history(_ options: Options) throws {
    let store = try Store(path: try options.string("db"))
    let runID = try options.string("run")
    let keys = try options.list("keys")
    let clock = ContinuousClock()
    var points: [MetricPoint] = []
    let elapsed = try clock.measure { points = try store.history(run: runID, keys: keys) }
    // XOR of the bit patterns proves every value came back bit for bit, in any order.
    let xor = points.reduce(UInt64(0)) { $0 ^ $1.value.bitPattern }
    let hex = String(xor, radix: 16)
    try printJSON(HistoryResult(points: points.count,
                                xor: String(repeating: "0", count: 16 - hex.count) + hex,
                                seconds: seconds(elapsed)))
}

struct RunsResult: Encodable {
    let runs: Int
    let seconds: Double
}

func runs(_ options: Options) throws {
    let path = try options.string("runs")
    let header = "name,learning_rate_multiplier,n_epochs,batch_size,stage,bleu"
    let rows = try csvRows(path, header: header).enumerated().map { index, fields in
        guard fields.count == 6, let bleu = Double(fields[5]) else {
            throw UsageError(description: "\(path): bad row \(index + 2)")
        }
        return (name: String(fields[0]), lr: String(fields[1]), epochs: String(fields[2]),
                batch: String(fields[3]), stage: String(fields[4]), bleu: bleu)
    }
    let store = try Store(path: try options.string("db"))
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
        for row in rows {
            let run = try store.createRun(
                experiment: "sweep", name: row.name,
                params: [("learning_rate_multiplier", ParamValue(parsing: row.lr)),
                         ("n_epochs", ParamValue(parsing: row.epochs)),
                         ("batch_size", ParamValue(parsing: row.batch))],
                tags: [("stage", row.stage)])
            try store.logMetrics(run: run.id, [MetricPoint(key: "bleu", step: 0, value: row.bleu,
                                                           wallTime: baseWallTime)])
        }
    }
    try printJSON(RunsResult(runs: rows.count, seconds: seconds(elapsed)))
}

struct QueryResult: Encodable {
    let names: [String]
    let seconds: Double
}

func query(_ options: Options) throws {
    let store = try Store(path: try options.string("db"))
    let experiment = try options.string("experiment")
    let filter = try options.string("where")
    let clock = ContinuousClock()
    var found: [RunSummary] = []
    let elapsed = try clock.measure {
        found = try store.listRuns(experiment: experiment, where: filter, sort: nil, limit: nil)
    }
    try printJSON(QueryResult(names: found.map(\.run.name).sorted(), seconds: seconds(elapsed)))
}

let arguments = CommandLine.arguments
do {
    guard arguments.count >= 2 else {
        throw UsageError(description: "usage: StoreBench log|history|runs|query --db FILE ...")
    }
    let options = try Options(arguments.dropFirst(2))
    switch arguments[1] {
    case "log": try log(options)
    case "history": try history(options)
    case "runs": try runs(options)
    case "query": try query(options)
    default: throw UsageError(description: "unknown command \(arguments[1])")
    }
} catch {
    FileHandle.standardError.write(Data("StoreBench: \(error)\n".utf8))
    exit(1)
}
