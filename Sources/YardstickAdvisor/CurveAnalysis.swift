import Foundation

/// One loss series prepared for the rules: sorted by step, non-finite values counted and set aside, smoothed.
/// Everything here is O(n) apart from one sort when the points are out of order (O(n log n)); medians are found
/// by selection in expected O(n).
struct LossCurve {
    var steps: [Int64] = []
    var epochs: [Double?] = []
    var values: [Double] = []
    /// Centered moving average (window = `smoothingFraction` of the points) for 10 points or more; else the values.
    var smooth: [Double] = []
    var firstNonFinite: CurvePoint?
    var nonFiniteCount = 0
    /// Median absolute value: the scale relative measures are taken against.
    var level = 0.0
    /// Robust noise σ around the smoothed trend (1.4826 × MAD of `values − smooth`), for 10 points or more; nil
    /// when there are too few points to tell noise from trend.
    var noise: Double?
    var smoothingFraction = 0.1

    init(_ points: [CurvePoint], thresholds t: AdvisorThresholds) {
        // Logs are nearly always in step order already; a stable sort only when they are not.
        let inOrder = zip(points, points.dropFirst()).allSatisfy { $0.step <= $1.step }
        let sorted = inOrder ? points : points.enumerated().sorted { ($0.element.step, $0.offset) < ($1.element.step, $1.offset) }.map(\.element)
        steps.reserveCapacity(sorted.count)
        epochs.reserveCapacity(sorted.count)
        values.reserveCapacity(sorted.count)
        for p in sorted {
            guard p.value.isFinite else {
                if firstNonFinite == nil { firstNonFinite = p }
                nonFiniteCount += 1
                continue
            }
            // A repeated step keeps its last value.
            if let last = steps.last, last == p.step {
                values[values.count - 1] = p.value
                epochs[epochs.count - 1] = p.epoch
            } else {
                steps.append(p.step)
                epochs.append(p.epoch)
                values.append(p.value)
            }
        }
        smoothingFraction = t.smoothingFraction
        smooth = LossCurve.movingAverage(values, fraction: t.smoothingFraction)
        level = LossCurve.median(values.map(abs))
        if values.count >= 10 {
            let residuals = zip(values, smooth).map { $0 - $1 }
            let center = LossCurve.median(residuals)
            noise = 1.4826 * LossCurve.median(residuals.map { abs($0 - center) })
        }
    }

    var count: Int { values.count }
    var isEmpty: Bool { values.isEmpty }
    var lastStep: Int64 { steps.last ?? 0 }

