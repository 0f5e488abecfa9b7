import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// `yardstick import` end to end: real logs, OpenAI job files together, idempotency and rollback.
@Suite struct ImportCLITests {
    let folder: URL

    init() throws {
        folder = try TemporaryDirectory.make()
    }

    func yardstick(_ arguments: [String], _ db: String) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--db", db])
    }

    @Test(arguments: Backend.available) func everyRealTrainingLogImportsIntoItsOwnRun(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        let raw = Fixtures.url("curves/raw")
        let files = try FileManager.default.contentsOfDirectory(atPath: raw.path).sorted().map { raw.appendingPathComponent($0).path }
        #expect(files.count == 47)
        let r = try yardstick(["import", "--experiment", "public"] + files + ["--json"], db)
        #expect(r.status == 0, "\(r.stderr)")
        let results = try #require(try CLIRunner.json(r) as? [[String: Any]])
        #expect(results.count == 47)
        #expect(results.allSatisfy { (($0["runs"] as? [[String: Any]])?.first?["status"] as? String) == "created" })
        let store = try Store(path: db)
        #expect(try store.listRuns(experiment: "public").count == 47)
        let again = try yardstick(["import", "--experiment", "public", files[0]], db)
        #expect(again.status == 0 && again.stdout.contains("already imported"), "\(again.stdout)")
        #expect(try store.listRuns(experiment: "public").count == 47)
    }

    @Test(arguments: Backend.available) func openAIEventsAndResultsJoinTheJobImportedBeforeThem(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        let files = ["openai_job_supervised.json", "openai_events.json", "openai_results_full_valid.b64"]
            .map { Fixtures.url("importers/\($0)").path }
        let r = try yardstick(["import"] + files, db)
        #expect(r.status == 0, "\(r.stderr)")
        let store = try Store(path: db)
        let runs = try store.listRuns()
        #expect(runs.count == 1)
        let run = try #require(runs.first?.run)
        #expect(run.jobID == "ftjob-7Hq2LmXbR4kT9vNc1sYdWe3F" && run.provider == "openai")
        #expect(try store.history(run: run.id, keys: ["eval_loss"]).count > 0)
        #expect(try store.imports(run: run.id).count == 3)
    }

    @Test(arguments: Backend.available) func aMalformedFileNamesItsLineAndChangesNothing(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        _ = try yardstick(["import", Fixtures.url("importers/llama_factory_resumed.jsonl").path], db)
        let store = try Store(path: db)
        let before = try store.listRuns().map { try store.pointCount(run: $0.run.id) }
        let r = try yardstick(["import", Fixtures.url("importers/openai_results_bad_cell.csv").path], db)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: \(Fixtures.url("importers/openai_results_bad_cell.csv").path):4: column 'train_accuracy'"), "\(r.stderr)")
        #expect(try store.listRuns().map { try store.pointCount(run: $0.run.id) } == before)
    }

    @Test(arguments: Backend.available) func importedNaNLossShowsAsNanInHistoryCSVAndNullInJSON(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        let r = try yardstick(["import", "--run", "diverging", Fixtures.url("importers/diverging_loss.csv").path], db)
        #expect(r.status == 0, "\(r.stderr)")
        let history = try yardstick(["runs", "history", "diverging", "--csv"], db)
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout == """
            key,step,epoch,value,wall_time
            eval_loss,10,0.1,2.4,
            grad_norm,10,0.1,1.9,
            grad_norm,20,0.2,3.7,
            grad_norm,30,0.3,inf,
            train_loss,10,0.1,2.31,
            train_loss,20,0.2,1.95,
            train_loss,30,0.3,nan,
            train_loss,40,0.4,nan,

            """)
        let json = try #require(try CLIRunner.json(try yardstick(["runs", "history", "diverging", "train_loss", "--json"], db)) as? [String: Any])
        let points = try #require(json["points"] as? [[String: Any]])
        #expect(points.map { $0["step"] as? Int } == [10, 20, 30, 40])
        #expect(points[2]["value"] is NSNull && points[3]["value"] is NSNull, "non-finite numbers are null in JSON")
        // The CSV history logged into another run keeps its NaN points.
        _ = try yardstick(["runs", "create", "--name", "copy"], db)
        let logged = try CLIRunner.run(["log", "metrics", "copy", "--db", db], stdin: Data(history.stdout.utf8))
        #expect(logged.status == 0, "\(logged.stderr)")
        #expect(try yardstick(["runs", "history", "copy", "--csv"], db).stdout == history.stdout)
    }
}
