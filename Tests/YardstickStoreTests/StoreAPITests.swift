import Foundation
import YardstickMetrics
import Testing
import YardstickTestSupport
@testable import YardstickStore

@Suite struct StoreAPITests {
    @Test(arguments: Backend.available) func experimentsAreCreatedOnceAndListedByName(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let first = try store.experiment(named: "zeta")
        let again = try store.experiment(named: "zeta")
        try store.experiment(named: "alpha")
        #expect(first.id == again.id)
        #expect(try store.experiments().map(\.name) == ["alpha", "zeta"])
        #expect(throws: StoreError.self) { try store.experiment(named: "") }
    }

    @Test(arguments: Backend.available) func createdRunRoundTripsEveryAttribute(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let created = Date(timeIntervalSince1970: 1_700_000_000.123)
        let run = try store.createRun(
            experiment: "exp", name: "first", params: [("lr", .double(1e-4)), ("epochs", .int(3)), ("auto", .string("auto")), ("lora", .bool(true))],
            tags: [("stage", "sft")], jobID: "ftjob-abc", baseModel: "gpt-4o-mini", fineTunedModel: "ft:gpt-4o-mini:x",
            provider: "openai", status: "queued", notes: "a note", createdAt: created,
            startedAt: Date(timeIntervalSince1970: 1_700_000_100), endedAt: Date(timeIntervalSince1970: 1_700_000_200.5))
        #expect(run.id.count == 32 && run.id.allSatisfy { "0123456789abcdef".contains($0) }, "id \(run.id)")
        let read = try #require(try store.run(id: run.id))
        #expect(read == run)
        #expect(read.createdAt == created)
        #expect(read.endedAt == Date(timeIntervalSince1970: 1_700_000_200.5))
        #expect(try store.params(run: run.id) == ["lr": .double(1e-4), "epochs": .int(3), "auto": .string("auto"), "lora": .bool(true)])
        #expect(try store.tags(run: run.id) == ["stage": "sft"])
    }

    @Test(arguments: Backend.available) func runWithoutANameIsNamedAfterItsId(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let run = try folder.store(backend).createRun(experiment: "e")
        #expect(run.name == "run-\(run.id.prefix(8))")
    }

    @Test(arguments: Backend.available) func runNamesAreUniqueWithinAnExperimentOnly(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        try store.createRun(experiment: "a", name: "same")
        try store.createRun(experiment: "b", name: "same")
        #expect(throws: StoreError.runNameTaken(name: "same", experiment: "a")) { try store.createRun(experiment: "a", name: "same") }
        #expect(try store.count("runs") == 2)
    }

    @Test(arguments: Backend.available) func paramsAndTagsAreUpserted(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r", params: [("lr", .double(0.1))], tags: [("t", "1")])
        try store.logParams(run: run.id, [("lr", .string("auto")), ("batch", .int(8))])
        try store.setTags(run: run.id, [("t", "2"), ("u", "x")])
        #expect(try store.params(run: run.id) == ["lr": .string("auto"), "batch": .int(8)])
        #expect(try store.tags(run: run.id) == ["t": "2", "u": "x"])
    }

    @Test(arguments: Backend.available) func historyIsOrderedByKeyThenStepAndKeepsEveryField(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        let points = [
            MetricPoint(key: "loss", step: 20, epoch: 1.0, value: 1.5, wallTime: 1_700_000_000.25),
            MetricPoint(key: "eval/loss", step: 10, epoch: 0.5, value: 2.0),
            MetricPoint(key: "loss", step: 10, epoch: 0.5, value: 2.5, wallTime: 1_700_000_000.125),
            MetricPoint(key: "loss", step: 30, epoch: nil, value: .infinity),
        ]
        #expect(try store.logMetrics(run: run.id, points) == 4)
        let history = try store.history(run: run.id)
        #expect(history == [points[1], points[2], points[0], points[3]])
        #expect(try store.history(run: run.id, keys: ["loss"]).map(\.step) == [10, 20, 30])
        #expect(try store.history(run: run.id, keys: ["missing"]).isEmpty)
        #expect(try store.metricKeys(run: run.id) == ["eval/loss", "loss"])
        #expect(try store.finalMetrics(run: run.id) == ["eval/loss": 2.0, "loss": .infinity])
    }

    @Test(arguments: Backend.available) func nanValuesRoundTripAsNaN(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        try store.logMetrics(run: run.id, [MetricPoint(key: "loss", step: 1, value: .nan)])
        let point = try #require(try store.history(run: run.id).first)
        #expect(point.value.isNaN)
        // Logging the same NaN point again is recognised as identical.
        #expect(try store.logMetrics(run: run.id, [MetricPoint(key: "loss", step: 1, value: .nan)]) == 0)
    }

