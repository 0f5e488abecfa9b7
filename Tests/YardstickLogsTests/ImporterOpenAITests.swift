import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// OpenAI job objects, list responses, event lists and result files (current, legacy, base64).
@Suite struct ImporterOpenAITests {
    static func load(_ name: String) throws -> (data: Data, path: String) {
        (try Fixtures.data("importers/\(name)"), Fixtures.url("importers/\(name)").path)
    }

    static func values(_ run: TrainingLog, _ key: String) -> [Int64: Double] {
        Dictionary(uniqueKeysWithValues: run.metrics.filter { $0.key == key }.map { ($0.step, $0.value) })
    }

    @Test func succeededSupervisedJobYieldsIdentityDatesDatasetsHyperparametersAndTags() throws {
        let (data, path) = try Self.load("openai_job_supervised.json")
        #expect(try Importers.detectFormat(data: data, path: path) == .openaiJob)
        let runs = try Importers.parse(data: data, path: path)
        try #require(runs.count == 1)
        let run = runs[0]
        #expect(run.provider == "openai")
        #expect(run.jobID == "ftjob-7Hq2LmXbR4kT9vNc1sYdWe3F")
        #expect(run.baseModel == "gpt-4o-mini-2024-07-18")
        #expect(run.fineTunedModel == "ft:gpt-4o-mini-2024-07-18:acme-research:support-bot:9nB3xKqP")
        #expect(run.suggestedName == run.fineTunedModel)
        #expect(run.status == "succeeded")
        #expect(run.createdAt == Date(timeIntervalSince1970: 1_721_764_800))
        #expect(run.endedAt == Date(timeIntervalSince1970: 1_721_766_342))
        #expect(run.startedAt == nil)
        #expect(run.params.map(\.key) == [
            "batch_size", "learning_rate_multiplier", "n_epochs", "seed", "trained_tokens", "method", "suffix",
        ])
        #expect(run.param("n_epochs") == .int(3))
        #expect(run.param("batch_size") == .int(8))
        #expect(run.param("learning_rate_multiplier") == .double(1.8))
        #expect(run.param("seed") == .int(1_406_829_171))
        #expect(run.param("trained_tokens") == .int(1_843_261))
        #expect(run.param("method") == .string("supervised"))
        #expect(run.param("suffix") == .string("support-bot"))
        #expect(run.datasets == [
            DatasetReference(path: "file-Tn4Kx7QpW2mLr9BcY5vJd1Hs", role: .train),
            DatasetReference(path: "file-Vd8Jq2LnR6tYc1XbK9mWs4Pz", role: .valid),
        ])
        #expect(run.tags.map(\.key) == ["team", "dataset_version", "result_file"])
        #expect(run.tags.map(\.value) == ["support", "2024-07-20", "file-3Rk9ZsYvQ1mWbN7cT5xLp2Hd"])
        #expect(run.notes == nil, "an empty error object is not an error")
        #expect(run.metrics.isEmpty)
    }

    @Test func runningDPOJobKeepsAutoAsStringTakesBetaAndPrefersMethodHyperparameters() throws {
        let (data, path) = try Self.load("openai_job_dpo.json")
        let run = try #require(try Importers.parse(data: data, path: path, format: .openaiJob).first)
        #expect(run.status == "running")
        #expect(run.fineTunedModel == nil)
        #expect(run.suggestedName == "ftjob-Dp0Xr8WcL3nQ6tVb2mKs9YhJ")
        #expect(run.endedAt == nil)
        #expect(run.params.map(\.key) == ["beta", "batch_size", "learning_rate_multiplier", "n_epochs", "seed", "method"])
        #expect(run.param("beta") == .double(0.1))
        #expect(run.param("batch_size") == .string("auto"))
        // Whole-number multipliers are still floats, so the same setting compares equal across jobs.
        #expect(run.param("learning_rate_multiplier") == .double(2))
        #expect(run.param("n_epochs") == .int(3), "method.dpo.hyperparameters wins over the deprecated top-level copy")
        #expect(run.param("method") == .string("dpo"))
        #expect(run.param("trained_tokens") == nil)
        #expect(run.param("suffix") == nil)
        #expect(run.datasets == [DatasetReference(path: "file-PrefPairs8cV2nL5xQ1wR7tYb", role: .train)])
        #expect(run.tags.isEmpty)
    }

    @Test func listResponseWithTwoJobsYieldsTwoRunsInListOrder() throws {
        let (data, path) = try Self.load("openai_jobs_list.json")
        #expect(try Importers.detectFormat(data: data, path: path) == .openaiJob)
        let runs = try Importers.parse(data: data, path: path)
        try #require(runs.count == 2)
        let failed = runs[0], succeeded = runs[1]
        #expect(failed.jobID == "ftjob-Fa1LeDx9Qm2Wc7Rt4Nb8Vs3K")
        #expect(failed.status == "failed")
        #expect(failed.notes?.hasPrefix("The job failed due to an invalid training file.") == true)
        #expect(failed.param("learning_rate_multiplier") == .double(2))
        #expect(failed.param("n_epochs") == .int(4))
        #expect(failed.param("batch_size") == .int(1))
        #expect(succeeded.jobID == "ftjob-Ok7Ns3Wq1Xc9Lm5Rb2Vt8Jd4")
        #expect(succeeded.suggestedName == "ft:gpt-3.5-turbo-0125:acme-research::9Aq7WcLx")
        // A job created before `method` existed: hyperparameters come from the top level, "auto" kept as text.
        #expect(succeeded.param("n_epochs") == .string("auto"))
        #expect(succeeded.param("batch_size") == .string("auto"))
        #expect(succeeded.param("learning_rate_multiplier") == .string("auto"))
        #expect(succeeded.param("method") == nil)
        #expect(succeeded.param("trained_tokens") == .int(412_977))
        #expect(succeeded.notes == nil)
    }

    @Test func eventListYieldsMetricsEventsOnlyWithWallTimesAndTheNewestReportOfAStep() throws {
        let (data, path) = try Self.load("openai_events.json")
        #expect(try Importers.detectFormat(data: data, path: path) == .openaiEvents)
        let run = try #require(try Importers.parse(data: data, path: path).first)
        #expect(run.provider == "openai")
        #expect(run.param("max_steps") == .int(8))
        #expect(Set(run.metrics.map(\.key)) == [
            "train_loss", "train_accuracy", "eval_loss", "eval_accuracy", "eval_full_loss", "eval_full_accuracy",
        ])
        let train = Self.values(run, "train_loss")
        #expect(train.count == 8)
        #expect(train[1] == 1.9135)
        #expect(train[5] == 1.4011, "step 5 was reported twice; the later event wins")
        #expect(Self.values(run, "train_accuracy")[5] == 0.6468)
        #expect(Self.values(run, "eval_loss") == [2: 1.8012, 4: 1.5526, 6: 1.4419, 8: 1.4102])
        #expect(Self.values(run, "eval_accuracy") == [2: 0.5933, 4: 0.6287, 6: 0.6450, 8: 0.6511])
        #expect(Self.values(run, "eval_full_loss") == [8: 1.4237])
        #expect(Self.values(run, "eval_full_accuracy") == [8: 0.6498])
        let step1 = try #require(run.metrics.first { $0.key == "train_loss" && $0.step == 1 })
        #expect(step1.wallTime == 1_721_765_130)
        #expect(step1.epoch == nil)
        let step5 = try #require(run.metrics.first { $0.key == "train_loss" && $0.step == 5 })
        #expect(step5.wallTime == 1_721_765_252)
        #expect(run.notes == nil)
    }

    @Test func eventPageWithMoreToFetchSaysSoInNotes() throws {
        let json = """
            {"object": "list", "has_more": true, "data": [
              {"object": "fine_tuning.job.event", "id": "ftevent-b", "created_at": 1700000060, "level": "info",
               "message": "Step 2/50: training loss=0.90", "type": "metrics",
               "data": {"step": 2, "train_loss": 0.9, "total_steps": 50, "train_mean_token_accuracy": 0.7}},
              {"object": "fine_tuning.job.event", "id": "ftevent-a", "created_at": 1700000030, "level": "info",
               "message": "Step 1/50: training loss=1.10", "type": "metrics",
               "data": {"step": 1, "train_loss": 1.1, "total_steps": 50, "train_mean_token_accuracy": 0.6}}
            ]}
            """
        let run = try #require(try Importers.parse(data: Data(json.utf8), path: "events-page1.json").first)
        #expect(run.metrics.map(\.step) == [1, 2, 1, 2])
        #expect(run.metrics.map(\.key) == ["train_accuracy", "train_accuracy", "train_loss", "train_loss"])
        #expect(run.notes?.contains("has_more") == true)
    }

    @Test func resultFileWithFullValidationColumnsMapsToCanonicalKeysAndLeavesEmptyCellsMissing() throws {
        let (data, path) = try Self.load("openai_results_full_valid.csv")
        #expect(try Importers.detectFormat(data: data, path: path) == .openaiResults)
        let run = try #require(try Importers.parse(data: data, path: path).first)
        #expect(run.provider == "openai")
        #expect(Self.values(run, "train_loss").count == 6)
        #expect(Self.values(run, "train_accuracy")[3] == 0.60357)
        #expect(Self.values(run, "eval_loss") == [2: 1.92114, 4: 1.66350, 6: 1.51263])
        #expect(Self.values(run, "eval_accuracy") == [2: 0.56602, 4: 0.60891, 6: 0.63012])
        #expect(Self.values(run, "eval_full_loss") == [6: 1.52871])
        #expect(Self.values(run, "eval_full_accuracy") == [6: 0.62804])
        #expect(!run.metrics.contains { $0.value == 0 }, "empty cells must not become zeros")
    }

    @Test func base64ResultFileDecodesToTheSamePointsAsThePlainFile() throws {
        let (encoded, encodedPath) = try Self.load("openai_results_full_valid.b64")
        let (plain, plainPath) = try Self.load("openai_results_full_valid.csv")
        #expect(try Importers.detectFormat(data: encoded, path: encodedPath) == .openaiResults)
        let fromBase64 = try Importers.parse(data: encoded, path: encodedPath)
        #expect(fromBase64 == (try Importers.parse(data: plain, path: plainPath)))
        #expect(try Importers.parse(data: encoded, path: encodedPath, format: .openaiResults) == fromBase64)

        // Every real result file, re-encoded (single line and MIME-wrapped), imports exactly like the original.
        for name in ["027_bptlab__fine-tuning-large-robot-model__step_metrics.csv",
                     "059_jigawhat__languart__compiled_results.csv",
                     "097_QuantumApple99__HistoryGPT__step_metrics.csv",
                     "101_rashmishreev__Patent-Insights-298B__step_metrics.csv",
                     "103_rhakbari__ms-thesis-gpt-3__compiled_results.csv"] {
            let original = try Fixtures.data("curves/raw/\(name)")
            let expected = try Importers.parse(data: original, path: name)
            for options in [Data.Base64EncodingOptions(), .lineLength76Characters] {
                let wrapped = Data(original.base64EncodedString(options: options).utf8)
                #expect(try Importers.detectFormat(data: wrapped, path: name) == .openaiResults, "\(name)")
                #expect(try Importers.parse(data: wrapped, path: name) == expected, "\(name): base64 \(options)")
            }
        }
    }

    @Test func legacyResultColumnsMapToCanonicalKeys() throws {
        let name = "059_jigawhat__languart__compiled_results.csv"
        let run = try #require(try Importers.parse(data: Fixtures.data("curves/raw/\(name)"), path: name).first)
        #expect(Set(run.metrics.map(\.key)) == [
            "elapsed_tokens", "elapsed_examples", "train_loss", "train_sequence_accuracy", "train_accuracy",
            "eval_loss", "eval_sequence_accuracy", "eval_accuracy",
        ])
        // First row: 1,228,4,1.1573779782442217,0.0,0.5,1.0657771627050958,0.0,0.5138888888888888
        #expect(Self.values(run, "elapsed_tokens")[1] == 228)
        #expect(Self.values(run, "elapsed_examples")[1] == 4)
        #expect(Self.values(run, "train_loss")[1] == 1.1573779782442217)
        #expect(Self.values(run, "train_sequence_accuracy")[1] == 0.0, "a written 0.0 is a real zero")
        #expect(Self.values(run, "train_accuracy")[1] == 0.5)
        #expect(Self.values(run, "eval_loss")[1] == 1.0657771627050958)
        #expect(Self.values(run, "eval_sequence_accuracy")[1] == 0.0)
        #expect(Self.values(run, "eval_accuracy")[1] == 0.5138888888888888)
        #expect(Self.values(run, "eval_loss")[2] == nil, "row 2 has empty validation cells")
    }

    @Test func emptyListResponseCannotBeAutoDetectedButParsesToNothingWhenTheFormatIsGiven() throws {
        let data = Data(#"{"object": "list", "data": [], "has_more": false}"#.utf8)
        #expect(throws: LogError.self) { try Importers.detectFormat(data: data, path: "jobs.json") }
        #expect(try Importers.parse(data: data, path: "jobs.json", format: .openaiJob).isEmpty)
        let events = try Importers.parse(data: data, path: "events.json", format: .openaiEvents)
        #expect(events.count == 1 && events[0].metrics.isEmpty)
    }
}
