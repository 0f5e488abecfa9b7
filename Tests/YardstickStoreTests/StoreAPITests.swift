import Foundation
import Testing
@testable import YardstickStore

@Suite struct StoreAPITests {
    @Test func experimentsAreCreatedOnceAndListedByName() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let first = try store.experiment(named: "zeta")
        let again = try store.experiment(named: "zeta")
        try store.experiment(named: "alpha")
        #expect(first.id == again.id)
        #expect(try store.experiments().map(\.name) == ["alpha", "zeta"])
        #expect(throws: StoreError.self) { try store.experiment(named: "") }
    }

    @Test func createdRunRoundTripsEveryAttribute() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
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

    @Test func runWithoutANameIsNamedAfterItsId() throws {
        let folder = try TemporaryFolder()
        let run = try folder.store().createRun(experiment: "e")
        #expect(run.name == "run-\(run.id.prefix(8))")
    }

    @Test func runNamesAreUniqueWithinAnExperimentOnly() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        try store.createRun(experiment: "a", name: "same")
        try store.createRun(experiment: "b", name: "same")
        #expect(throws: StoreError.runNameTaken(name: "same", experiment: "a")) { try store.createRun(experiment: "a", name: "same") }
        #expect(try store.count("runs") == 2)
    }

    @Test func paramsAndTagsAreUpserted() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r", params: [("lr", .double(0.1))], tags: [("t", "1")])
        try store.logParams(run: run.id, [("lr", .string("auto")), ("batch", .int(8))])
        try store.setTags(run: run.id, [("t", "2"), ("u", "x")])
        #expect(try store.params(run: run.id) == ["lr": .string("auto"), "batch": .int(8)])
        #expect(try store.tags(run: run.id) == ["t": "2", "u": "x"])
    }

    @Test func historyIsOrderedByKeyThenStepAndKeepsEveryField() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
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

    @Test func nanValuesRoundTripAsNaN() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r")
        try store.logMetrics(run: run.id, [MetricPoint(key: "loss", step: 1, value: .nan)])
        let point = try #require(try store.history(run: run.id).first)
        #expect(point.value.isNaN)
        // Logging the same NaN point again is recognised as identical.
        #expect(try store.logMetrics(run: run.id, [MetricPoint(key: "loss", step: 1, value: .nan)]) == 0)
    }

    @Test func wallTimeIsKeptToTheMillisecond() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r")
        try store.logMetrics(run: run.id, [MetricPoint(key: "k", step: 0, value: 1, wallTime: 1_700_000_000.1234)])
        #expect(try store.history(run: run.id).first?.wallTime == 1_700_000_000.123)
    }

    @Test func relogIdenticalPointIsSkippedAndDifferentValueIsKeptAsANewerPoint() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
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

    @Test func metricSummariesCountPointsAndRanges() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r")
        try store.logMetrics(run: run.id, (1...10).map { MetricPoint(key: "loss", step: Int64($0), value: Double(11 - $0)) })
        let summary = try #require(try store.metricSummaries(run: run.id).first)
        #expect(summary == MetricSeriesSummary(key: "loss", points: 10, firstStep: 1, lastStep: 10, lastValue: 1, minValue: 1, maxValue: 10))
    }

    @Test func logMetricsFailureRollsBackTheWholeBatch() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
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

    @Test func keyIdsRolledBackByACallersTransactionAreNeverReused() throws {
        struct Abandon: Error {}
        let folder = try TemporaryFolder()
        let store = try folder.store()
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

    @Test func evaluationsRoundTripWithStatisticsAndDataset() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r")
        let dataset = DatasetReference(path: "data/test.jsonl", role: .test, sha256: String(repeating: "a", count: 64), sizeBytes: 1234)
        let evaluation = Evaluation(
            metric: "bleu", score: 31.25, signature: "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:yardstick-0.1.0",
            ciLow: 30.1, ciHigh: 32.4, statistics: [10, 8, 6, 4, 12, 10, 8, 6, 11, 12, -0.0, .infinity], exampleCount: 3,
            dataset: dataset, details: #"{"bp":1.0,"precisions":[80,60,40,20]}"#, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        let id = try store.addEvaluation(run: run.id, evaluation)
        var expected = evaluation
        expected.id = id
        #expect(try store.evaluations(run: run.id) == [expected])
        #expect(try store.evaluation(id: id) == expected)
        #expect(try store.datasets(run: run.id) == [RunDataset(id: 1, reference: dataset)])
        #expect(throws: StoreError.self) { try store.addEvaluation(run: run.id, Evaluation(metric: "x", score: 1, details: "{not json")) }
        #expect(throws: StoreError.evaluationNotFound(999)) { try store.evaluation(id: 999) }
    }

    @Test func examplesRoundTripInInsertionOrderAndReplaceById() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r")
        let evaluationID = try store.addEvaluation(run: run.id, Evaluation(metric: "chrf", score: 50))
        let examples = [
            EvaluationExample(exampleID: "b", input: "in", reference: "ref", prediction: "pred", scores: ["chrf": 55.5, "bleu": .nan], latencyMs: 12.5),
            EvaluationExample(exampleID: "a", input: nil, reference: "r2", prediction: nil, error: "timeout"),
        ]
        try store.addExamples(evaluation: evaluationID, examples)
        #expect(try store.examples(evaluation: evaluationID) == examples)
        #expect(try store.examples(evaluation: evaluationID, offset: 1, limit: 1) == [examples[1]])
        var replaced = examples[0]
        replaced.prediction = "better"
        try store.addExamples(evaluation: evaluationID, [replaced])
        #expect(try store.examples(evaluation: evaluationID) == [replaced, examples[1]])
        #expect(throws: StoreError.evaluationNotFound(77)) { try store.addExamples(evaluation: 77, examples) }
    }

    @Test func datasetsAreRegisteredOncePerPathAndHash() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
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

    @Test func listRunsSummariesPreferEvaluationScoresOverHistories() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let run = try store.createRun(experiment: "e", name: "r", params: [("lr", .double(0.1))])
        try store.logMetrics(run: run.id, [MetricPoint(key: "bleu", step: 1, value: 10), MetricPoint(key: "loss", step: 1, value: 2)])
        try store.addEvaluation(run: run.id, Evaluation(metric: "bleu", score: 20))
        try store.addEvaluation(run: run.id, Evaluation(metric: "bleu", score: 25))
        let summary = try #require(try store.listRuns(experiment: "e").first)
        #expect(summary.finalMetrics == ["bleu": 10, "loss": 2])
        #expect(summary.evaluationScores == ["bleu": 25], "the latest evaluation counts")
        #expect(summary.metrics == ["bleu": 25, "loss": 2])
        #expect(summary.params == ["lr": .double(0.1)])
        #expect(throws: StoreError.experimentNotFound("nope")) { try store.listRuns(experiment: "nope") }
    }

    @Test func deleteRunRemovesEverythingThatBelongsToIt() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let keep = try store.createRun(experiment: "e", name: "keep", params: [("a", .int(1))])
        try store.logMetrics(run: keep.id, [MetricPoint(key: "loss", step: 1, value: 1)])
        let before = try store.tableCounts()
        let doomed = try store.createRun(experiment: "e", name: "doomed", params: [("a", .int(1))], tags: [("t", "x")])
        try store.logMetrics(run: doomed.id, (0..<100).map { MetricPoint(key: "loss", step: Int64($0), value: 1) })
        let evaluationID = try store.addEvaluation(run: doomed.id, Evaluation(metric: "bleu", score: 1, dataset: DatasetReference(path: "t", role: .test)))
        try store.addExamples(evaluation: evaluationID, [EvaluationExample(exampleID: "1")])
        _ = try store.importRun(TrainingLog(metrics: [MetricPoint(key: "loss", step: 500, value: 0)]),
                                source: ImportSource(path: "f.csv", format: .csv, contents: Data("x".utf8)), experiment: "e", target: doomed.id)
        try store.deleteRun(doomed.id)
        var after = try store.tableCounts()
        after["datasets"] = (after["datasets"] ?? 0) - 1  // datasets are shared and outlive runs
        #expect(after == before)
        #expect(try store.run(id: doomed.id) == nil)
        #expect(throws: StoreError.self) { try store.deleteRun(doomed.id) }
    }

    @Test func compareSeparatesDifferingAndCommonParams() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let a = try store.createRun(experiment: "e", name: "a", params: [("lr", .double(0.1)), ("model", .string("m")), ("only_a", .int(1))])
        let b = try store.createRun(experiment: "e", name: "b", params: [("lr", .double(0.2)), ("model", .string("m"))])
        try store.logMetrics(run: a.id, [MetricPoint(key: "loss", step: 1, value: 1)])
        try store.addEvaluation(run: b.id, Evaluation(metric: "bleu", score: 30))
        let comparison = try store.compare(runs: [a.id, b.id])
        #expect(comparison.runs.map(\.name) == ["a", "b"])
        #expect(comparison.differingParams == [
            ComparisonRow(key: "lr", values: [.double(0.1), .double(0.2)]), ComparisonRow(key: "only_a", values: [.int(1), nil]),
        ])
        #expect(comparison.commonParams == [ComparisonRow(key: "model", values: [.string("m"), .string("m")])])
        #expect(comparison.metrics == [ComparisonRow(key: "bleu", values: [nil, 30]), ComparisonRow(key: "loss", values: [1, nil])])
    }

    @Test func exportWritesOneRowPerRunWithPrefixedColumns() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
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
