import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// End-to-end tests: the built `yardstick` binary on fixture files, checked against the reference libraries' values.
/// The command's JSON output, parsed with correctly rounded numbers (JSONSerialization on Linux can be one ulp
/// off, and the scores are compared bit for bit).
func exactJSON(_ result: CLIRunner.Result) throws -> Any {
    try Fixtures.parse(Data(result.stdout.utf8))
}

@Suite struct ScoreCLITests {
    /// Writes a translation fixture as sacrebleu-style plain-text files and returns (hyp, [ref…]) paths.
    func translationFiles(_ set: String, refs: Int = 1) throws -> (URL, String, [String]) {
        let dir = try TemporaryDirectory.make()
        let rows = try Fixtures.jsonLines("translation/\(set).jsonl".metrics)
        let hyp = dir.appendingPathComponent("hyp.txt")
        try (rows.map { $0["hyp"] as! String }.joined(separator: "\n") + "\n").write(to: hyp, atomically: true, encoding: .utf8)
        var refPaths: [String] = []
        for k in 0..<refs {
            let ref = dir.appendingPathComponent("ref\(k).txt")
            try (rows.map { ($0["refs"] as! [String])[k] }.joined(separator: "\n") + "\n").write(to: ref, atomically: true, encoding: .utf8)
            refPaths.append(ref.path)
        }
        return (dir, hyp.path, refPaths)
    }

    func expectedCase(_ set: String, _ section: String, _ name: String) throws -> [String: Any] {
        let doc = try Fixtures.json("translation/\(set).expected.json".metrics) as! [String: Any]
        let cases = doc[section] as! [[String: Any]]
        return try #require(cases.first { $0["case"] as? String == name }, "no case \(name)")
    }

    func signatureMatches(_ got: Any?, _ want: Any?) -> Bool {
        guard let got = got as? String, let want = want as? String else { return false }
        return got == want.replacingOccurrences(of: "version:2.6.0", with: "version:yardstick-0.1.0")
    }

