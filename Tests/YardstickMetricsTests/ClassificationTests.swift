import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickMetrics

private struct SectionsFixture {
    let truth: [String]
    let predicted: [String]
    let expected: [String: Any]

    init() throws {
        let rows = try Fixtures.jsonLines("metrics/classification/sections.jsonl")
        truth = rows.map { $0["label"] as! String }
        predicted = rows.map { $0["pred"] as! String }
        expected = try Fixtures.json("metrics/classification/sections.expected.json") as! [String: Any]
    }
}

/// Compares an average with the fixture's `{precision, recall, f1}` object.
func expectAverage(_ got: ClassificationReport.Average, _ want: Any?, _ name: String, floats: FixtureFloats) {
    guard let want = want as? [String: Any],
        let p = Fixtures.double(want["precision"]), let r = Fixtures.double(want["recall"]),
        let f = Fixtures.double(want["f1"])
    else {
        Issue.record("\(name): missing expected average")
        return
    }
    // The means use numpy's pairwise summation (NumpySummation), so they are bit-identical too.
    floats.exact(got.precision, p, "\(name): precision")
    floats.exact(got.recall, r, "\(name): recall")
    floats.exact(got.f1, f, "\(name): f1")
}

@Test func classificationReportEqualsScikitLearnBitForBitOnSections() throws {
    let fixture = try SectionsFixture()
    let e = fixture.expected
    let report = ClassificationReport.evaluate(truth: fixture.truth, predicted: fixture.predicted)
    let floats = FixtureFloats("classification")

    #expect(report.total == e["n"] as? Int, "n \(report.total)")
    #expect(report.correct == e["n_correct"] as? Int, "n_correct \(report.correct)")
    floats.exact(report.accuracy, Fixtures.double(e["accuracy"]) ?? .nan, "accuracy")
    #expect(report.labels == e["labels"] as? [String], "labels \(report.labels)")

    let averages = e["averages"] as? [String: Any]
    expectAverage(report.macro, averages?["macro"], "macro", floats: floats)
    expectAverage(report.micro, averages?["micro"], "micro", floats: floats)
    expectAverage(report.weighted, averages?["weighted"], "weighted", floats: floats)
    expectAverage(report.macroOverTrueLabels, e["macro_over_true_labels_only"], "macro_over_true_labels_only", floats: floats)
    let trueLabels = (e["macro_over_true_labels_only"] as? [String: Any])?["labels"] as? [String]
    #expect(report.perClass.filter { $0.support > 0 }.map(\.label) == trueLabels, "true labels")

    let perClass = try #require(e["per_class"] as? [[String: Any]])
    #expect(report.perClass.count == perClass.count, "per_class count")
    for (got, want) in zip(report.perClass, perClass) {
        let name = want["label"] as? String ?? "?"
        #expect(got.label == name, "\(name): label \(got.label)")
        floats.exact(got.precision, Fixtures.double(want["precision"]) ?? .nan, "\(name): precision")
        floats.exact(got.recall, Fixtures.double(want["recall"]) ?? .nan, "\(name): recall")
        floats.exact(got.f1, Fixtures.double(want["f1"]) ?? .nan, "\(name): f1")
        #expect(got.support == want["support"] as? Int, "\(name): support \(got.support)")
        #expect(got.tp == want["tp"] as? Int, "\(name): tp \(got.tp)")
        #expect(got.fp == want["fp"] as? Int, "\(name): fp \(got.fp)")
        #expect(got.fn == want["fn"] as? Int, "\(name): fn \(got.fn)")
    }

    let sparse = try #require(e["confusion_sparse"] as? [[Any]])
    var expectedCells = 0
    for cell in sparse {
        let t = cell[0] as? String ?? "?", p = cell[1] as? String ?? "?", count = cell[2] as? Int
        expectedCells += 1
        guard let ti = report.labels.firstIndex(of: t), let pi = report.labels.firstIndex(of: p) else {
            Issue.record("confusion \(t) → \(p): unknown label")
            continue
        }
        #expect(report.confusion[ti][pi] == count, "confusion \(t) → \(p): \(report.confusion[ti][pi]) vs \(String(describing: count))")
    }
    let nonzero = report.confusion.joined().filter { $0 != 0 }.count
    #expect(nonzero == expectedCells, "nonzero confusion cells \(nonzero) vs \(expectedCells)")
    floats.report("sections")
}

