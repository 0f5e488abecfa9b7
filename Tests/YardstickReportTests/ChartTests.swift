import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import YardstickReport

/// Collects the elements of an SVG document as parsed by XMLParser.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func parse(_ svg: String) -> (ok: Bool, collector: SVGCollector, error: String?) {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = SVGCollector()
        parser.delegate = c
        let ok = parser.parse()
        return (ok, c, parser.parserError.map { "\($0)" })
    }
}

/// The absolute coordinates of a path made of M, L, H and V commands (the only ones the charts write).
func pathPoints(_ d: String) -> [(x: Double, y: Double)] {
    var out: [(x: Double, y: Double)] = []
    let scanner = Scanner(string: d)
    var x = 0.0, y = 0.0
    while !scanner.isAtEnd {
        guard let command = scanner.scanCharacter() else { break }
        switch command {
        case "M", "L":
            x = scanner.scanDouble() ?? .nan
            y = scanner.scanDouble() ?? .nan
        case "H": x = scanner.scanDouble() ?? .nan
        case "V": y = scanner.scanDouble() ?? .nan
        default: return [(x: .nan, y: .nan)]
        }
        out.append((x, y))
    }
    return out
}

@Suite struct ChartTests {
    func noisy(_ n: Int, scale: Double = 1, nanAt: Set<Int> = []) -> [SeriesPoint] {
        (0..<n).map { i in
            SeriesPoint(x: Double(i * 10), y: nanAt.contains(i) ? .nan : scale * (2 * exp(-Double(i) / Double(n) * 3) + 0.1 * sin(Double(i))) + 0.01)
        }
    }

    @Test func lineChartIsWellFormedXMLWithEveryPathInsideThePlotArea() throws {
        let chart = LineChart(title: "loss of <run> & \"friends\"", yLabel: "loss",
                              series: [LineSeries(name: "a<b", color: 0, points: noisy(50_000, nanAt: [7, 8, 9_000])),
                                       LineSeries(name: "validation", color: 1, points: noisy(40, scale: 1.3), dashed: true)],
                              markers: [ChartMarker(x: 100, y: 0.5, label: "min <0.5>", color: 1)],
                              epochs: [EpochBoundary(step: 100_000, epoch: 1), EpochBoundary(step: 200_000, epoch: 2)], smoothing: 0.9)
        for standalone in [false, true] {
            let rendered = chart.render(standalone: standalone)
            let parsed = SVGCollector.parse(rendered.svg)
            #expect(parsed.ok, "\(parsed.error ?? "")")
            let p = LineChart.plot
            var count = 0
            for element in parsed.collector.elements where element.name == "path" {
                for point in pathPoints(element.attributes["d"] ?? "") {
                    count += 1
                    #expect(point.x >= p.x - 0.05 && point.x <= p.x + p.width + 0.05 && point.y >= p.y - 0.05 && point.y <= p.y + p.height + 0.05,
                            "(\(point.x), \(point.y)) outside the plot area")
                }
            }
            #expect(count > 500)
            for circle in parsed.collector.elements where circle.name == "circle" {
                let (cx, cy) = (Double(circle.attributes["cx"]!)!, Double(circle.attributes["cy"]!)!)
                #expect(cx >= p.x && cx <= p.x + p.width && cy >= p.y && cy <= p.y + p.height)
            }
            #expect(parsed.collector.text.contains("loss of <run> & \"friends\""))
        }
        let caption = chart.render().caption
        #expect(caption.contains("exponential moving average, weight 0.9"))
        #expect(caption.contains("3 NaN/infinite values shown as gaps"))
        #expect(caption.contains("drawn from"))
        #expect(caption.contains("epoch boundaries"))
    }

    @Test func aMillionPointRunRendersSmall() {
        let chart = LineChart(title: "big", yLabel: "loss", series: [LineSeries(name: "t", color: 0, points: noisy(1_000_000))], smoothing: 0.6)
        let svg = chart.render().svg
        #expect(svg.utf8.count < 40_000)
    }

    @Test func logScaleOnlyWhenValuesSpanMoreThanTwoDecades() {
        let wide = LineChart(title: "w", yLabel: "loss", series: [LineSeries(name: "t", color: 0, points: (1...100).map { SeriesPoint(x: Double($0), y: 10 / pow(Double($0), 1.5)) })])
        let narrow = LineChart(title: "n", yLabel: "loss", series: [LineSeries(name: "t", color: 0, points: (1...100).map { SeriesPoint(x: Double($0), y: 2 - Double($0) / 100) })])
        #expect(wide.render().caption.contains("log scale"))
        #expect(!narrow.render().caption.contains("log scale"))
        #expect(wide.render().svg.contains("loss (log)"))
    }

    @Test func barChartIsWellFormedXMLWithWhiskersInsideTheChart() throws {
        let chart = BarChart(title: "bleu on 1a2b", bars: [Bar(label: "<x>", color: 0, value: 42, low: 38, high: 47),
                                                          Bar(label: "y", color: 1, value: 45, low: 41, high: 49), Bar(label: "nan", color: 2, value: .nan)])
        let r = chart.render(standalone: true)
        let parsed = SVGCollector.parse(r.svg)
        #expect(parsed.ok, "\(parsed.error ?? "")")
        for element in parsed.collector.elements where element.name == "path" {
            for point in pathPoints(element.attributes["d"] ?? "") {
                #expect(point.x >= 0 && point.x <= BarChart.width)
            }
        }
        #expect(parsed.collector.elements.filter { $0.name == "rect" && $0.attributes["class"]?.hasPrefix("b ") == true }.count == 2)
        #expect(r.caption.contains("confidence interval"))
    }
}
