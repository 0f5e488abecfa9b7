// ReportBench: time `yardstick report`'s library path on a store of 20 runs with 100,000 history points each
// (a noisy training loss every step, a validation loss every 1,000 steps, epochs): reading the runs, advising,
// drawing and writing the HTML page (and, with --markdown, the Markdown report). Prints one JSON object; the
// issue's budget is under 2 seconds and an HTML file under 3 MB.
//
//   ReportBench [--runs N] [--points N] [--repeats R] [--markdown] [--keep DIR]   (--keep: copy the report there to look at)

import Foundation
import YardstickReport
import YardstickStore

var runCount = 20
var points = 100_000
var repeats = 3
var markdown = false
var keep: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--runs": runCount = Int(arguments.next() ?? "") ?? runCount
    case "--points": points = Int(arguments.next() ?? "") ?? points
    case "--repeats": repeats = Int(arguments.next() ?? "") ?? repeats
    case "--markdown": markdown = true
    case "--keep": keep = arguments.next()
    default:
        FileHandle.standardError.write(Data("usage: ReportBench [--runs N] [--points N] [--repeats R] [--markdown] [--keep DIR]\n".utf8))
        exit(2)
    }
}

/// A fixed xorshift generator, so every run times the same curves.
struct XorShift {
    var state: UInt64
    mutating func uniform() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Double(state >> 11) / Double(1 << 53)
    }
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yardstick-reportbench-\(getpid())")
try? FileManager.default.removeItem(at: dir)
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let store = try Store(path: dir.appendingPathComponent("bench.db").path)
var runs: [Run] = []
let setupStart = Date()
for r in 0..<runCount {
    let lr = 1e-5 * pow(2, Double(r % 5))
    let run = try store.createRun(experiment: "bench", name: "run-\(r)", params: [("learning_rate", .double(lr)), ("batch_size", .int(8 << (r / 5))), ("n_epochs", .int(3))])
    var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(r))
    var batch: [MetricPoint] = []
    batch.reserveCapacity(points + points / 1000)
    let evalEvery = 1000
    for s in 1...points {
        let t = Double(s) / Double(points)
        let loss = 0.3 + 2.2 * exp(-5 * t) + 0.25 * (rng.uniform() - 0.5) + (rng.uniform() < 0.0005 ? 3 : 0)
        batch.append(MetricPoint(key: "train_loss", step: Int64(s), epoch: 3 * t, value: loss))
        if s % evalEvery == 0 {
            batch.append(MetricPoint(key: "eval_loss", step: Int64(s), epoch: 3 * t, value: 0.6 + 1.5 * exp(-6 * t) + 0.3 * t * t * Double(r % 3)))
        }
    }
    try store.logMetrics(run: run.id, batch)
    runs.append(run)
}
let setup = Date().timeIntervalSince(setupStart)

var times: [Double] = []
var size = 0
var mdSize = 0
for _ in 0..<repeats {
    let start = Date()
    let data = try ReportData.load(store: store, runs: runs)
    try ReportWriter.write(data, format: markdown ? .both : .html, to: dir.appendingPathComponent("out").path)
    times.append(Date().timeIntervalSince(start))
    size = (try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("out/index.html").path)[.size] as? Int) ?? 0
    if markdown { mdSize = (try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("out/report.md").path)[.size] as? Int) ?? 0 }
}
times.sort()
if let keep {
    try? FileManager.default.removeItem(atPath: keep)
    try FileManager.default.copyItem(at: dir.appendingPathComponent("out"), to: URL(fileURLWithPath: keep))
}
print("""
    {"runs": \(runCount), "points_per_run": \(points + points / 1000), "setup_seconds": \(String(format: "%.2f", setup)), \
    "seconds_median": \(String(format: "%.3f", times[times.count / 2])), "seconds_min": \(String(format: "%.3f", times[0])), \
    "html_bytes": \(size)\(markdown ? ", \"markdown_bytes\": \(mdSize)" : "")}
    """)
