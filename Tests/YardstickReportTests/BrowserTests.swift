import Foundation
import Testing
import YardstickReport
import YardstickTestSupport

/// The HTML report in a real browser: no console error, no request beyond `file:`/`data:`, no script from the data,
/// no horizontal scroll on a phone, dark mode applied; full-page PNGs at 1280 and 400 px, light and dark, are
/// written to `$YARDSTICK_REPORT_SCREENSHOTS` (default: a folder in the temporary directory) to be looked at.
@Suite struct BrowserTests {
    static let browser = Browser.find()
    static var isCI: Bool { ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "") }

    @Test func reportLoadsCleanlyInHeadlessChromiumInLightAndDarkAtDesktopAndPhoneWidths() throws {
        guard let path = Self.browser else {
            if Self.isCI {
                Issue.record("no Chromium found (CI=true requires one): install chromium-headless-shell (make test does when root) or set YARDSTICK_BROWSER")
            } else {
                print("BrowserTests skipped: no Chromium on PATH (install chromium-headless-shell, or set YARDSTICK_BROWSER)")
            }
            return
        }
        let (data, dir) = try ReportFixture.report()
        let out = dir.appendingPathComponent("report")
        try ReportWriter.write(data, format: .html, to: out.path)
        let page = out.appendingPathComponent("index.html")
        let shots = URL(fileURLWithPath: ProcessInfo.processInfo.environment["YARDSTICK_REPORT_SCREENSHOTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("yardstick-report-screenshots").path)
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let problems = try checkPage(browserPath: path, page: page, shots: shots, prefix: "fixture")
        #expect(problems.isEmpty, "\(problems)")
        // Any other report to check the same way, e.g. one made from real logs: YARDSTICK_REPORT_PAGE=reports/index.html.
        if let other = ProcessInfo.processInfo.environment["YARDSTICK_REPORT_PAGE"] {
            let otherProblems = try checkPage(browserPath: path, page: URL(fileURLWithPath: other), shots: shots, prefix: "page")
            #expect(otherProblems.isEmpty, "\(otherProblems)")
        }
        print("BrowserTests: screenshots in \(shots.path)")
    }

    /// The checker itself catches what it should: a request, a console error and an injected script.
    @Test func theCheckerReportsRequestsConsoleErrorsAndInjectedScripts() throws {
        guard let path = Self.browser else { return }
        let dir = try TemporaryDirectory.make()
        let page = dir.appendingPathComponent("bad.html")
        try Data("""
            <!DOCTYPE html><html><head><title>bad</title></head><body><img src="http://127.0.0.1:9/x.png">
            <script>console.error("boom"); window.__pwned = 1</script></body></html>
            """.utf8).write(to: page)
        let problems = try checkPage(browserPath: path, page: page, shots: nil, prefix: "bad", expectClean: false)
        #expect(problems.contains { $0.hasPrefix("request to http://127.0.0.1:9/x.png") })
        #expect(problems.contains { $0.hasPrefix("console error") })
        #expect(problems.contains { $0.hasPrefix("script from the data ran") })
    }

    /// Loads the page and returns what went wrong; with `shots`, writes the four PNGs.
    func checkPage(browserPath: String, page: URL, shots: URL?, prefix: String, expectClean: Bool = true) throws -> [String] {
        let browser = try Browser(path: browserPath)
        let targets = try browser.send("Target.getTargets")["targetInfos"] as? [[String: Any]] ?? []
        let targetID: String
        if let existing = targets.first(where: { $0["type"] as? String == "page" })?["targetId"] as? String {
            targetID = existing
        } else {
            targetID = try #require(try browser.send("Target.createTarget", ["url": "about:blank"])["targetId"] as? String)
        }
        let session = try #require(try browser.send("Target.attachToTarget", ["targetId": targetID, "flatten": true])["sessionId"] as? String)
        for domain in ["Runtime", "Log", "Network", "Page"] { try browser.send("\(domain).enable", session: session) }
        try browser.send("Emulation.setDeviceMetricsOverride", ["width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false], session: session)
        let mark = browser.events.count
        try browser.send("Page.navigate", ["url": page.absoluteString], session: session)
        _ = try browser.waitFor("Page.loadEventFired", from: mark)

        func evaluate(_ expression: String) throws -> Any? {
            let r = try browser.send("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
            return (r["result"] as? [String: Any])?["value"]
        }
        var problems: [String] = []
        if try evaluate("typeof window.__pwned") as? String != "undefined" { problems.append("script from the data ran") }
        guard expectClean else { return problems + browserProblems(browser.events) }
        #expect(try evaluate("document.scripts.length") as? Int == 1)
        #expect(try evaluate("document.querySelectorAll('img,iframe,object,embed,link').length") as? Int == 0)
        // The inline script ran: sorting headers are marked.
        #expect(try evaluate("document.querySelectorAll('th[data-sort]').length") as? Int ?? 0 > 0)

        for (width, mobile) in [(1280, false), (400, true)] {
            for scheme in ["light", "dark"] {
                try browser.send("Emulation.setEmulatedMedia", ["features": [["name": "prefers-color-scheme", "value": scheme]]], session: session)
                try browser.send("Emulation.setDeviceMetricsOverride", ["width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile], session: session)
                let background = try evaluate("getComputedStyle(document.body).backgroundColor") as? String
                #expect(background == (scheme == "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)"))
                if width == 400 {
                    let overflow = try evaluate("document.documentElement.scrollWidth - window.innerWidth") as? Int
                    #expect(overflow == 0, "the page scrolls sideways at 400 px by \(overflow ?? -1) px")
                }
                let height = min(try evaluate("document.documentElement.scrollHeight") as? Int ?? 900, 16_000)
                let shot = try browser.send("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                                    "clip": ["x": 0, "y": 0, "width": width, "height": height, "scale": 1]], session: session)
                let png = try #require(Data(base64Encoded: shot["data"] as? String ?? ""))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
                if let shots { try png.write(to: shots.appendingPathComponent("\(prefix)-\(width)-\(scheme).png")) }
                // Tiles a person can read at full size (set YARDSTICK_REPORT_TILES=1).
                if let shots, ProcessInfo.processInfo.environment["YARDSTICK_REPORT_TILES"] != nil {
                    let tile = width == 400 ? 800 : 1000
                    for (i, y) in stride(from: 0, to: height, by: tile).enumerated() {
                        let part = try browser.send("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                                            "clip": ["x": 0, "y": y, "width": width, "height": min(tile, height - y), "scale": 1]], session: session)
                        try Data(base64Encoded: part["data"] as? String ?? "")?.write(to: shots.appendingPathComponent("\(prefix)-\(width)-\(scheme)-\(i).png"))
                    }
                }
            }
        }

        #expect(browser.events.contains { $0["method"] as? String == "Network.requestWillBeSent" }, "the request listener saw nothing")
        return problems + browserProblems(browser.events)
    }

    func browserProblems(_ events: [[String: Any]]) -> [String] {
        var problems: [String] = []
        for event in events {
            let params = event["params"] as? [String: Any] ?? [:]
            switch event["method"] as? String {
            case "Network.requestWillBeSent":
                let url = (params["request"] as? [String: Any])?["url"] as? String ?? ""
                if !(url.hasPrefix("file:") || url.hasPrefix("data:")) { problems.append("request to \(url)") }
            case "Runtime.exceptionThrown":
                problems.append("exception: \(params["exceptionDetails"] ?? "")")
            case "Runtime.consoleAPICalled" where ["error", "warning", "assert"].contains(params["type"] as? String ?? ""):
                problems.append("console \(params["type"] ?? ""): \(params["args"] ?? "")")
            case "Log.entryAdded":
                let entry = params["entry"] as? [String: Any] ?? [:]
                if ["error", "warning"].contains(entry["level"] as? String ?? "") { problems.append("log: \(entry["text"] ?? "") \(entry["url"] ?? "")") }
            default: break
            }
        }
        return problems
    }
}