@Test func segmentStatisticsReproduceTheCorpusReport() throws {
    let fixture = try SectionsFixture()
    let report = ClassificationReport.evaluate(truth: fixture.truth, predicted: fixture.predicted)
    let metric = Classification(truth: fixture.truth, predicted: fixture.predicted)
    #expect(metric.labels == report.labels, "labels")
    #expect(metric.statisticsWidth == 3 * report.labels.count + 1, "width")
    for threads in [1, 2] {
        let stats = metric.statistics(
            truth: fixture.truth, predicted: fixture.predicted,
            options: ScoringOptions(threads: threads, parallelThreshold: 0))
        var fromRows = metric.score(totals: stats.totals())
        #expect(fromRows.confusion.isEmpty, "rows keep no confusion matrix")
        fromRows.confusion = report.confusion
        #expect(fromRows == report, "threads \(threads): report from summed rows equals evaluate()")
    }
    #expect(metric.headline(report) == report.accuracy, "headline is accuracy")
}

@Test func labelsSortAndCompareByCodePointsLikePython() {
    // Python: sorted(['é', 'e\u0301', 'Z', 'a', 'ä']) == ['Z', 'a', 'e\u0301', 'ä', 'é'], and the
    // precomposed and decomposed é are different labels (Swift's == would merge them).
    let nfc = "\u{E9}", nfd = "e\u{301}"
    let report = ClassificationReport.evaluate(truth: [nfc, "Z", "a", "\u{E4}"], predicted: [nfd, "Z", "a", "\u{E4}"])
    #expect(report.labels.map { Array($0.unicodeScalars) } == ["Z", "a", nfd, "\u{E4}", nfc].map { Array($0.unicodeScalars) })
    #expect(report.correct == 3 && report.total == 4, "é (NFC) vs é (NFD) is a miss")
    let metric = Classification(labels: ["b", "a", "b", nfc, nfd])
    #expect(metric.labels.count == 4, "deduplicated by code points")
}

@Test func labelsOnlyPredictedCountAsZeroInTheMacroAverage() {
    // y_true = [x, x, y], y_pred = [x, z, y]: precision_recall_fscore_support(average='macro',
    // zero_division=0) = (2/3, 1/2, 5/9) over labels [x, y, z]; z has P = R = F = 0.
    let report = ClassificationReport.evaluate(truth: ["x", "x", "y"], predicted: ["x", "z", "y"])
    #expect(report.labels == ["x", "y", "z"])
    let z = report.perClass[2]
    #expect(z.precision == 0 && z.recall == 0 && z.f1 == 0 && z.fp == 1 && z.support == 0, "only predicted")
    #expect(report.macro.precision == (1.0 + 1.0 + 0.0) / 3.0, "macro precision \(report.macro.precision)")
    #expect(report.macro.recall == (0.5 + 1.0 + 0.0) / 3.0, "macro recall \(report.macro.recall)")
    #expect(report.macroOverTrueLabels.recall == (0.5 + 1.0) / 2.0, "restricted to true labels")
    #expect(report.micro.f1 == report.accuracy, "micro F1 = accuracy for single-label data")
    let empty = ClassificationReport.evaluate(truth: [], predicted: [])
    #expect(empty.accuracy == 0 && empty.labels.isEmpty && empty.macro.f1 == 0, "empty input")
}

@Test func unknownTrueLabelsAreLeftOutOfClassificationRows() {
    let metric = Classification(labels: ["a", "b"])
    let stats = metric.statistics(truth: ["a", "c", "b", "c"], predicted: ["a", "c", "c", "a"])
    let report = metric.score(totals: stats.totals())
    #expect(report.total == 2 && report.correct == 1, "only segments with a known truth count")
    #expect(report.perClass[0].fp == 0, "a prediction for an unknown truth is not counted")
    #expect(report.perClass[1].fn == 1, "an unknown prediction for a known truth is a miss")
}

