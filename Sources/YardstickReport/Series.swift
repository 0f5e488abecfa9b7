import Foundation

/// One point of a curve as drawn: x is the step, y the value (NaN or infinite for a gap).
public struct SeriesPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Downsampling for drawing only: statistics and advice always read the full series.
public enum Downsample {
    /// At most about `2 × buckets + 2` points: the series is cut into `buckets` runs of consecutive points and each
    /// keeps its minimum and maximum (in their original order), so every spike and every trough of the full curve
    /// is still drawn; the first and last points are always kept. A bucket containing non-finite values keeps one
    /// of them too, so a gap in the data stays a gap in the drawing. Shorter series are returned unchanged.
    public static func minMax(_ points: [SeriesPoint], buckets: Int) -> [SeriesPoint] {
        let n = points.count
        guard buckets > 0, n > 2 * buckets + 2 else { return points }
        var out: [SeriesPoint] = []
        out.reserveCapacity(2 * buckets + 4)
        out.append(points[0])
        var start = 1
        let end = n - 1
        for b in 0..<buckets {
            let stop = 1 + Int((Double(b + 1) * Double(end - 1) / Double(buckets)).rounded(.down))
            let upper = b == buckets - 1 ? end : max(stop, start)
            guard start < upper else { continue }
            var lo = -1, hi = -1, gap = -1
            points.withUnsafeBufferPointer { p in
                for i in start..<upper {
                    let y = p[i].y
                    if !y.isFinite {
                        if gap < 0 { gap = i }
                        continue
                    }
                    if lo < 0 || y < p[lo].y { lo = i }
                    if hi < 0 || y > p[hi].y { hi = i }
                }
            }
            for i in Array(Set([lo, hi, gap].filter { $0 >= 0 })).sorted() { out.append(points[i]) }
            start = upper
        }
        out.append(points[end])
        return out
    }
}

/// Exponential moving average as TensorBoard draws it: computed over the full series in step order, with the
/// start-up bias corrected (the first smoothed value is the first value, not `(1 − w) ×` it).
public enum Smoothing {
    /// `weight` in 0…0.99 (0 = no smoothing). Non-finite values pass through as gaps and do not disturb the
    /// average; the smoothed value of each finite point depends only on the finite points up to it.
    public static func ema(_ values: [Double], weight: Double) -> [Double] {
        let w = min(max(weight, 0), 0.999)
        guard w > 0 else { return values }
        var out = [Double](repeating: .nan, count: values.count)
        var last = 0.0
        var power = 1.0
        for (i, v) in values.enumerated() {
            guard v.isFinite else {
                out[i] = v
                continue
            }
            last = last * w + (1 - w) * v
            power *= w
            out[i] = last / (1 - power)
        }
        return out
    }
}