    @Test(arguments: Backend.available) func wallTimeIsKeptToTheMillisecond(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        try store.logMetrics(run: run.id, [MetricPoint(key: "k", step: 0, value: 1, wallTime: 1_700_000_000.1234)])
        #expect(try store.history(run: run.id).first?.wallTime == 1_700_000_000.123)
    }

    @Test(arguments: Backend.available) func relogIdenticalPointIsSkippedAndDifferentValueIsKeptAsANewerPoint(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        let first = MetricPoint(key: "loss", step: 5, epoch: 1, value: 1.0, wallTime: 100)
        #expect(try store.logMetrics(run: run.id, [first]) == 1)
        #expect(try store.logMetrics(run: run.id, [first]) == 0, "identical point is not stored twice")
        let corrected = MetricPoint(key: "loss", step: 5, epoch: 1, value: 0.9, wallTime: 101)
        #expect(try store.logMetrics(run: run.id, [corrected, corrected]) == 1)
        #expect(try store.history(run: run.id) == [first, corrected], "both values kept, in logging order")
        #expect(try store.finalMetrics(run: run.id)["loss"] == 0.9, "the latest value at the last step is final")
        #expect(try store.pointCount(run: run.id) == 2)
    }

    @Test(arguments: Backend.available) func metricSummariesCountPointsAndRanges(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        try store.logMetrics(run: run.id, (1...10).map { MetricPoint(key: "loss", step: Int64($0), value: Double(11 - $0)) })
        let summary = try #require(try store.metricSummaries(run: run.id).first)
        #expect(summary == MetricSeriesSummary(key: "loss", points: 10, firstStep: 1, lastStep: 10, lastValue: 1, minValue: 1, maxValue: 10))
    }

    @Test(arguments: Backend.available) func logMetricsFailureRollsBackTheWholeBatch(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        let bad = [MetricPoint(key: "new-key", step: 1, value: 1), MetricPoint(key: "", step: 2, value: 2)]
        #expect(throws: StoreError.self) { try store.logMetrics(run: run.id, bad) }
        #expect(try store.count("metric_points") == 0)
        #expect(try store.count("metric_keys") == 0)
        // The key cache must not remember the rolled-back key id.
        try store.logMetrics(run: run.id, [MetricPoint(key: "new-key", step: 1, value: 1)])
        #expect(try store.history(run: run.id).map(\.key) == ["new-key"])
        #expect(try store.database.scalar("SELECT count(*) FROM metric_points p JOIN metric_keys k ON k.id = p.key_id").int64 == 1)
    }

