import Foundation

/// One curve of a line chart: the full series, drawn downsampled (and smoothed when the chart smooths).
public struct LineSeries: Sendable {
    public var name: String
    /// Index into the report palette (`c0`…`c9` in the CSS), so a run keeps its colour in every chart.
    public var color: Int
    /// Sorted by x; NaN and infinite values are gaps.
    public var points: [SeriesPoint]
    public var dashed: Bool

    public init(name: String, color: Int, points: [SeriesPoint], dashed: Bool = false) {
        self.name = name
        self.color = color
        self.points = points
        self.dashed = dashed
    }
}

/// A labelled point drawn on top of the curves (the validation minimum).
public struct ChartMarker: Sendable {
    public var x: Double
    public var y: Double
    public var label: String
    public var color: Int

    public init(x: Double, y: Double, label: String, color: Int) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
    }
}

/// Where an epoch starts, in steps: a dashed vertical line and a label on the top axis.
public struct EpochBoundary: Sendable, Equatable {
    public var step: Double
    public var epoch: Int

    public init(step: Double, epoch: Int) {
        self.step = step
        self.epoch = epoch
    }
}

/// A line chart rendered as one SVG element: hand-written, deterministic, small.
///
/// Smoothing is an EMA over the full series (``Smoothing/ema(_:weight:)``), drawn solid with the raw series faint
/// behind it; both are downsampled for drawing only (``Downsample/minMax(_:buckets:)``), so a 1,000,000-point
/// run draws as about a thousand points without losing a spike.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    public var markers: [ChartMarker]
    public var epochs: [EpochBoundary]
    /// EMA weight, 0 = draw the raw series only.
    public var smoothing: Double
    /// nil: log scale when the finite positive values span more than two decades.
    public var logScale: Bool?
    /// Series shorter than this (a few evaluations) are drawn raw: an average over a dozen points lags visibly.
    public static let minimumSmoothed = 30
    /// Buckets of the min/max downsampling per series.
    public var buckets: Int
    /// Draw the raw series faintly behind the smoothed one (off for overlays of many runs, where it is noise).
    public var showRaw: Bool

    /// Narrow on purpose: a phone shows the chart at about 360 px, where a wider drawing would shrink its text.
    public static let width = 480.0
    public static let height = 300.0
    /// The plot area inside the SVG (axes and labels are outside it; every path stays inside it).
    public static let plot = (x: 58.0, y: 40.0, width: 410.0, height: 212.0)

    public init(title: String, xLabel: String = "step", yLabel: String, series: [LineSeries], markers: [ChartMarker] = [],
                epochs: [EpochBoundary] = [], smoothing: Double = 0, logScale: Bool? = nil, buckets: Int = 400, showRaw: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.markers = markers
        self.epochs = epochs
        self.smoothing = smoothing
        self.logScale = logScale
        self.buckets = buckets
        self.showRaw = showRaw
    }

    /// The rendered chart and a caption that says how it was drawn (smoothing, scale, gaps, downsampling).
    public struct Rendered: Sendable {
        public var svg: String
        public var caption: String
    }

    /// - Parameter standalone: a file of its own (XML declaration, namespace and its own style sheet) rather
    ///   than an element inlined in the HTML page, whose CSS styles it.
    public func render(standalone: Bool = false) -> Rendered {
        let p = LineChart.plot
        var total = 0, nonFinite = 0, drawn = 0
        var lo = Double.infinity, hi = -Double.infinity, xLo = Double.infinity, xHi = -Double.infinity
        for s in series {
            total += s.points.count
            for pt in s.points {
                if pt.x < xLo { xLo = pt.x }
                if pt.x > xHi { xHi = pt.x }
                if pt.y.isFinite {
                    if pt.y < lo { lo = pt.y }
                    if pt.y > hi { hi = pt.y }
                } else {
                    nonFinite += 1
                }
            }
        }
        let hasData = lo <= hi
        if !hasData { (lo, hi) = (0, 1) }
        if !(xLo <= xHi) { (xLo, xHi) = (0, 1) }
        let useLog = logScale ?? (lo > 0 && hi / lo > 100)
        let log = useLog && lo > 0
        let yAxis = log ? Axis.log(lo, hi) : Axis.linear(lo, hi)
        let xAxis = Axis.linear(xLo, xHi, tight: true)
        func px(_ x: Double) -> Double { p.x + clamp01(xAxis.fraction(x)) * p.width }
        func py(_ y: Double) -> Double { p.y + p.height - clamp01(yAxis.fraction(log ? Swift.max(y, lo) : y)) * p.height }

        let legendRows = series.count > 1 ? Int((Double(uniqueNames.count) / 2).rounded(.up)) : 0
        let height = LineChart.height + Double(legendRows) * 16
        var svg = ""
        svg.reserveCapacity(16_000 * Swift.max(1, series.count))
        if standalone {
            svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        }
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(f(LineChart.width)) \(f(height))\" role=\"img\" aria-label=\"\(Escape.html(title))\">"
        if standalone { svg += "<style>\(ReportStyle.svgStandalone)</style><rect class=\"bg\" width=\"100%\" height=\"100%\"/>" }
        svg += "<title>\(Escape.html(title))</title>"
        svg += "<text class=\"t\" x=\"\(f(p.x))\" y=\"15\">\(Escape.html(ellipsis(title, 56)))</text>"
        // Grid and y ticks.
        for tick in yAxis.ticks {
            let y = py(tick)
            svg += "<line class=\"g\" x1=\"\(f(p.x))\" x2=\"\(f(p.x + p.width))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            svg += "<text class=\"a\" x=\"\(f(p.x - 4))\" y=\"\(f(y + 3.5))\" text-anchor=\"end\">\(Escape.html(NumberFormat.short(tick)))</text>"
        }
        for tick in xAxis.ticks {
            let x = px(tick)
            svg += "<line class=\"g\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(p.y))\" y2=\"\(f(p.y + p.height))\"/>"
            svg += "<text class=\"a\" x=\"\(f(x))\" y=\"\(f(p.y + p.height + 14))\" text-anchor=\"\(x > p.x + p.width - 22 ? "end" : "middle")\">\(Escape.html(NumberFormat.short(tick)))</text>"
        }
        svg += "<rect class=\"f\" x=\"\(f(p.x))\" y=\"\(f(p.y))\" width=\"\(f(p.width))\" height=\"\(f(p.height))\"/>"
        svg += "<text class=\"a\" x=\"\(f(p.x + p.width / 2))\" y=\"\(f(p.y + p.height + 28))\" text-anchor=\"middle\">\(Escape.html(xLabel))</text>"
        svg += "<text class=\"a\" transform=\"translate(12 \(f(p.y + p.height / 2))) rotate(-90)\" text-anchor=\"middle\">\(Escape.html(yLabel + (log ? " (log)" : "")))</text>"
        // Epoch boundaries on a second axis along the top.
        let visibleEpochs = epochs.filter { $0.step >= xLo && $0.step <= xHi }
        if !visibleEpochs.isEmpty {
            let every = Swift.max(1, Int((Double(visibleEpochs.count) / 10).rounded(.up)))
            svg += "<text class=\"a\" x=\"\(f(p.x - 4))\" y=\"\(f(p.y - 8))\" text-anchor=\"end\">epoch</text>"
            for (i, e) in visibleEpochs.enumerated() {
                let x = px(e.step)
                svg += "<line class=\"e\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(p.y))\" y2=\"\(f(p.y + p.height))\"/>"
                // A boundary at the left edge keeps its line; its label would run into the axis's name.
                if i % every == 0 && x > p.x + 10 {
                    svg += "<text class=\"a\" x=\"\(f(x))\" y=\"\(f(p.y - 8))\" text-anchor=\"middle\">\(e.epoch)</text>"
                }
            }
        }
        // Curves: raw faint behind, smoothed on top.
        for s in series {
            let raw = s.points
            let dash = s.dashed ? " d2" : ""
            if smoothing > 0 && raw.count >= LineChart.minimumSmoothed {
                let smoothed = Smoothing.ema(raw.map(\.y), weight: smoothing)
                let sm = zip(raw, smoothed).map { SeriesPoint(x: $0.x, y: $1) }
                let rawDrawn = showRaw ? Downsample.minMax(raw, buckets: buckets) : []
                let smDrawn = Downsample.minMax(sm, buckets: buckets)
                drawn += smDrawn.count
                if showRaw { svg += "<path class=\"l r c\(s.color % ReportStyle.paletteSize)\(dash)\" d=\"\(path(rawDrawn, px, py))\"/>" }
                svg += "<path class=\"l c\(s.color % ReportStyle.paletteSize)\(dash)\" d=\"\(path(smDrawn, px, py))\"><title>\(Escape.html(s.name))</title></path>"
            } else {
                let d = Downsample.minMax(raw, buckets: buckets)
                drawn += d.count
                svg += "<path class=\"l c\(s.color % ReportStyle.paletteSize)\(dash)\" d=\"\(path(d, px, py))\"><title>\(Escape.html(s.name))</title></path>"
            }
        }
        for m in markers where m.y.isFinite {
            let (x, y) = (px(m.x), py(m.y))
            svg += "<circle class=\"m c\(m.color % ReportStyle.paletteSize)\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\"><title>\(Escape.html(m.label))</title></circle>"
            // Place the label where it fits inside the plot: right of the point, else left, else centred on it.
            let textWidth = Double(m.label.count) * 6.6
            let (tx, anchor): (Double, String) = x + 6 + textWidth <= p.x + p.width ? (x + 6, "start")
                : x - 6 - textWidth >= p.x ? (x - 6, "end")
                : (Swift.min(Swift.max(x, p.x + textWidth / 2), p.x + p.width - textWidth / 2), "middle")
            let ty = y - 9 < p.y + 12 ? y + 18 : y - 9
            svg += "<text class=\"a k\" x=\"\(f(tx))\" y=\"\(f(ty))\" text-anchor=\"\(anchor)\">\(Escape.html(m.label))</text>"
        }
        if !hasData {
            svg += "<text class=\"a\" x=\"\(f(p.x + p.width / 2))\" y=\"\(f(p.y + p.height / 2))\" text-anchor=\"middle\">no finite values</text>"
        }
        // Legend below the axis, two entries a row.
        if legendRows > 0 {
            for (i, entry) in uniqueNames.enumerated() {
                let x = p.x + Double(i % 2) * (p.width / 2)
                let y = LineChart.height - 6 + Double(i / 2) * 16
                svg += "<line class=\"l c\(entry.color % ReportStyle.paletteSize)\(entry.dashed ? " d2" : "")\" x1=\"\(f(x))\" x2=\"\(f(x + 18))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\"/>"
                svg += "<text class=\"a\" x=\"\(f(x + 22))\" y=\"\(f(y))\">\(Escape.html(ellipsis(entry.name, 24)))</text>"
            }
        }
        svg += "</svg>"

        var caption: [String] = []
        caption.append(series.count == 1 ? "\(series[0].name) against \(xLabel)"
                       : series.count <= 4 ? series.map(\.name).joined(separator: ", ") + " against \(xLabel)"
                       : "\(series.count) series against \(xLabel)")
        let smoothed = series.filter { $0.points.count >= LineChart.minimumSmoothed }
        if smoothing > 0 && !smoothed.isEmpty {
            caption.append("solid: exponential moving average, weight \(NumberFormat.short(smoothing)) (bias-corrected, computed on every point)" + (showRaw ? "; faint: raw values" : "; raw values not drawn"))
            if smoothed.count < series.count {
                caption.append("series of fewer than \(LineChart.minimumSmoothed) points (\(series.filter { $0.points.count < LineChart.minimumSmoothed }.map(\.name).joined(separator: ", "))) drawn raw")
            }
        }
        if log { caption.append("log scale (values span \(NumberFormat.short(Foundation.log10(hi / lo))) decades)") }
        if nonFinite > 0 { caption.append("\(NumberFormat.grouped(Int64(nonFinite))) NaN/infinite value\(nonFinite == 1 ? "" : "s") shown as gaps") }
        if total > drawn + nonFinite && drawn > 0 {
            caption.append("drawn from \(NumberFormat.grouped(Int64(drawn))) of \(NumberFormat.grouped(Int64(total))) points (min and max of every bucket kept)")
        }
        if !visibleEpochs.isEmpty { caption.append("dashed verticals: epoch boundaries (top axis)") }
        for m in markers where m.y.isFinite { caption.append("● \(m.label)") }
        return Rendered(svg: svg, caption: caption.joined(separator: "; ") + ".")
    }

    private var uniqueNames: [(name: String, color: Int, dashed: Bool)] {
        var seen = Set<String>()
        var out: [(name: String, color: Int, dashed: Bool)] = []
        for s in series where seen.insert(s.name).inserted { out.append((s.name, s.color, s.dashed)) }
        return out
    }

    private func path(_ points: [SeriesPoint], _ px: (Double) -> Double, _ py: (Double) -> Double) -> String {
        var d = ""
        d.reserveCapacity(points.count * 12)
        var pen = false
        for pt in points {
            guard pt.y.isFinite else {
                pen = false
                continue
            }
            d += pen ? "L" : "M"
            d += f(px(pt.x))
            d += " "
            d += f(py(pt.y))
            pen = true
        }
        return d.isEmpty ? "M0 0" : d
    }
}

