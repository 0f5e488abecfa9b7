import Foundation

/// One bar: a run's score with its confidence interval.
public struct Bar: Sendable {
    public var label: String
    public var color: Int
    public var value: Double
    public var low: Double?
    public var high: Double?

    public init(label: String, color: Int, value: Double, low: Double? = nil, high: Double? = nil) {
        self.label = label
        self.color = color
        self.value = value
        self.low = low
        self.high = high
    }
}

/// Horizontal bars with error bars, one row per run: long run names stay readable on a phone.
public struct BarChart: Sendable {
    public var title: String
    public var bars: [Bar]

    public init(title: String, bars: [Bar]) {
        self.title = title
        self.bars = bars
    }

    public static let width = 480.0
    static let rowHeight = 24.0
    static let left = 140.0
    static let right = 64.0
    static let top = 24.0

    public func render(standalone: Bool = false) -> LineChart.Rendered {
        let values = bars.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 } }.filter(\.isFinite)
        var lo = Swift.min(0, values.min() ?? 0), hi = Swift.max(0, values.max() ?? 1)
        if lo == hi { hi = lo + 1 }
        let axis = Axis.linear(lo, hi)
        (lo, hi) = (axis.lo, axis.hi)
        let plotWidth = BarChart.width - BarChart.left - BarChart.right
        func px(_ v: Double) -> Double { BarChart.left + clamp01(axis.fraction(v)) * plotWidth }
        let height = BarChart.top + Double(bars.count) * BarChart.rowHeight + 22
        var svg = standalone ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(f(BarChart.width)) \(f(height))\" role=\"img\" aria-label=\"\(Escape.html(title))\">"
        if standalone { svg += "<style>\(ReportStyle.svgStandalone)</style><rect class=\"bg\" width=\"100%\" height=\"100%\"/>" }
        svg += "<title>\(Escape.html(title))</title>"
        svg += "<text class=\"t\" x=\"4\" y=\"14\">\(Escape.html(ellipsis(title, 56)))</text>"
        let bottom = BarChart.top + Double(bars.count) * BarChart.rowHeight
        for tick in axis.ticks {
            let x = px(tick)
            svg += "<line class=\"g\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(BarChart.top))\" y2=\"\(f(bottom))\"/>"
            svg += "<text class=\"a\" x=\"\(f(x))\" y=\"\(f(bottom + 14))\" text-anchor=\"middle\">\(Escape.html(NumberFormat.short(tick)))</text>"
        }
        let zero = px(0)
        var hasCI = false
        for (i, bar) in bars.enumerated() {
            let y = BarChart.top + Double(i) * BarChart.rowHeight
            svg += "<text class=\"a\" x=\"\(f(BarChart.left - 6))\" y=\"\(f(y + 16))\" text-anchor=\"end\">\(Escape.html(ellipsis(bar.label, 20)))</text>"
            guard bar.value.isFinite else {
                svg += "<text class=\"a\" x=\"\(f(zero + 4))\" y=\"\(f(y + 16))\">NaN</text>"
                continue
            }
            let x = px(bar.value)
            svg += "<rect class=\"b c\(bar.color % ReportStyle.paletteSize)\" x=\"\(f(Swift.min(x, zero)))\" y=\"\(f(y + 4))\" width=\"\(f(Swift.max(abs(x - zero), 1)))\" height=\"\(f(BarChart.rowHeight - 8))\"><title>\(Escape.html(bar.label))</title></rect>"
            var end = x
            if let l = bar.low, let h = bar.high, l.isFinite, h.isFinite {
                hasCI = true
                let (xl, xh) = (px(l), px(h))
                let cy = y + BarChart.rowHeight / 2
                svg += "<path class=\"w\" d=\"M\(f(xl)) \(f(cy))H\(f(xh))M\(f(xl)) \(f(cy - 5))V\(f(cy + 5))M\(f(xh)) \(f(cy - 5))V\(f(cy + 5))\"/>"
                end = Swift.max(end, xh)
            }
            svg += "<text class=\"a\" x=\"\(f(Swift.max(end, zero) + 5))\" y=\"\(f(y + 16))\">\(Escape.html(NumberFormat.score(bar.value)))</text>"
        }
        svg += "<line class=\"x\" x1=\"\(f(zero))\" x2=\"\(f(zero))\" y1=\"\(f(BarChart.top))\" y2=\"\(f(bottom))\"/>"
        svg += "</svg>"
        let caption = "\(title): one bar per run" + (hasCI ? ", whiskers: the stored bootstrap confidence interval" : "") + "."
        return LineChart.Rendered(svg: svg, caption: caption)
    }
}
