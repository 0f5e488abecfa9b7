import Foundation
import Testing
@testable import YardstickStore
import YardstickTestSupport

@Suite struct StoreImportRunTests {
    func jobObject(status: String = "succeeded", model: String? = "ft:gpt-4o-mini:acme::abc") -> TrainingLog {
        TrainingLog(
            suggestedName: "ftjob-abc", provider: "openai", jobID: "ftjob-abc", baseModel: "gpt-4o-mini-2024-07-18",
            fineTunedModel: model, status: status, createdAt: Date(timeIntervalSince1970: 1_720_000_000),
            startedAt: Date(timeIntervalSince1970: 1_720_000_010), endedAt: Date(timeIntervalSince1970: 1_720_000_900),
            params: [("n_epochs", .int(3)), ("batch_size", .string("auto")), ("learning_rate_multiplier", .double(1.8))],
            tags: [("source", "api")],
            datasets: [DatasetReference(path: "file-train", role: .train), DatasetReference(path: "file-valid", role: .valid)])
    }

    func curve(_ steps: ClosedRange<Int>, key: String = "train_loss") -> [MetricPoint] {
        steps.map { MetricPoint(key: key, step: Int64($0), value: 3.0 / Double($0)) }
    }

    func source(_ name: String, _ contents: String, format: ImportFormat = .openaiJob) -> ImportSource {
        ImportSource(path: "logs/\(name)", format: format, contents: Data(contents.utf8))
    }

    @Test func sourceHashesContentsWithSHA256() {
        let s = source("x.json", "abc")
        #expect(s.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(s.sizeBytes == 3)
    }

    @Test(arguments: Backend.available) func importCreatesARunWithEverythingTheFileGives(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        var imported = jobObject()
        imported.metrics = curve(1...50)
        let outcome = try store.importRun(imported, source: source("job.json", "{job}"), experiment: "openai")
        guard case let .created(runID, runName, points) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(runName == "ftjob-abc")
        #expect(points == 50)
        let run = try #require(try store.run(id: runID))
        #expect(run.status == "succeeded" && run.provider == "openai" && run.jobID == "ftjob-abc")
        #expect(run.fineTunedModel == "ft:gpt-4o-mini:acme::abc" && run.baseModel == "gpt-4o-mini-2024-07-18")
        #expect(run.createdAt == Date(timeIntervalSince1970: 1_720_000_000) && run.endedAt == Date(timeIntervalSince1970: 1_720_000_900))
        #expect(try store.params(run: runID) == ["n_epochs": .int(3), "batch_size": .string("auto"), "learning_rate_multiplier": .double(1.8)])
        #expect(try store.tags(run: runID) == ["source": "api"])
        #expect(try store.datasets(run: runID).map(\.reference.role) == [.train, .valid])
        #expect(try store.history(run: runID) == imported.metrics)
        let record = try #require(try store.imports(run: runID).first)
        #expect(record.path == "logs/job.json" && record.format == "openai-job" && record.points == 50 && record.sizeBytes == 5)
    }

    @Test(arguments: Backend.available) func importingTheSameFileAgainChangesNothing(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        var imported = jobObject()
        imported.metrics = curve(1...10)
        let file = source("job.json", "same bytes")
        let first = try store.importRun(imported, source: file, experiment: "e")
        let counts = try store.tableCounts()
        // Same bytes under another path and with another requested name: still the same file.
        var moved = file
        moved.path = "elsewhere/copy.json"
        let again = try store.importRun(imported, source: moved, experiment: "other", runName: "renamed")
        #expect(again == .alreadyImported(runID: first.runID, runName: "ftjob-abc"))
        #expect(try store.tableCounts() == counts)
    }

    @Test(arguments: Backend.available) func laterFilesOfTheSameJobAttachToItsRun(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let created = try store.importRun(jobObject(status: "running", model: nil), source: source("job.json", "v1"), experiment: "e")
        let events = TrainingLog(jobID: "ftjob-abc", metrics: curve(1...20))
        let attached = try store.importRun(events, source: source("events.jsonl", "events", format: .openaiEvents), experiment: "e")
        #expect(attached == .extended(runID: created.runID, runName: "ftjob-abc", points: 20))
        // A refreshed job object updates the attributes it now knows.
        let refreshed = try store.importRun(jobObject(), source: source("job.json", "v2"), experiment: "e")
        #expect(refreshed.runID == created.runID)
        let run = try #require(try store.run(id: created.runID))
        #expect(run.status == "succeeded" && run.fineTunedModel == "ft:gpt-4o-mini:acme::abc")
        #expect(try store.count("runs") == 1)
        #expect(try store.imports(run: created.runID).map(\.format) == ["openai-job", "openai-events", "openai-job"])
    }