@Test func classificationBootstrapGivesAccuracyAndMacroF1Intervals() throws {
    let fixture = try SectionsFixture()
    let metric = Classification(truth: fixture.truth, predicted: fixture.predicted)
    let stats = metric.statistics(truth: fixture.truth, predicted: fixture.predicted)
    let accuracy = Significance.bootstrapInterval(metric: metric, statistics: stats, resamples: 200)
    #expect(accuracy.score == metric.score(totals: stats.totals()).accuracy, "point estimate")
    #expect(accuracy.lower <= accuracy.score && accuracy.score <= accuracy.upper, "accuracy interval")
    let macro = Significance.bootstrapInterval(stats, resamples: 200, score: { metric.macroF1(totals: $0) })
    #expect(macro.lower <= macro.score && macro.score <= macro.upper, "macro-F1 interval")
    // A perfect classifier against this rule-based one.
    let perfect = metric.statistics(truth: fixture.truth, predicted: fixture.truth)
    let test = Significance.pairedBootstrap(metric: metric, baseline: stats, system: perfect, resamples: 200)
    #expect(test.system.score == 1 && test.system.isSignificant, "p \(test.system.pValue)")
}

// MARK: - Several systems (sections.systems.*: keyword, keyword_seen, majority; scikit-learn 1.9.1)

/// The systems of `sections.systems.jsonl` and scikit-learn's report for each one alone.
struct SectionSystemsFixture {
    let truth: [String]
    let names: [String]
    let predictions: [[String]]
    let expected: [String: [String: Any]]
    let allSystemsLabels: [String]

    init() throws {
        let rows = try Fixtures.jsonLines("metrics/classification/sections.systems.jsonl")
        let doc = try Fixtures.json("metrics/classification/sections.systems.expected.json") as! [String: Any]
        truth = rows.map { $0["label"] as! String }
        names = doc["systems_order"] as! [String]
        predictions = names.map { name in rows.map { $0[name] as! String } }
        expected = doc["systems"] as! [String: [String: Any]]
        allSystemsLabels = doc["all_systems_labels"] as! [String]
    }
}

/// Compares one system's `score accuracy` JSON object with scikit-learn's figures for that system alone.
func expectClassificationJSON(_ got: [String: Any], _ want: [String: Any], _ name: String, floats: FixtureFloats) {
    floats.exact(Fixtures.double(got["accuracy"]) ?? .nan, Fixtures.double(want["accuracy"])!, "\(name): accuracy")
    #expect(got["correct"] as? Int == want["n_correct"] as? Int, "\(name): correct")
    let gotAverages = got["averages"] as? [String: Any] ?? [:], wantAverages = want["averages"] as! [String: Any]
    for average in ["macro", "micro", "weighted"] {
        let g = gotAverages[average] as? [String: Any] ?? [:], w = wantAverages[average] as! [String: Any]
        for field in ["precision", "recall", "f1"] {
            floats.exact(Fixtures.double(g[field]) ?? .nan, Fixtures.double(w[field])!, "\(name): \(average) \(field)")
        }
    }
    let gotClasses = got["per_class"] as? [[String: Any]] ?? [], wantClasses = want["per_class"] as! [[String: Any]]
    #expect(gotClasses.map { $0["label"] as? String } == wantClasses.map { $0["label"] as? String }, "\(name): labels")
    for (g, w) in zip(gotClasses, wantClasses) {
        let label = w["label"] as! String
        for field in ["precision", "recall", "f1"] {
            floats.exact(Fixtures.double(g[field]) ?? .nan, Fixtures.double(w[field])!, "\(name) \(label): \(field)")
        }
        #expect(g["support"] as? Int == w["support"] as? Int, "\(name) \(label): support")
    }
    let labelCount = (want["labels"] as! [Any]).count
    #expect((got["signature"] as? String)?.contains("|labels:\(labelCount)|") == true, "\(name): signature")
}

