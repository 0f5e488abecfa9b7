// AdvisorBench: time `Advisor.advise` on a synthetic run with 1,000,000 training-loss points (per-step noise,
// warm-up, cosine decay) and an evaluation every 1,000 steps. Prints one JSON object; the issue's budget is
// under 1 second per run.
//
//   AdvisorBench [--points N] [--repeats R]

import Foundation
import YardstickAdvisor

var points = 1_000_000
var repeats = 5
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--points": points = Int(arguments.next() ?? "") ?? points
    case "--repeats": repeats = Int(arguments.next() ?? "") ?? repeats
    default:
        FileHandle.standardError.write(Data("usage: AdvisorBench [--points N] [--repeats R]\n".utf8))
        exit(2)
    }
}

/// A fixed xorshift generator, so every run times the same curve.
struct XorShift {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func uniform() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Double(state >> 11) / Double(1 << 53)
    }
}
var random = XorShift()

var train: [CurvePoint] = []
var eval: [CurvePoint] = []
train.reserveCapacity(points)
for step in 1...points {
    let t = Double(step) / Double(points)
    let level = 0.3 + 2.0 * exp(-8 * t) + 0.05 * t * t
    train.append(CurvePoint(step: Int64(step), epoch: 3 * t, value: level * (1 + 0.4 * (random.uniform() - 0.5))))
    if step % 1000 == 0 { eval.append(CurvePoint(step: Int64(step), epoch: 3 * t, value: level + 0.05 + 0.01 * (random.uniform() - 0.5))) }
}
let curves = TrainingCurves(name: "bench", series: ["train_loss": train, "eval_loss": eval], params: ["max_steps": .number(Double(points))])

var times: [Double] = []
var labels: [String] = []
for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    let advice = Advisor.advise(curves)
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    labels = advice.labels.map(\.rawValue)
}
times.sort()
print("{\"points\":\(points),\"repeats\":\(repeats),\"median_seconds\":\(times[times.count / 2]),\"max_seconds\":\(times.last!),\"labels\":\"\(labels.joined(separator: ","))\"}")