    @Test(arguments: Backend.available) func targetRunIsExtendedAndOverlappingPointsAreNotDuplicated(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let run = try store.createRun(experiment: "e", name: "manual")
        let first = try store.importRun(TrainingLog(metrics: curve(1...30)), source: source("a.csv", "a", format: .csv), experiment: "e", target: "manual")
        #expect(first == .extended(runID: run.id, runName: "manual", points: 30))
        let overlap = try store.importRun(TrainingLog(metrics: curve(20...40)), source: source("b.csv", "b", format: .csv), experiment: "e", target: String(run.id.prefix(6)))
        #expect(overlap == .extended(runID: run.id, runName: "manual", points: 10))
        #expect(try store.pointCount(run: run.id) == 40)
    }

    @Test(arguments: Backend.available) func derivedNamesAreMadeUniqueButExplicitNamesMustBeFree(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let trainerState = TrainingLog(suggestedName: "output", provider: "huggingface", metrics: curve(1...3, key: "loss"))
        let a = try store.importRun(trainerState, source: source("1/trainer_state.json", "1", format: .hfTrainerState), experiment: "hf")
        let b = try store.importRun(trainerState, source: source("2/trainer_state.json", "2", format: .hfTrainerState), experiment: "hf")
        #expect(a.runName == "output" && b.runName == "output-2")
        let unnamed = try store.importRun(TrainingLog(), source: source("results.csv", "3", format: .csv), experiment: "hf")
        #expect(unnamed.runName == "results", "falls back to the file name")
        let counts = try store.tableCounts()
        #expect(throws: StoreError.runNameTaken(name: "output", experiment: "hf")) {
            try store.importRun(trainerState, source: source("3/trainer_state.json", "4", format: .hfTrainerState), experiment: "hf", runName: "output")
        }
        #expect(try store.tableCounts() == counts)
    }

    @Test(arguments: Backend.available) func anErrorHalfwayWritesNothing(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let before = try store.tableCounts()
        var broken = jobObject()
        // Valid points first, so the run, params, datasets and many points are written before the failure.
        broken.metrics = curve(1...1000) + [MetricPoint(key: "", step: 1, value: 0)]
        #expect(throws: StoreError.self) {
            try store.importRun(broken, source: source("job.json", "broken"), experiment: "new-experiment")
        }
        #expect(try store.tableCounts() == before, "the failed import left rows behind")
        // The same file imports fine once it is valid: the failure left no provenance row either.
        var fixed = broken
        fixed.metrics.removeLast()
        let outcome = try store.importRun(fixed, source: source("job.json", "broken"), experiment: "new-experiment")
        guard case .created(_, _, 1000) = outcome else { Issue.record("got \(outcome)"); return }
    }

    @Test(arguments: Backend.available) func unknownTargetFailsWithoutWriting(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let before = try store.tableCounts()
        #expect(throws: StoreError.runNotFound(reference: "nope", experiment: "e")) {
            try store.importRun(TrainingLog(metrics: curve(1...3)), source: source("x.csv", "x", format: .csv), experiment: "e", target: "nope")
        }
        #expect(try store.tableCounts() == before)
    }

    @Test(arguments: Backend.available) func importedNaNLossIsStoredAndReadBackAsNaN(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let result = try store.importFile(at: Fixtures.url("importers/diverging_loss.csv").path, run: "diverging")
        guard case let .created(runID, _, points) = try #require(result.outcomes.first) else {
            Issue.record("got \(result.outcomes)"); return
        }
        #expect(points == 8)
        let loss = try store.history(run: runID, keys: ["train_loss"])
        #expect(loss.map(\.step) == [10, 20, 30, 40])
        #expect(loss[0].value == 2.31 && loss[1].value == 1.95 && loss[2].value.isNaN && loss[3].value.isNaN)
        #expect(loss[2].epoch == 0.3)
        #expect(try store.history(run: runID, keys: ["grad_norm"]).map(\.value) == [1.9, 3.7, .infinity])
        #expect(try store.finalMetrics(run: runID)["train_loss"]?.isNaN == true, "the last loss is the NaN one")
    }
}
