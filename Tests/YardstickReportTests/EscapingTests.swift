import Foundation
import Testing
import YardstickReport

@Suite struct EscapingTests {
    @Test func htmlEscapingCoversTextAndBothAttributeQuotes() {
        #expect(Escape.html("<script>a & \"b\" 'c'</script>") == "&lt;script&gt;a &amp; &quot;b&quot; &#39;c&#39;&lt;/script&gt;")
        #expect(Escape.html("tab\tnew\nline") == "tab\tnew\nline")
        #expect(Escape.html("bell\u{7}") == "bell\u{FFFD}")
    }

    @Test func markdownCellEscapingKeepsTheTableShape() {
        let cell = Escape.markdown("a|b `c` <script> [x](y)\nnext")
        #expect(cell == "a\\|b \\`c\\` \\<script\\> \\[x\\](y) next")
        #expect(!cell.contains("\n"))
        // A pipe never splits a cell: every unescaped pipe is a column separator.
        #expect(cell.replacingOccurrences(of: "\\|", with: "").contains("|") == false)
        #expect(Escape.markdown("- item") == "\\- item")
    }

    @Test func mermaidLabelsLoseQuotesAndMarkup() {
        #expect(Escape.mermaid("a \"b\" <c>\nd") == "a 'b' c d")
    }

    @Test func slugsAreFileNameSafe() {
        #expect(Escape.slug("../../etc/passwd") == "etc-passwd")
        #expect(Escape.slug("<>") == "run")
        #expect(Escape.slug("lr 2e-5") == "lr-2e-5")
    }

    @Test func wordDiffMarksOnlyTheDifferingWords() {
        let d = WordDiff.diff("the cat sat on a mat", "the cat sat on the mat")
        #expect(d.a.filter { !$0.common }.map(\.text) == ["a"])
        #expect(d.b.filter { !$0.common }.map(\.text) == ["the"])
        #expect(d.a.map(\.text).joined() == "the cat sat on a mat")
    }
}

@Suite struct ReportRenderingTests {
    @Test func everyUserStringIsEscapedInTheHTMLPage() throws {
        let (data, _) = try ReportFixture.report()
        let html = HTMLReport.render(data)
        // The only script element is the report's own, at the end.
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(!html.contains("<img"))
        #expect(!html.contains("onerror=\""))
        #expect(html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"))
        #expect(html.contains("base &lt;b&gt;&quot;x&quot;&lt;/b&gt;"))
        #expect(!html.contains("<b>\"x\"</b>"))
        #expect(html.contains("ftjob-&quot;&lt;x&gt;0"))
        // No reference to anything outside the file.
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") || $0.hasPrefix("example.com") })
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import") && !html.contains("url("))
    }

    @Test func htmlPageHasEachSectionAndThePairedComparison() throws {
        let (data, _) = try ReportFixture.report()
        let html = HTMLReport.render(data)
        for id in ["runs", "curves", "comparison", "advice", "examples"] { #expect(html.contains("<section id=\"\(id)\">")) }
        #expect(data.comparisons.count == 2)  // bleu and chrf, base vs lr
        #expect(html.contains("Paired differences"))
        #expect(html.contains("validation minimum"))
        #expect(data.examples.contains { $0.otherRunName != nil })
        #expect(html.contains("<mark class=\"x\">"))
    }

    @Test func markdownTablesHaveOneCellPerColumnDespitePipesInUserStrings() throws {
        let (data, _) = try ReportFixture.report()
        let (md, charts) = MarkdownReport.render(data)
        var tables = 0
        var header: Int?
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                header = nil
                continue
            }
            // Cells are separated by pipes not preceded by a backslash.
            var cells = 0
            var escaped = false
            for ch in line {
                if ch == "|" && !escaped { cells += 1 }
                escaped = ch == "\\" && !escaped
            }
            if let h = header { #expect(cells == h, "\(line)") } else {
                header = cells
                tables += 1
            }
        }
        #expect(tables >= 4)
        #expect(md.contains("```mermaid\nxychart-beta"))
        #expect(!md.replacingOccurrences(of: "\\<", with: "").contains("<"), "an unescaped < in the Markdown")
        #expect(md.contains("\\<script\\>"))
        #expect(!charts.isEmpty)
        for chart in charts {
            #expect(md.contains("](\(chart.path))"))
            #expect(SVGCollector.parse(chart.svg).ok, "\(chart.path)")
        }
    }

    @Test func writerPutsTheFilesInTheFolder() throws {
        let (data, dir) = try ReportFixture.report()
        let out = dir.appendingPathComponent("out").path
        let written = try ReportWriter.write(data, format: .both, to: out)
        #expect(written.contains(out + "/index.html") && written.contains(out + "/report.md"))
        for path in written { #expect(FileManager.default.fileExists(atPath: path)) }
    }
}