    static func movingAverage(_ v: [Double], fraction: Double) -> [Double] {
        let n = v.count
        guard n >= 10 else { return v }
        var w = max(3, Int((Double(n) * fraction).rounded()))
        if w % 2 == 0 { w += 1 }
        let h = w / 2
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + v[i] }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let a = max(0, i - h), b = min(n, i + h + 1)
            out[i] = (prefix[b] - prefix[a]) / Double(b - a)
        }
        return out
    }

    /// Median by selection (Hoare's quickselect with a middle pivot), expected O(n).
    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        var a = v
        let n = a.count
        let upper = select(&a, n / 2)
        guard n % 2 == 0 else { return upper }
        // The lower middle is the largest value left of the upper middle after selection.
        return (a[..<(n / 2)].max()! + upper) / 2
    }

    /// The k-th smallest value; reorders `a` so that everything before index k is ≤ it.
    static func select(_ a: inout [Double], _ k: Int) -> Double {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[lo + (hi - lo) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return a[k]
    }

    /// Half-width of the smoothing window (0 when the series is not smoothed).
    var halfWindow: Int {
        guard count >= 10 else { return 0 }
        var w = max(3, Int((Double(count) * smoothingFraction).rounded()))
        if w % 2 == 0 { w += 1 }
        return w / 2
    }

    /// The measured minimum within the smoothing window around index `m`: where to stop, as a real checkpoint.
    func rawArgmin(around m: Int) -> Int {
        var best = m
        for i in max(0, m - halfWindow)...min(count - 1, m + halfWindow) where values[i] < values[best] { best = i }
        return best
    }

    /// Index of the smallest smoothed value (the first one on ties).
    var smoothArgmin: Int {
        var best = 0
        for i in smooth.indices where smooth[i] < smooth[best] { best = i }
        return best
    }

    /// The typical swing between consecutive points that cancels out: 2·min(total rise, total fall)/(n−1). A
    /// monotone curve has none, a U-shape little, a zig-zag one as large as its steps.
    var swing: Double {
        guard values.count >= 3 else { return 0 }
        var up = 0.0, down = 0.0
        for i in 1..<values.count {
            let d = values[i] - values[i - 1]
            if d > 0 { up += d } else { down -= d }
        }
        return 2 * min(up, down) / Double(values.count - 1)
    }

    /// Range of the smoothed curve.
    var smoothRange: Double {
        guard let lo = smooth.min(), let hi = smooth.max() else { return 0 }
        return hi - lo
    }

    /// Relative gain of the smoothed curve over the last `tail` of the run against the `tail` before it (mean of
    /// each window; with too few points, the last point against the one before), and whether the last window's mean is a new
    /// low below everything before it (as `ReduceLROnPlateau` compares with its best so far, so
    /// recovering from an LR restart is not progress), and the same gain as a share of the curve's whole improvement.
    /// Positive gain = still falling.
    func tailGain(_ t: AdvisorThresholds) -> (gain: Double, before: Double, after: Double, newLow: Bool, shareOfProgress: Double)? {
        guard count >= 2 else { return nil }
        let end = Double(lastStep)
        let lo1 = end * (1 - 2 * t.tailFraction), lo2 = end * (1 - t.tailFraction)
        var sumA = 0.0, nA = 0, sumB = 0.0, nB = 0
        var split = count - 1
        for i in steps.indices {
            let s = Double(steps[i])
            if s > lo2 {
                sumB += smooth[i]; nB += 1
                split = min(split, i)
            } else if s > lo1 { sumA += smooth[i]; nA += 1 }
        }
        let a: Double, b: Double
        if nA > 0 && nB > 0 && split > 0 {
            a = sumA / Double(nA); b = sumB / Double(nB)
        } else {
            split = count - 1
            a = smooth[count - 2]; b = smooth[count - 1]
        }
        let bestBefore = smooth[..<max(split, 1)].min()!
        let floor = t.lossFloorFraction * abs(smooth[0])
        let scale = max(abs(b), floor)
        guard scale > 0 else { return nil }
        let progress = smooth[0] - (smooth.min() ?? smooth[0])
        return ((a - b) / scale, a, b, b < bestBefore, progress > 0 ? (a - b) / progress : 0)
    }

    /// Time to 90%: the first point where the smoothed curve has come within `settlingBand` of its whole improvement
    /// of its final smoothed value (the 10–90% rise-time convention), with that point's share of the run (step /
    /// last step). Noise after that point does not move it. Nil when the curve did not improve or is too short.
    func settling(_ t: AdvisorThresholds) -> (index: Int, runShare: Double, improvement: Double)? {
        guard count >= 3, lastStep > 0 else { return nil }
        let total = smooth[0] - (smooth.min() ?? smooth[0])
        guard total > 0 else { return nil }
        let final = smooth[count - 1], band = t.settlingBand * total
        let i = smooth.firstIndex { $0 - final <= band } ?? count - 1
        return (i, Double(steps[i]) / Double(lastStep), total)
    }
}

/// Number formatting for evidence: three significant digits, steps with thousands separators.
enum Fmt {
    static func num(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1000 { return group(Int64(x.rounded())) }
        if a < 0.001 { return String(format: "%.2e", x) }
        let decimals = max(0, 2 - Int(floor(log10(a))))
        var s = String(format: "%.\(decimals)f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    static func group(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func pct(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    static func epoch(_ e: Double) -> String { String(format: "%.1f", e) }
}
