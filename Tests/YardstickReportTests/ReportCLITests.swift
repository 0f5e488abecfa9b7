import Foundation
import Testing
import YardstickMetrics
import YardstickReport
import YardstickStore
import YardstickTestSupport

@Suite struct ReportCLITests {
    @Test(arguments: Backend.available) func reportCommandWritesBothFormatsFromRealLogsAndScores(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir, name: "r.db")
        let logs = Fixtures.repositoryRoot.appendingPathComponent("experiments/logs")
        let files = try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted().filter { !$0.hasSuffix(".md") }
            .map { logs.appendingPathComponent($0).path }
        #expect(try CLIRunner.run(["import", "--db", db, "--experiment", "demo"] + files).status == 0)
        let translation = Fixtures.repositoryRoot.appendingPathComponent("experiments/translation")
        for system in ["sys1", "sys2"] {
            let r = try CLIRunner.run(["score", "bleu", "--hyp", translation.appendingPathComponent("multi.\(system).txt").path,
                                       "--ref", translation.appendingPathComponent("multi.ref.txt").path, "--run", system, "--experiment", "demo", "--db", db])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let out = dir.appendingPathComponent("out").path
        let result = try CLIRunner.run(["report", "--db", db, "--experiment", "demo", "--out", out, "--smoothing", "0.8"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(out)/index.html\n\(out)/report.md\n")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("ner-lr5e-5") && html.contains("weight 0.8"))
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("sys2 − sys1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/charts").count > 5)

        // The paired numbers are those of `runs compare`.
        let store = try Store(path: db)
        let runs = try ["sys1", "sys2"].map { try store.resolveRun($0, experiment: "demo") }
        let data = try ReportData.load(store: store, runs: runs)
        #expect(data.comparisons == (try store.pairedComparisons(runs: runs.map(\.id), configuration: ScoreConfiguration()).comparisons))
        #expect(data.comparisons.count == 1 && data.comparisons[0].metric == "bleu")
    }

    @Test func reportCommandErrorsFollowTheErrorPolicy() throws {
        let dir = try TemporaryDirectory.make()
        let db = dir.appendingPathComponent("r.db").path
        let missing = try CLIRunner.run(["report", "--db", db])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("error: ") && missing.stderr.split(separator: "\n").count == 1)
        _ = try Store(path: db).createRun(experiment: "e", name: "a")
        let badFilter = try CLIRunner.run(["report", "--db", db, "--where", "params.x >="])
        #expect(badFilter.status == 1 && badFilter.stderr.hasPrefix("error: --where"))
        let unknownRun = try CLIRunner.run(["report", "nope", "--db", db, "--out", dir.appendingPathComponent("o").path])
        #expect(unknownRun.status == 1 && unknownRun.stderr.hasPrefix("error: "))
        let usage = try CLIRunner.run(["report", "--db", db, "--format", "pdf"])
        #expect(usage.status == 2)
        let ok = try CLIRunner.run(["report", "--db", db, "--format", "html", "--out", dir.appendingPathComponent("o").path])
        #expect(ok.status == 0 && FileManager.default.fileExists(atPath: dir.appendingPathComponent("o/index.html").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o/report.md").path))
    }
}