    @Test func bleuJSONEqualsSacrebleuCorpusScore() throws {
        let (_, hyp, refs) = try translationFiles("tr_de")
        let r = try CLIRunner.run(["score", "bleu", "--hyp", hyp, "--ref", refs[0], "--json", "--no-confidence"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let want = try expectedCase("tr_de", "corpus_bleu", "bleu/refs=1/tok=13a/lc=false/smooth=exp/eff=false")
        for key in ["score", "bp", "ratio"] {
            #expect(Fixtures.double(got[key])! == Fixtures.double(want[key])!, "\(key)")
        }
        for key in ["counts", "totals", "precisions"] {
            let g = Fixtures.doubles(got[key])!, w = Fixtures.doubles(want[key])!
            #expect(g.count == w.count && g == w, "\(key): \(g) vs \(w)")
        }
        #expect(got["sys_len"] as? Int == want["sys_len"] as? Int)
        #expect(got["ref_len"] as? Int == want["ref_len"] as? Int)
        #expect(signatureMatches(got["signature"], want["signature"]))
    }

    @Test func bleuTextOutputIsSacrebleusFormattedLine() throws {
        let (_, hyp, refs) = try translationFiles("tr_de")
        let r = try CLIRunner.run(["score", "bleu", "--hyp", hyp, "--ref", refs[0]])
        let want = try expectedCase("tr_de", "corpus_bleu", "bleu/refs=1/tok=13a/lc=false/smooth=exp/eff=false")
        #expect(r.stdout.split(separator: "\n").first.map(String.init) == want["formatted"] as? String)
        #expect(r.stdout.contains("95% CI score: ["))
    }

    @Test func bleuWithTwoReferenceFilesAndOptionsEqualsSacrebleu() throws {
        let (_, hyp, refs) = try translationFiles("multiref", refs: 2)
        let r = try CLIRunner.run(["score", "bleu", "--hyp", hyp, "--ref", refs[0], "--ref", refs[1], "--tokenize", "intl",
                                   "--lowercase", "--smooth", "floor", "--json", "--no-confidence"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let want = try expectedCase("multiref", "corpus_bleu", "bleu/refs=2/tok=intl/lc=true/smooth=floor/eff=false")
        #expect(Fixtures.double(got["score"])! == Fixtures.double(want["score"])!)
        #expect(signatureMatches(got["signature"], want["signature"]))
    }

    @Test func chrfPlusPlusJSONEqualsSacrebleu() throws {
        let (_, hyp, refs) = try translationFiles("tr_fr")
        let r = try CLIRunner.run(["score", "chrf", "--word-order", "2", "--hyp", hyp, "--ref", refs[0], "--json", "--no-confidence"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let want = try expectedCase("tr_fr", "corpus_chrf", "chrf/refs=1/word_order=2/eps=false/lc=false/whitespace=false")
        #expect(got["name"] as? String == want["name"] as? String)
        #expect(Fixtures.double(got["score"])! == Fixtures.double(want["score"])!)
        #expect(Fixtures.doubles(got["stats"]) == Fixtures.doubles(want["stats"]))
        #expect(signatureMatches(got["signature"], want["signature"]))
    }

    @Test func terJSONEqualsSacrebleu() throws {
        let (_, hyp, refs) = try translationFiles("var_en")
        let r = try CLIRunner.run(["score", "ter", "--hyp", hyp, "--ref", refs[0], "--json", "--no-confidence"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let doc = try Fixtures.json("translation/var_en.expected.json".metrics) as! [String: Any]
        let want = (doc["corpus_ter"] as! [[String: Any]])[0]
        #expect(Fixtures.double(got["score"])! == Fixtures.double(want["score"])!)
        #expect(Fixtures.double(got["num_edits"]) == Fixtures.double(want["num_edits"]))
        #expect(signatureMatches(got["signature"], want["signature"]))
    }

    @Test func rougeFromJSONLinesEqualsRougeScoreMeans() throws {
        let r = try CLIRunner.run(["score", "rouge", "--data", Fixtures.url("summary/descriptions.jsonl".metrics).path,
                                   "--hyp-field", "lead3", "--ref-field", "reference", "--stemmer", "--json", "--no-confidence"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = (try exactJSON(r) as! [String: Any])["scores"] as! [String: [String: Any]]
        let means = (try Fixtures.json("summary/descriptions.rouge.expected.json".metrics) as! [String: Any])["means"] as! [String: Any]
        let want = (means["lead3"] as! [String: Any])["stem"] as! [String: [String: Any]]
        for type in ["rouge1", "rouge2", "rougeL", "rougeLsum"] {
            for field in ["precision", "recall", "fmeasure"] {
                #expect(Fixtures.double(got[type]?[field])! == Fixtures.double(want[type]?[field])!, "\(type) \(field)")
            }
        }
    }

    @Test func accuracyFromJSONLinesEqualsScikitLearn() throws {
        let r = try CLIRunner.run(["score", "accuracy", "--data", Fixtures.url("classification/sections.jsonl".metrics).path,
                                   "--hyp-field", "pred", "--ref-field", "label", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let want = try Fixtures.json("classification/sections.expected.json".metrics) as! [String: Any]
        #expect(Fixtures.double(got["accuracy"])! == Fixtures.double(want["accuracy"])!)
        let gotAverages = got["averages"] as! [String: [String: Any]]
        let wantAverages = want["averages"] as! [String: [String: Any]]
        for avg in ["macro", "micro", "weighted"] {
            for field in ["precision", "recall", "f1"] {
                #expect(Fixtures.double(gotAverages[avg]?[field])! == Fixtures.double(wantAverages[avg]?[field])!, "\(avg) \(field)")
            }
        }
        #expect((got["per_class"] as! [Any]).count == (want["labels"] as! [Any]).count)
        let confidence = got["confidence"] as! [String: [String: Any]]
        let ci = confidence["accuracy"]!
        #expect(Fixtures.double(ci["low"])! <= Fixtures.double(want["accuracy"])!)
        #expect(Fixtures.double(ci["high"])! >= Fixtures.double(want["accuracy"])!)
    }

    @Test func pairedBootstrapMatchesSacrebleuScoresAndPValue() throws {
        let dir = Fixtures.url("significance".metrics)
        let r = try CLIRunner.run(["score", "bleu", "--hyp", dir.appendingPathComponent("paired_bs.sys1.txt").path,
                                   "--hyp", dir.appendingPathComponent("paired_bs.sys2.txt").path,
                                   "--ref", dir.appendingPathComponent("paired_bs.ref.txt").path, "--paired-bs", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let systems = got["systems"] as! [[String: Any]]
        #expect(systems.count == 2)
        #expect(Fixtures.double(systems[0]["score"])! == 49.79528558185578)
        #expect(Fixtures.double(systems[1]["score"])! == 51.20090389524754)
        // Same numpy RNG and float32 arithmetic as sacrebleu: the p-value is sacrebleu's to the bit, not just close.
        let p = Fixtures.double((systems[1]["paired"] as! [String: Any])["p_value"])!
        #expect(p == 0.15184815184815184, "p = \(p)")
        let ci = systems[1]["confidence"] as! [String: Any]
        #expect(Fixtures.double(ci["mean"])! == 51.132003157584144)
        #expect(Fixtures.double(ci["half_width"])! == 4.733472746185807)
    }

    @Test func sentenceModeWritesOneJSONObjectPerSegment() throws {
        let (_, hyp, refs) = try translationFiles("tr_it")
        let r = try CLIRunner.run(["score", "bleu", "--hyp", hyp, "--ref", refs[0], "--sentence"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 312)
        let first = try Fixtures.parse(Data(lines[0].utf8)) as! [String: Any]
        let want = try Fixtures.jsonLines("translation/tr_it.sentence.expected.jsonl".metrics)[0]["sentence_bleu"] as! [String: Any]
        #expect(Fixtures.double(first["score"])! == Fixtures.double(want["score"])!)
        #expect(signatureMatches(first["signature"], want["signature"]))
    }

    @Test func hypothesesCanComeFromStandardInput() throws {
        let (_, hyp, refs) = try translationFiles("tr_de")
        let fromFile = try CLIRunner.run(["score", "chrf", "--hyp", hyp, "--ref", refs[0], "--json", "--no-confidence"])
        let fromStdin = try CLIRunner.run(["score", "chrf", "--hyp", "-", "--ref", refs[0], "--json", "--no-confidence"],
                                          stdin: try Data(contentsOf: URL(fileURLWithPath: hyp)))
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        #expect(fromFile.stdout == fromStdin.stdout)
    }

    @Test func lineCountMismatchNamesTheFileAndExitsOne() throws {
        let dir = try TemporaryDirectory.make()
        let hyp = dir.appendingPathComponent("h.txt"), ref = dir.appendingPathComponent("r.txt")
        try "a\nb\nc\n".write(to: hyp, atomically: true, encoding: .utf8)
        try "a\nb\n".write(to: ref, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["score", "bleu", "--hyp", hyp.path, "--ref", ref.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: \(ref.path)"), "\(r.stderr)")
        #expect(r.stderr.contains("2 lines"), "\(r.stderr)")
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let dir = try TemporaryDirectory.make()
        let hyp = dir.appendingPathComponent("h.txt"), ref = dir.appendingPathComponent("r.txt")
        var bytes = Array("ok\nfine\nbad ".utf8)
        bytes.append(0xFF)
        try Data(bytes).write(to: hyp)
        try "a\nb\nc\n".write(to: ref, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["score", "chrf", "--hyp", hyp.path, "--ref", ref.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(hyp.path):3: invalid UTF-8"), "\(r.stderr)")
    }

    @Test func emptyAndMissingFilesAreClearErrors() throws {
        let dir = try TemporaryDirectory.make()
        let empty = dir.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        let r1 = try CLIRunner.run(["score", "ter", "--hyp", empty.path, "--ref", empty.path])
        #expect(r1.status == 1)
        #expect(r1.stderr.contains("\(empty.path): file is empty"), "\(r1.stderr)")
        let r2 = try CLIRunner.run(["score", "ter", "--hyp", dir.appendingPathComponent("nope.txt").path, "--ref", empty.path])
        #expect(r2.status == 1)
        #expect(r2.stderr.contains("nope.txt: no such file"), "\(r2.stderr)")
    }

    @Test func jsonLinesRowWithoutTheFieldNamesTheLine() throws {
        let dir = try TemporaryDirectory.make()
        let data = dir.appendingPathComponent("d.jsonl")
        try "{\"hypothesis\": \"a b\", \"reference\": \"a b\"}\n{\"hypothesis\": \"c\"}\n".write(to: data, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["score", "rouge", "--data", data.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(data.path):2: row has no field 'reference'"), "\(r.stderr)")
    }

    @Test func usageErrorsExitTwo() throws {
        let r1 = try CLIRunner.run(["score", "bleu", "--ref", "x.txt"])
        #expect(r1.status == 2)
        let r2 = try CLIRunner.run(["score", "blue", "--hyp", "a", "--ref", "b"])
        #expect(r2.status == 2)
        let r3 = try CLIRunner.run(["score", "bleu", "--hyp", "a", "--ref", "b", "--tokenize", "moses"])
        #expect(r3.status == 2)
        #expect(r3.stderr.contains("--tokenize"))
    }

    @Test(arguments: Backend.available) func scoreWithRunRecordsEvaluationsExamplesAndTheTestSet(_ backend: Backend) throws {
        let (dir, hyp, refs) = try translationFiles("tr_de")
        let db = try backend.newLocation(in: dir)
        let r = try CLIRunner.run(["score", "bleu", "--hyp", hyp, "--ref", refs[0], "--run", "de-tar",
                                   "--experiment", "mt", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("recorded bleu = 42.92 (419 examples) in run de-tar"), "\(r.stderr)")
        _ = try exactJSON(r)  // stdout stays pure JSON
        let store = try Store(path: db)
        let run = try store.resolveRun("de-tar", experiment: "mt")
        let evaluations = try store.evaluations(run: run.id)
        let evaluation = try #require(evaluations.first)
        #expect(evaluations.count == 1)
        let bleu = try #require(evaluation.metrics.first)
        let want = try expectedCase("tr_de", "corpus_bleu", "bleu/refs=1/tok=13a/lc=false/smooth=exp/eff=false")
        #expect(evaluation.metrics.map(\.name) == ["bleu"])
        #expect(bleu.score == Fixtures.double(want["score"])!)
        #expect(signatureMatches(bleu.signature, want["signature"]))
        #expect(bleu.ciLow! < bleu.score && bleu.score < bleu.ciHigh! && bleu.ciLevel == 0.95)
        let statistics = try store.statistics(id: try #require(bleu.statisticsID))
        #expect(statistics.statistics.count == 419 && statistics.statistics.totals()[0] == 2176 && statistics.statistics.totals()[1] == 2169)
        #expect(evaluation.dataset?.path == refs[0] && evaluation.dataset?.contentSHA256?.count == 64 && evaluation.dataset?.exampleCount == 419)
        let examples = try store.predictions(evaluation: evaluation.id)
        #expect(examples.count == 419)
        let sentence = try Fixtures.jsonLines("translation/tr_de.sentence.expected.jsonl".metrics)[0]["sentence_bleu"] as! [String: Any]
        #expect(examples[0].scores["bleu"]! == Fixtures.double(sentence["score"])!, "sentence BLEU per example")
        let listed = try CLIRunner.run(["runs", "list", "--db", db, "--where", "metrics.bleu > 40", "--json"])
        #expect((try exactJSON(listed) as! [[String: Any]]).map { $0["name"] as? String } == ["de-tar"])
    }

    @Test func exactMatchWithSquadNormalizationEqualsTheSquadV11ScriptAndNamesIt() throws {
        let want = ((try Fixtures.json("squad/squad_v11.expected.json".metrics) as! [String: Any])["sets"]
            as! [String: [String: Any]])["punct"]!
        for (option, name) in [("squad", "squad-v1.1"), ("squad-unicode", "squad-unicode")] {
            let r = try CLIRunner.run(["score", "exact-match", "--data", Fixtures.url("translation/punct.jsonl".metrics).path,
                                       "--hyp-field", "hyp", "--ref-field", "refs", "--normalize", option,
                                       "--json", "--no-confidence"])
            #expect(r.status == 0, "\(r.stderr)")
            let got = try exactJSON(r) as! [String: Any]
            #expect(got["normalization"] as? String == name)
            #expect((got["signature"] as? String)?.hasPrefix("nrefs:1|norm:\(name)|") == true, "\(String(describing: got["signature"]))")
            #expect(got["n"] as? Int == 300)
            if option == "squad" {
                #expect(Fixtures.double(got["exact_match"])! == Fixtures.double(want["exact_match"])!)
                #expect(Fixtures.double(got["f1"])! == Fixtures.double(want["f1"])!)
            } else {
                // Stripping « » “ ” … too makes more answers match than the official script finds.
                #expect(Fixtures.double(got["f1"])! > Fixtures.double(want["f1"])!)
            }
        }
    }

    @Test func accuracyOfTwoSystemsInJSONEqualsScikitLearnForEachSystemAlone() throws {
        let doc = try Fixtures.json("classification/sections.systems.expected.json".metrics) as! [String: Any]
        let expected = doc["systems"] as! [String: [String: Any]]
        let names = ["keyword", "majority"]
        let r = try CLIRunner.run(["score", "accuracy", "--data", Fixtures.url("classification/sections.systems.jsonl".metrics).path,
                                   "--hyp-field", names[0], "--hyp-field", names[1], "--ref-field", "label",
                                   "--json", "--resamples", "100"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try exactJSON(r) as! [String: Any]
        let systems = try #require(got["systems"] as? [[String: Any]])
        #expect(systems.count == 2)
        for (system, name) in zip(systems, names) {
            let want = expected[name]!
            #expect(Fixtures.double(system["accuracy"])! == Fixtures.double(want["accuracy"])!, "\(name): accuracy")
            #expect(system["correct"] as? Int == want["n_correct"] as? Int && system["total"] as? Int == 1879, "\(name): counts")
            let gotAverages = system["averages"] as! [String: [String: Any]], wantAverages = want["averages"] as! [String: [String: Any]]
            for average in ["macro", "micro", "weighted"] {
                for field in ["precision", "recall", "f1"] {
                    #expect(Fixtures.double(gotAverages[average]?[field])! == Fixtures.double(wantAverages[average]?[field])!,
                            "\(name): \(average) \(field)")
                }
            }
            let gotClasses = system["per_class"] as! [[String: Any]], wantClasses = want["per_class"] as! [[String: Any]]
            #expect(gotClasses.map { $0["label"] as! String } == wantClasses.map { $0["label"] as! String }, "\(name): labels")
            for (g, w) in zip(gotClasses, wantClasses) {
                for field in ["precision", "recall", "f1"] {
                    #expect(Fixtures.double(g[field])! == Fixtures.double(w[field])!, "\(name) \(w["label"]!): \(field)")
                }
                #expect(g["support"] as? Int == w["support"] as? Int, "\(name) \(w["label"]!): support")
            }
            #expect((system["signature"] as? String)?.contains("|labels:\(wantClasses.count)|") == true, "\(name): signature")
            #expect(((system["confusion"] as? [String: Any])?["labels"] as? [String]) == wantClasses.map { $0["label"] as! String })
        }
        #expect(systems[1]["paired"] != nil, "the second system is tested against the first")
    }

    @Test func rougeWarnsWhenTheCompatibleTokenizerDropsMostCharacters() throws {
        let r = try CLIRunner.run(["score", "rouge", "--data", Fixtures.url("summary/nonascii_translations.jsonl".metrics).path,
                                   "--hyp-field", "prediction", "--ref-field", "reference", "--json", "--no-confidence"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: the rouge-score tokenizer drops non-ASCII letters"), "\(r.stderr)")
    }
}

extension String {
    /// A path under the metrics fixtures.
    var metrics: String { "metrics/" + self }
}
