import Foundation

/// A corpus metric whose score is a function of per-segment statistics that add up.
///
/// Corpus scores, sentence scores, bootstrap resampling and parallel scoring all go through the
/// same two functions, so they cannot drift apart: a corpus score is `score(totals)` of the summed
/// rows, a sentence score is `score(row)` of one row.
public protocol SegmentMetric: Sendable {
    /// The corpus-level result (e.g. ``BLEUScore``).
    associatedtype Score: Sendable

    /// Number of statistics each segment contributes.
    var statisticsWidth: Int { get }

    /// Writes the statistics of one segment into `stats`, which holds exactly `statisticsWidth`
    /// zeros when called.
    func segmentStatistics(hypothesis: String, references: [String], into stats: inout [Double])

    /// The result for summed statistics.
    func score(totals: [Double]) -> Score

    /// The headline number of a result, used for confidence intervals and significance tests.
    func headline(_ score: Score) -> Double

    /// sacrebleu-style signature (`nrefs:1|case:mixed|…|version:yardstick-x.y.z`).
    func signature(referenceCount: Int) -> String
}

/// Version string used in signatures and JSON output.
public enum Yardstick {
    public static let version = "0.1.0"
    public static var signatureVersion: String { "yardstick-\(version)" }
}

/// Per-segment statistics of a corpus: `count` rows of `width` values, row-major.
public struct SegmentStatistics: Sendable {
    public let width: Int
    public private(set) var values: [Double]

    public init(width: Int, values: [Double]) {
        precondition(width > 0 && values.count % width == 0)
        self.width = width
        self.values = values
    }

    /// Number of segments.
    public var count: Int { values.count / width }

    /// The statistics of segment `i`.
    public func row(_ i: Int) -> [Double] { Array(values[(i * width)..<((i + 1) * width)]) }

    /// Column sums, added in segment order so the result does not depend on how rows were computed.
    public func totals() -> [Double] {
        var t = [Double](repeating: 0, count: width)
        values.withUnsafeBufferPointer { v in
            for i in 0..<count {
                let base = i * width
                for k in 0..<width { t[k] += v[base + k] }
            }
        }
        return t
    }

    /// Column sums over a resample (indices may repeat), added in the order given.
    public func totals<C: Collection>(indices: C) -> [Double] where C.Element == Int {
        var t = [Double](repeating: 0, count: width)
        values.withUnsafeBufferPointer { v in
            for i in indices {
                let base = i * width
                for k in 0..<width { t[k] += v[base + k] }
            }
        }
        return t
    }
}

/// Options for how statistics are computed.
public struct ScoringOptions: Sendable {
    /// Worker threads; `nil` means `YARDSTICK_THREADS` from the environment if set, else all cores, so a
    /// shared machine can cap every caller at once. Results are identical at any thread count.
    public var threads: Int?
    /// Below this many segments everything runs on the calling thread.
    public var parallelThreshold: Int

    public init(threads: Int? = nil, parallelThreshold: Int = 256) {
        self.threads = threads
        self.parallelThreshold = parallelThreshold
    }

    /// The thread count actually used for `n` segments.
    public func effectiveThreads(for n: Int) -> Int {
        if n < parallelThreshold { return 1 }
        let env = ProcessInfo.processInfo.environment["YARDSTICK_THREADS"].flatMap(Int.init)
        let t = threads ?? env ?? ProcessInfo.processInfo.activeProcessorCount
        return max(1, min(t, n))
    }
}

/// Input for the validation shared by every metric.
public enum MetricInputError: Error, Equatable, CustomStringConvertible {
    /// Segment `segment` has `found` references where `expected` were given for the first one.
    case referenceCountMismatch(segment: Int, expected: Int, found: Int)
    case noReferences

    public var description: String {
        switch self {
        case let .referenceCountMismatch(segment, expected, found):
            return "segment \(segment + 1) has \(found) references, expected \(expected)"
        case .noReferences:
            return "no references given"
        }
    }
}

extension SegmentMetric {
    /// Statistics of every segment; `references[i]` are the references of segment `i`.
    /// Rows are computed in parallel chunks and stored by index, so the output is independent of
    /// the thread count.
    public func statistics(
        hypotheses: [String], references: [[String]], options: ScoringOptions = ScoringOptions()
    ) -> SegmentStatistics {
        precondition(hypotheses.count == references.count, "one reference list per hypothesis")
        let n = hypotheses.count
        let w = statisticsWidth
        var values = [Double](repeating: 0, count: n * w)
        let threads = options.effectiveThreads(for: n)
        if threads == 1 {
            values.withUnsafeMutableBufferPointer { buf in
                var row = [Double](repeating: 0, count: w)
                for i in 0..<n {
                    for k in 0..<w { row[k] = 0 }
                    segmentStatistics(hypothesis: hypotheses[i], references: references[i], into: &row)
                    for k in 0..<w { buf[i * w + k] = row[k] }
                }
            }
        } else {
            let chunks = min(n, threads * 8)
            values.withUnsafeMutableBufferPointer { buf in
                let out = UnsafeSendableBuffer(buf)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let lo = n * c / chunks
                    let hi = n * (c + 1) / chunks
                    var row = [Double](repeating: 0, count: w)
                    for i in lo..<hi {
                        for k in 0..<w { row[k] = 0 }
                        segmentStatistics(hypothesis: hypotheses[i], references: references[i], into: &row)
                        for k in 0..<w { out.base[i * w + k] = row[k] }
                    }
                }
            }
        }
        return SegmentStatistics(width: w, values: values)
    }

    /// Corpus score of hypotheses against references.
    public func corpusScore(
        hypotheses: [String], references: [[String]], options: ScoringOptions = ScoringOptions()
    ) -> Score {
        score(totals: statistics(hypotheses: hypotheses, references: references, options: options).totals())
    }

    /// Score of one segment, through the same statistics as the corpus score.
    public func sentenceScore(hypothesis: String, references: [String]) -> Score {
        var row = [Double](repeating: 0, count: statisticsWidth)
        segmentStatistics(hypothesis: hypothesis, references: references, into: &row)
        return score(totals: row)
    }
}

/// A buffer handed to worker threads that write disjoint index ranges.
@usableFromInline
struct UnsafeSendableBuffer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutableBufferPointer<T>
    @usableFromInline init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}