@Test func accuracyOfSeveralSystemsEqualsScikitLearnForEachSystemAlone() throws {
    let fixture = try SectionSystemsFixture()
    var c = ScoreConfiguration()
    c.confidence = false
    c.resamples = 100
    let outcome = try CorpusScorer.score(
        metric: .accuracy, systems: zip(fixture.names, fixture.predictions).map { SystemInput(name: $0, hypotheses: $1) },
        references: fixture.truth.map { [$0] }, configuration: c)
    let json = try #require(try Fixtures.parse(Data(outcome.json.serialized().utf8)) as? [String: Any])
    let systems = try #require(json["systems"] as? [[String: Any]])
    #expect(systems.map { $0["system"] as? String } == fixture.names)
    let floats = FixtureFloats("classification")
    for (s, name) in fixture.names.enumerated() {
        let want = try #require(fixture.expected[name])
        expectClassificationJSON(systems[s], want, name, floats: floats)
        let headlines = Dictionary(uniqueKeysWithValues: outcome.systems[s].headlines.map { ($0.metric, $0.value) })
        floats.exact(headlines["accuracy"] ?? .nan, Fixtures.double(want["accuracy"])!, "\(name): stored accuracy")
        let macro = (want["averages"] as! [String: [String: Any]])["macro"]!
        floats.exact(headlines["macro_f1"] ?? .nan, Fixtures.double(macro["f1"])!, "\(name): stored macro F1")
    }
    // The union of all systems' labels would give other macro averages: the test above is not vacuous.
    let seen = (fixture.expected["keyword_seen"]!["macro_over_all_systems_labels"] as! [String: Any])["f1"]
    let seenOwn = ((fixture.expected["keyword_seen"]!["averages"] as! [String: Any])["macro"] as! [String: Any])["f1"]
    #expect(Fixtures.double(seen) != Fixtures.double(seenOwn))
    floats.report("sections, 3 systems")
}

@Test func eachSystemsAccuracyAndMacroF1IntervalIsTheSameAloneAsAmongOtherSystems() throws {
    let fixture = try SectionSystemsFixture()
    var c = ScoreConfiguration()
    c.resamples = 200
    let inputs = zip(fixture.names, fixture.predictions).map { SystemInput(name: $0, hypotheses: $1) }
    let together = try CorpusScorer.score(metric: .accuracy, systems: inputs, references: fixture.truth.map { [$0] },
                                          configuration: c)
    for (s, input) in inputs.enumerated() {
        let alone = try CorpusScorer.score(metric: .accuracy, systems: [input], references: fixture.truth.map { [$0] },
                                           configuration: c)
        // Same rows resampled with the same seed, scored over the system's own labels either way.
        #expect(alone.systems[0].headlines == together.systems[s].headlines, "\(input.name)")
        #expect(alone.systems[0].signature == together.systems[s].signature, "\(input.name)")
        #expect(alone.systems[0].totals == together.systems[s].totals, "\(input.name): stored statistics in its own layout")
        #expect(alone.json["confidence"] == together.json["systems"].flatMap { systems -> JSONValue? in
            if case let .array(items) = systems { return items[s]["confidence"] }
            return nil
        }, "\(input.name): interval JSON")
    }
    // The paired test compares macro-F1 over the union of all systems' labels (one layout for both).
    let common = Classification(labels: fixture.allSystemsLabels)
    #expect(common.labels == fixture.allSystemsLabels)
    let base = common.statistics(truth: fixture.truth, predicted: fixture.predictions[0])
    let sys = common.statistics(truth: fixture.truth, predicted: fixture.predictions[2])
    let paired = Significance.pairedBootstrap(baseline: base, system: sys, resamples: 200, seed: 12345,
                                              score: { common.macroF1(totals: $0) }).system
    guard case let .array(items)? = together.json["systems"], case let .double(p)? = items[2]["paired"]?["macro_f1"]?["p_value"]
    else {
        Issue.record("no paired macro_f1 p-value")
        return
    }
    #expect(p == paired.pValue)
}
