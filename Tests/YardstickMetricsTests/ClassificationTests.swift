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
