import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// `runs compare` tests stored runs against each other from their per-segment statistics, with the numbers
/// `score --paired-bs` gives for the same files.
@Suite struct CompareCLITests {
    /// sacrebleu's paired-bootstrap inputs (400 real segments, two systems), written as two different files of the
    /// same test set: plain text with CRLF line ends, and JSON Lines with the keys in another order.
    func pairedFiles() throws -> (dir: URL, sys1: String, sys2: String, refCRLF: String, jsonl: String, ref: String) {
        let dir = try TemporaryDirectory.make()
        let ref = Fixtures.url("metrics/significance/paired_bs.ref.txt").path
        let sys1 = Fixtures.url("metrics/significance/paired_bs.sys1.txt").path
        let sys2 = Fixtures.url("metrics/significance/paired_bs.sys2.txt").path
        let refs = try String(contentsOfFile: ref, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let hyps2 = try String(contentsOfFile: sys2, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let crlf = dir.appendingPathComponent("ref-crlf.txt")
        try Data((refs.joined(separator: "\r\n") + "\r\n").utf8).write(to: crlf)
        let jsonl = dir.appendingPathComponent("sys2.jsonl")
        var lines = ""
        for (r, h) in zip(refs, hyps2) {
            let row = try JSONSerialization.data(withJSONObject: ["reference": String(r)], options: [])
            let hyp = try JSONSerialization.data(withJSONObject: [String(h)], options: [])
            // "reference" first, then "hypothesis": the other file's field order does not matter.
            lines += String(decoding: row.dropLast(), as: UTF8.self) + ",\"hypothesis\":" + String(decoding: hyp.dropFirst().dropLast(), as: UTF8.self) + "}\n"
        }
        try Data(lines.utf8).write(to: jsonl)
        return (dir, sys1, sys2, crlf.path, jsonl.path, ref)
    }

    @Test(arguments: Backend.available) func runsScoredFromDifferentFilesOfOneTestSetShareItAndCompareAsScoreDoes(_ backend: Backend) throws {
        let f = try pairedFiles()
        let db = try backend.newLocation(in: f.dir)
        for metric in ["bleu", "chrf"] {
            let a = try CLIRunner.run(["score", metric, "--hyp", f.sys1, "--ref", f.refCRLF, "--run", "sys1", "--db", db, "--no-confidence"])
            #expect(a.status == 0, "\(a.stderr)")
            let b = try CLIRunner.run(["score", metric, "--data", f.jsonl, "--run", "sys2", "--db", db, "--no-confidence"])
            #expect(b.status == 0, "\(b.stderr)")
        }
        let store = try Store(path: db)
        let first = try store.evaluations(run: try store.resolveRun("sys1", experiment: nil).id)
        let second = try store.evaluations(run: try store.resolveRun("sys2", experiment: nil).id)
        #expect(Set(first.compactMap(\.dataset) + second.compactMap(\.dataset)).count == 1, "one dataset for both files")

        let compared = try CLIRunner.run(["runs", "compare", "sys1", "sys2", "--db", db, "--json"])
        #expect(compared.status == 0, "\(compared.stderr)")
        let paired = try #require((try CLIRunner.json(compared) as? [String: Any])?["paired"] as? [[String: Any]])
        #expect(paired.map { $0["metric"] as? String } == ["bleu", "chrf"])
        for (metric, row) in zip(["bleu", "chrf"], paired) {
            let scored = try CLIRunner.run(["score", metric, "--hyp", f.sys1, "--hyp", f.sys2, "--ref", f.ref, "--paired-bs", "--json", "--no-confidence"])
            let systems = try #require((try CLIRunner.json(scored) as? [String: Any])?["systems"] as? [[String: Any]])
            let test = try #require(systems[1]["paired"] as? [String: Any])
            #expect(Fixtures.double(row["p_value"]) == Fixtures.double(test["p_value"]), "\(metric) p-value")
            #expect(Fixtures.double(row["difference"]) == Fixtures.double(test["difference"]))
            #expect(Fixtures.double(row["difference_low"]) == Fixtures.double(test["difference_low"]))
            #expect(Fixtures.double(row["difference_high"]) == Fixtures.double(test["difference_high"]))
        }
        // sacrebleu 2.6.0's own p-values for these files (Tests/Fixtures/metrics/significance), read as text because
        // Foundation's JSON reader on Linux may be one ulp off.
        #expect(compared.stdout.contains("\"p_value\":0.15184815184815184"), "BLEU p-value as sacrebleu's")
        #expect(compared.stdout.contains("\"p_value\":0.07192807192807193"), "chrF p-value as sacrebleu's")

        let text = try CLIRunner.run(["runs", "compare", "sys1", "sys2", "--db", db])
        #expect(text.status == 0 && text.stdout.contains("DIFFERENCE") && text.stdout.contains("paired-bs"), "\(text.stdout)")
        let ar = try CLIRunner.run(["runs", "compare", "sys1", "sys2", "--db", db, "--paired-ar", "--json"])
        let arRows = try #require((try CLIRunner.json(ar) as? [String: Any])?["paired"] as? [[String: Any]])
        let arScored = try CLIRunner.run(["score", "bleu", "--hyp", f.sys1, "--hyp", f.sys2, "--ref", f.ref, "--paired-ar", "--json", "--no-confidence"])
        let arSystems = try #require((try CLIRunner.json(arScored) as? [String: Any])?["systems"] as? [[String: Any]])
        #expect(Fixtures.double(arRows[0]["p_value"]) == Fixtures.double((arSystems[1]["paired"] as? [String: Any])?["p_value"]))
    }

    @Test(arguments: Backend.available) func classifiersWithDifferentLabelSetsCompareAsScoreDoes(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let rows = try Fixtures.jsonLines("metrics/classification/sections.jsonl")
        func write(_ name: String, _ lines: [String]) throws -> String {
            let url = dir.appendingPathComponent(name)
            try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let gold = try write("gold.txt", rows.map { $0["label"] as! String })
        let keyword = try write("keyword.txt", rows.map { $0["pred"] as! String })
        let majority = try write("majority.txt", rows.map { _ in "libs" })
        for (name, hyp) in [("majority", majority), ("keyword", keyword)] {
            let r = try CLIRunner.run(["score", "accuracy", "--hyp", hyp, "--ref", gold, "--run", name, "--db", db, "--no-confidence"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let compared = try CLIRunner.run(["runs", "compare", "majority", "keyword", "--db", db, "--json"])
        let paired = try #require((try CLIRunner.json(compared) as? [String: Any])?["paired"] as? [[String: Any]])
        #expect(paired.map { $0["metric"] as? String } == ["accuracy", "macro_f1"], "the two label sets are put in one layout")
        let scored = try CLIRunner.run(["score", "accuracy", "--hyp", majority, "--hyp", keyword, "--ref", gold, "--paired-bs",
                                        "--json", "--no-confidence"])
        let systems = try #require((try CLIRunner.json(scored) as? [String: Any])?["systems"] as? [[String: Any]])
        let tests = try #require(systems[1]["paired"] as? [String: [String: Any]])
        for row in paired {
            let test = try #require(tests[row["metric"] as! String])
            #expect(Fixtures.double(row["p_value"]) == Fixtures.double(test["p_value"]))
            #expect(Fixtures.double(row["difference"]) == Fixtures.double(test["difference"]))
            #expect(Fixtures.double(row["difference_low"]) == Fixtures.double(test["difference_low"]))
        }
    }

    @Test(arguments: Backend.available) func metricsOnDifferentDatasetsOrSignaturesAreListedNotCompared(_ backend: Backend) throws {
        let f = try pairedFiles()
        let db = try backend.newLocation(in: f.dir)
        let half = f.dir.appendingPathComponent("half.txt")
        let lines = try String(contentsOfFile: f.ref, encoding: .utf8).split(separator: "\n").prefix(200)
        try (lines.joined(separator: "\n") + "\n").write(to: half, atomically: true, encoding: .utf8)
        let hypHalf = f.dir.appendingPathComponent("hyp-half.txt")
        let hyps = try String(contentsOfFile: f.sys1, encoding: .utf8).split(separator: "\n").prefix(200)
        try (hyps.joined(separator: "\n") + "\n").write(to: hypHalf, atomically: true, encoding: .utf8)
        #expect(try CLIRunner.run(["score", "bleu", "--hyp", f.sys1, "--ref", f.ref, "--run", "a", "--db", db, "--no-confidence"]).status == 0)
        #expect(try CLIRunner.run(["score", "bleu", "--hyp", hypHalf.path, "--ref", half.path, "--run", "b", "--db", db, "--no-confidence"]).status == 0)
        #expect(try CLIRunner.run(["score", "chrf", "--hyp", f.sys1, "--ref", f.ref, "--run", "a", "--db", db, "--no-confidence"]).status == 0)
        #expect(try CLIRunner.run(["score", "chrf", "--hyp", f.sys2, "--ref", f.ref, "--run", "b", "--db", db, "--no-confidence", "--word-order", "2"]).status == 0)
        let r = try CLIRunner.run(["runs", "compare", "a", "b", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try CLIRunner.json(r) as? [String: Any])
        #expect((object["paired"] as? [Any])?.isEmpty == true)
        let reasons = try #require(object["not_compared"] as? [[String: Any]])
        #expect(reasons.map { $0["metric"] as? String } == ["bleu"], "chrf and chrf++ are different metrics")
        #expect((reasons[0]["reason"] as? String)?.contains("different datasets") == true)
        let list = try CLIRunner.run(["runs", "list", "--db", db, "--where", "metrics.bleu > 0"])
        #expect(list.status == 1 && list.stderr.contains("evaluated on 2 datasets"), "\(list.stderr)")
    }

    @Test(arguments: Backend.available) func rougeStoresStatisticsAndExampleScoresForEveryType(_ backend: Backend) throws {
        let dir = try TemporaryDirectory.make()
        let db = try backend.newLocation(in: dir)
        let data = Fixtures.url("metrics/summary/descriptions.jsonl").path
        let r = try CLIRunner.run(["score", "rouge", "--data", data, "--hyp-field", "lead1", "--ref-field", "reference",
                                   "--run", "lead1", "--db", db, "--resamples", "50"])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try Store(path: db)
        let evaluation = try #require(try store.evaluations(run: try store.resolveRun("lead1", experiment: nil).id).first)
        #expect(evaluation.metrics.map(\.name) == ["rouge1", "rouge2", "rougeL", "rougeLsum"])
        #expect(Set(evaluation.metrics.compactMap(\.statisticsID)).count == 1, "one statistics blob serves the four types")
        #expect(evaluation.metrics.allSatisfy { $0.ciLevel == 0.95 })
        let predictions = try store.predictions(evaluation: evaluation.id)
        #expect(predictions.count == 700)
        #expect(predictions.allSatisfy { p in ["rouge1", "rouge2", "rougeL", "rougeLsum"].allSatisfy { p.scores[$0] != nil } })
        let stats = try store.statistics(id: evaluation.metrics[0].statisticsID!)
        #expect(stats.statistics.count == 700 && stats.options.metric == .rouge)
    }
}