    @Test(arguments: Backend.available) func keyIdsRolledBackByACallersTransactionAreNeverReused(_ backend: Backend) throws {
        struct Abandon: Error {}
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        #expect(throws: Abandon.self) {
            try store.database.transaction {
                try store.logMetrics(run: run.id, [MetricPoint(key: "ghost", step: 1, value: 1)])
                throw Abandon()
            }
        }
        // SQLite hands the rolled-back id to the next new key; the old name must not map to it.
        try store.logMetrics(run: run.id, [MetricPoint(key: "real", step: 1, value: 2)])
        try store.logMetrics(run: run.id, [MetricPoint(key: "ghost", step: 1, value: 3)])
        #expect(try store.history(run: run.id, keys: ["real"]).map(\.value) == [2])
        #expect(try store.history(run: run.id, keys: ["ghost"]).map(\.value) == [3])
        #expect(try store.finalMetrics(run: run.id) == ["real": 2, "ghost": 3])
    }

    @Test(arguments: Backend.available) func evaluationsRoundTripWithMetricsStatisticsPredictionsAndDataset(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        let references = [["ref one"], ["ref two"], ["ref three"]]
        let dataset = DatasetContent(inputs: ["a", nil, "c"], references: references, path: "data/test.jsonl")
        let predictions = [
            PredictionRecord(exampleID: "x1", input: "a", references: ["ref one"], prediction: "pred", latencyMs: 12.5,
                             cached: true, promptTokens: 7, completionTokens: 3),
            PredictionRecord(exampleID: "x2", references: ["ref two"], prediction: nil, error: "timeout"),
            PredictionRecord(exampleID: "x3", input: "c", references: ["ref three"], prediction: "ref three"),
        ]
        let options = StoredMetricOptions(metric: .bleu, configuration: ScoreConfiguration())
        let statistics = SegmentStatistics(width: 2, values: [1, 2, -0.0, .infinity, 5, 6])
        let record = EvaluationRecord(
            dataset: dataset, settings: .object([("model", .string("m"))]), predictions: predictions,
            statistics: [StatisticsRecord(options: options, signature: "sig", statistics: statistics)],
            metrics: [MetricRecord(name: "bleu", score: 31.25, ciLow: 30.1, ciHigh: 32.4, ciLevel: 0.9, signature: "sig",
                                   statisticsIndex: 0, totals: [6, 8], details: #"{"bp":1.0}"#, exampleScores: [10, .nan, 100]),
                      MetricRecord(name: "other", score: .nan)],
            createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        let id = try store.recordEvaluation(run: run.id, record)
        let stored = try store.evaluation(id: id)
        #expect(try store.evaluations(run: run.id) == [stored])
        #expect(stored.runID == run.id && stored.exampleCount == 3 && stored.createdAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(stored.dataset?.contentSHA256 == dataset.contentSHA256 && stored.dataset?.path == "data/test.jsonl")
        #expect(stored.metrics.map(\.name) == ["bleu", "other"])
        let bleu = stored.metrics[0]
        #expect(bleu.score == 31.25 && bleu.ciLow == 30.1 && bleu.ciHigh == 32.4 && bleu.ciLevel == 0.9 && bleu.signature == "sig")
        #expect(bleu.details == #"{"bp":1.0}"#)
        #expect(stored.metrics[1].score.isNaN && stored.metrics[1].statisticsID == nil)
        let back = try store.statistics(id: try #require(bleu.statisticsID))
        #expect(back.options == options && back.signature == "sig" && back.statistics.width == 2)
        #expect(back.statistics.values.map(\.bitPattern) == statistics.values.map(\.bitPattern), "bit for bit, -0.0 and infinity too")
        let read = try store.predictions(evaluation: id)
        #expect(read.map(\.exampleID) == ["x1", "x2", "x3"] && read.map(\.position) == [0, 1, 2])
        #expect(read[0].input == "a" && read[0].reference == "ref one" && read[0].prediction == "pred" && read[0].cached)
        #expect(read[0].latencyMs == 12.5 && read[0].promptTokens == 7 && read[0].completionTokens == 3)
        #expect(read[1].prediction == nil && read[1].error == "timeout" && !read[1].cached)
        #expect(read[0].scores["bleu"] == 10 && read[1].scores["bleu"]!.isNaN && read[2].scores["bleu"] == 100)
        #expect(try store.predictions(evaluation: id, offset: 1, limit: 1).map(\.exampleID) == ["x2"])
        #expect(throws: StoreError.evaluationNotFound(999)) { try store.evaluation(id: 999) }
    }

    @Test(arguments: Backend.available) func evaluationInputIsValidatedBeforeAnythingIsWritten(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        let before = try store.tableCounts()
        let bad: [EvaluationRecord] = [
            EvaluationRecord(dataset: nil, settings: .object([]), predictions: [], metrics: [MetricRecord(name: "x", score: 1, details: "{not json")]),
            EvaluationRecord(dataset: nil, settings: .object([]), predictions: [], metrics: [MetricRecord(name: "", score: 1)]),
            EvaluationRecord(dataset: nil, settings: .object([]), predictions: [], metrics: [MetricRecord(name: "x", score: 1, statisticsIndex: 0)]),
            EvaluationRecord(dataset: nil, settings: .object([]), predictions: [PredictionRecord(exampleID: "1", references: ["r"], prediction: "p")],
                             metrics: [MetricRecord(name: "x", score: 1, exampleScores: [1, 2])]),
            EvaluationRecord(dataset: DatasetContent(references: [["a"], ["b"]]), settings: .object([]),
                             predictions: [PredictionRecord(exampleID: "1", references: ["a"], prediction: "p")], metrics: []),
        ]
        for record in bad {
            #expect(throws: StoreError.self) { try store.recordEvaluation(run: run.id, record) }
        }
        #expect(try store.tableCounts() == before)
    }

    @Test(arguments: Backend.available) func theSameTestSetFromDifferentFilesIsOneDatasetWithBothPathsAsAliases(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let a = try store.createRun(experiment: "e", name: "a")
        let b = try store.createRun(experiment: "e", name: "b")
        let refs = [["one\r\ntwo"], ["three"]]
        try store.recordScores(run: a.id, [("bleu", 1)], dataset: DatasetContent(references: refs, path: "test.crlf.txt"))
        try store.recordScores(run: b.id, [("bleu", 2)], dataset: DatasetContent(references: [["one\ntwo"], ["three"]], path: "test.jsonl"))
        try store.recordScores(run: b.id, [("bleu", 3)], dataset: DatasetContent(references: [["three"], ["one\ntwo"]], path: "shuffled.jsonl"))
        #expect(try store.count("datasets") == 2, "order matters; line endings and paths do not")
        #expect(try store.count("dataset_aliases") == 3)
        let first = try #require(try store.evaluations(run: a.id).first?.dataset)
        #expect(try store.evaluations(run: b.id).first?.dataset == first)
        #expect(try store.datasets(matching: "test.jsonl") == [first])
        #expect(try store.datasets(matching: first.label) == [first])
    }

    @Test(arguments: Backend.available) func aPlainMetricNameNeverMixesDatasets(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let a = try store.createRun(experiment: "e", name: "a")
        let b = try store.createRun(experiment: "e", name: "b")
        let test = DatasetContent(references: [["t"]], path: "test.txt")
        let dev = DatasetContent(references: [["d"]], path: "dev.txt")
        try store.recordScores(run: a.id, [("bleu", 30)], dataset: test)
        #expect(try store.listRuns(where: "metrics.bleu > 20").map(\.run.name) == ["a"], "one dataset: the plain name is fine")
        #expect(try store.summary(run: a.id).evaluationScores == ["bleu": 30])
        try store.recordScores(run: b.id, [("bleu", 40)], dataset: dev)
        #expect(throws: FilterError.self) { try store.listRuns(where: "metrics.bleu > 20") }
        #expect(throws: FilterError.self) { try store.listRuns(sort: "metrics.bleu") }
        let testLabel = String(test.contentSHA256.prefix(8)), devLabel = String(dev.contentSHA256.prefix(8))
        #expect(try store.listRuns(where: "metrics.bleu@\(testLabel) > 20").map(\.run.name) == ["a"])
        #expect(try store.listRuns(where: "metrics.bleu@\(devLabel) > 20").map(\.run.name) == ["b"])
        #expect(try store.listRuns(where: "metrics.bleu > 20", dataset: "dev.txt").map(\.run.name) == ["b"])
        #expect(try store.summary(run: a.id).evaluationScores == ["bleu@\(testLabel)": 30])
        #expect(try store.summary(run: b.id).evaluationScores == ["bleu@\(devLabel)": 40])
        #expect(throws: StoreError.self) { try store.listRuns(where: "metrics.bleu > 20", dataset: "nothing-like-it") }
    }

    @Test(arguments: Backend.available) func datasetsAreRegisteredOncePerPathAndHash(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r")
        let train = DatasetReference(path: "train.jsonl", role: .train, sha256: "ff", sizeBytes: 10)
        let first = try store.addDataset(train, run: run.id)
        let second = try store.addDataset(train)
        let valid = try store.addDataset(DatasetReference(path: "file-abc", role: .valid), run: run.id)
        #expect(first == second)
        #expect(valid != first)
        #expect(try store.datasets(run: run.id).map(\.reference.path) == ["file-abc", "train.jsonl"])
        #expect(try store.count("datasets") == 2)
    }

    @Test(arguments: Backend.available) func listRunsSummariesPreferEvaluationScoresOverHistories(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "r", params: [("lr", .double(0.1))])
        try store.logMetrics(run: run.id, [MetricPoint(key: "bleu", step: 1, value: 10), MetricPoint(key: "loss", step: 1, value: 2)])
        try store.recordScores(run: run.id, [("bleu", 20)])
        try store.recordScores(run: run.id, [("bleu", 25)])
        let summary = try #require(try store.listRuns(experiment: "e").first)
        #expect(summary.finalMetrics == ["bleu": 10, "loss": 2])
        #expect(summary.evaluationScores == ["bleu": 25], "the latest evaluation counts")
        #expect(summary.metrics == ["bleu": 25, "loss": 2])
        #expect(summary.params == ["lr": .double(0.1)])
        #expect(throws: StoreError.experimentNotFound("nope")) { try store.listRuns(experiment: "nope") }
    }

    @Test(arguments: Backend.available) func deleteRunRemovesEverythingThatBelongsToIt(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let keep = try store.createRun(experiment: "e", name: "keep", params: [("a", .int(1))])
        try store.logMetrics(run: keep.id, [MetricPoint(key: "loss", step: 1, value: 1)])
        let before = try store.tableCounts()
        let doomed = try store.createRun(experiment: "e", name: "doomed", params: [("a", .int(1))], tags: [("t", "x")])
        try store.logMetrics(run: doomed.id, (0..<100).map { MetricPoint(key: "loss", step: Int64($0), value: 1) })
        let scored = DatasetContent(references: [["r"]], path: "t")
        try store.recordEvaluation(run: doomed.id, EvaluationRecord(
            scores: [], dataset: scored, predictions: [PredictionRecord(exampleID: "1", references: ["r"], prediction: "p")],
            settings: .object([])))
        try store.recordEvaluation(run: doomed.id, EvaluationRecord(
            dataset: scored, settings: .object([]), predictions: [PredictionRecord(exampleID: "1", references: ["r"], prediction: "p")],
            statistics: [StatisticsRecord(options: StoredMetricOptions(metric: .bleu, configuration: ScoreConfiguration()),
                                          signature: "s", statistics: SegmentStatistics(width: 1, values: [1]))],
            metrics: [MetricRecord(name: "bleu", score: 1, statisticsIndex: 0, exampleScores: [1])]))
        _ = try store.importRun(TrainingLog(metrics: [MetricPoint(key: "loss", step: 500, value: 0)]),
                                source: ImportSource(path: "f.csv", format: .csv, contents: Data("x".utf8)), experiment: "e", target: doomed.id)
        try store.deleteRun(doomed.id)
        var after = try store.tableCounts()
        after["datasets"] = (after["datasets"] ?? 0) - 1  // datasets are shared and outlive runs
        after["dataset_aliases"] = (after["dataset_aliases"] ?? 0) - 1
        #expect(after == before)
        #expect(try store.run(id: doomed.id) == nil)
        #expect(throws: StoreError.self) { try store.deleteRun(doomed.id) }
    }

    @Test(arguments: Backend.available) func compareSeparatesDifferingAndCommonParams(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let a = try store.createRun(experiment: "e", name: "a", params: [("lr", .double(0.1)), ("model", .string("m")), ("only_a", .int(1))])
        let b = try store.createRun(experiment: "e", name: "b", params: [("lr", .double(0.2)), ("model", .string("m"))])
        try store.logMetrics(run: a.id, [MetricPoint(key: "loss", step: 1, value: 1)])
        try store.recordScores(run: b.id, [("bleu", 30)])
        let comparison = try store.compare(runs: [a.id, b.id])
        #expect(comparison.runs.map(\.name) == ["a", "b"])
        #expect(comparison.differingParams == [
            ComparisonRow(key: "lr", values: [.double(0.1), .double(0.2)]), ComparisonRow(key: "only_a", values: [.int(1), nil]),
        ])
        #expect(comparison.commonParams == [ComparisonRow(key: "model", values: [.string("m"), .string("m")])])
        #expect(comparison.metrics == [ComparisonRow(key: "bleu", values: [nil, 30]), ComparisonRow(key: "loss", values: [1, nil])])
    }

    @Test(arguments: Backend.available) func exportWritesOneRowPerRunWithPrefixedColumns(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let a = try store.createRun(experiment: "e", name: "a, quoted \"name\"", params: [("lr", .double(0.5)), ("n", .int(2))],
                                    tags: [("t", "x")], createdAt: Date(timeIntervalSince1970: 1))
        try store.logMetrics(run: a.id, [MetricPoint(key: "loss", step: 1, value: .nan)])
        let b = try store.createRun(experiment: "e", name: "b", params: [("flag", .bool(false))], createdAt: Date(timeIntervalSince1970: 2))
        try store.createRun(experiment: "other", name: "c")
        let csv = try store.export(format: .csv, experiment: "e")
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "id,experiment,name,status,created_at,started_at,ended_at,provider,job_id,base_model,fine_tuned_model,params.flag,params.lr,params.n,metrics.loss,tags.t")
        #expect(lines[1] == "\(a.id),e,\"a, quoted \"\"name\"\"\",running,1970-01-01T00:00:01.000Z,,,,,,,,0.5,2,nan,x")
        #expect(lines[2] == "\(b.id),e,b,running,1970-01-01T00:00:02.000Z,,,,,,,false,,,,")
        let jsonl = try store.export(format: .jsonl).split(separator: "\n")
        #expect(jsonl.count == 3)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(jsonl[0].utf8)) as? [String: Any])
        #expect(first["params.lr"] as? Double == 0.5)
        #expect(first["params.n"] as? Int == 2)
        #expect(first["metrics.loss"] is NSNull, "NaN is null in JSON")
        #expect(first["tags.t"] as? String == "x")
        #expect(first.keys.contains("params.flag"), "every column is present in every row")
    }
}