/// A value axis: maps values to 0…1 and chooses round tick values.
struct Axis {
    var lo: Double
    var hi: Double
    var isLog: Bool
    var ticks: [Double]

    func fraction(_ v: Double) -> Double {
        if isLog { return (Foundation.log10(v) - Foundation.log10(lo)) / (Foundation.log10(hi) - Foundation.log10(lo)) }
        return (v - lo) / (hi - lo)
    }

    static func linear(_ a: Double, _ b: Double, tight: Bool = false) -> Axis {
        var (lo, hi) = (a, b)
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            (lo, hi) = (lo - pad, hi + pad)
        }
        let step = niceStep((hi - lo) / 5)
        if !tight {
            lo = (lo / step).rounded(.down) * step
            hi = (hi / step).rounded(.up) * step
        }
        var ticks: [Double] = []
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-9, ticks.count < 12 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return Axis(lo: lo, hi: hi, isLog: false, ticks: ticks)
    }

    static func log(_ a: Double, _ b: Double) -> Axis {
        let lo = pow(10, Foundation.log10(a).rounded(.down)), hi = pow(10, Foundation.log10(b).rounded(.up))
        var ticks: [Double] = []
        var t = lo
        while t <= hi * 1.0001 {
            ticks.append(t)
            t *= 10
        }
        if ticks.count > 8 { ticks = ticks.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) }
        return Axis(lo: lo, hi: hi, isLog: true, ticks: ticks)
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, Foundation.log10(raw).rounded(.down))
        let r = raw / magnitude
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude
    }
}

func clamp01(_ v: Double) -> Double { v.isNaN ? 0 : Swift.min(1, Swift.max(0, v)) }

/// SVG coordinates with one decimal: enough for a 640-unit-wide chart, and a third of the bytes of full precision.
func f(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    if r == r.rounded() { return String(Int(r)) }
    return String(format: "%.1f", r)
}

func ellipsis(_ s: String, _ n: Int) -> String {
    s.count <= n ? s : String(s.prefix(n - 1)) + "…"
}
