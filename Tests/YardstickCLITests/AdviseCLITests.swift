import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

/// `yardstick advise` end to end: log files parsed on the fly, stored runs, JSON schema, errors.
@Suite struct AdviseCLITests {
    let folder: URL

    init() throws {
        folder = try TemporaryDirectory.make()
    }

    func yardstick(_ arguments: [String], _ db: String) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--db", db])
    }

    func realLog(_ id: String) throws -> String {
        let raw = Fixtures.url("curves/raw")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: raw.path).first { $0.hasPrefix(id + "_") })
        return raw.appendingPathComponent(file).path
    }

    /// Everything but where the run came from.
    func advice(_ object: [String: Any]) -> NSDictionary {
        var copy = object
        copy["run"] = nil
        copy["source"] = nil
        return copy as NSDictionary
    }

    @Test(arguments: Backend.available) func aLogFileAndTheSameFileImportedIntoTheStoreGetIdenticalAdvice(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        for id in ["087", "019", "059", "115"] {
            let file = try realLog(id)
            let fromFile = try yardstick(["advise", file, "--json"], db)
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            let imported = try yardstick(["import", "--experiment", "e", "--run", "r\(id)", file], db)
            #expect(imported.status == 0, "\(imported.stderr)")
            let fromStore = try yardstick(["advise", "r\(id)", "--experiment", "e", "--json"], db)
            #expect(fromStore.status == 0, "\(fromStore.stderr)")
            let a = try #require(try CLIRunner.json(fromFile) as? [String: Any])
            let b = try #require(try CLIRunner.json(fromStore) as? [String: Any])
            #expect(advice(a) == advice(b), "\(id)")
            #expect((a["source"] as? String)?.hasPrefix("file:") == true && (b["source"] as? String)?.hasPrefix("store:") == true)
        }
        // Nothing was written by advising a file: only the four imports are in the store.
        #expect(try Store(path: db).listRuns().count == 4)
    }

    @Test(arguments: Backend.available) func jsonHasTheDocumentedFieldsAndTypes(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        let r = try yardstick(["advise", try realLog("087"), "--json"], db)
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try CLIRunner.json(r) as? [String: Any])
        #expect(Set(o.keys) == ["run", "source", "diagnoses", "advice", "stop_epoch", "stop_step", "checkpoint", "reasons"])
        let diagnoses = try #require(o["diagnoses"] as? [[String: Any]])
        #expect(diagnoses.map { Set($0.keys) } == [["label", "confidence", "evidence"]])
        #expect(diagnoses[0]["label"] as? String == "overfitting" && diagnoses[0]["confidence"] is Double)
        let advice = try #require(o["advice"] as? [String: String])
        #expect(advice == ["epochs": "lower", "learning_rate": "keep", "batch_size": "keep"])
        #expect(o["stop_epoch"] as? Double == 2.0 && o["stop_step"] as? Int == 5600)
        #expect(o["checkpoint"] is NSNull)
        #expect((o["reasons"] as? [String])?.isEmpty == false)
    }

    @Test(arguments: Backend.available) func severalRunsGiveAnArrayAndHumanOutputNamesTheKnobs(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        let files = [try realLog("087"), try realLog("039")]
        let r = try yardstick(["advise"] + files + ["--json"], db)
        #expect(r.status == 0, "\(r.stderr)")
        let array = try #require(try CLIRunner.json(r) as? [[String: Any]])
        #expect(array.count == 2)
        let text = try yardstick(["advise", files[0]], db)
        #expect(text.status == 0)
        #expect(text.stdout.contains("overfitting (confidence"))
        #expect(text.stdout.contains("advice: epochs lower, learning rate keep, batch size keep"))
        #expect(text.stdout.contains("stop at: step 5,600, epoch 2.00"))
    }

    @Test(arguments: Backend.available) func storedRunsThatDifferInOneParameterGetACrossRunLine(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        for (name, lr, best) in [("low", "0.05", "0.61"), ("high", "0.2", "0.52")] {
            _ = try yardstick(["runs", "create", "--experiment", "sweep", "--name", name, "--param", "learning_rate_multiplier=\(lr)"], db)
            let rows = (1...6).map { "\($0),eval_loss,\($0 == 3 ? best : String(Double(best)! + 0.01 * Double($0)))" }.joined(separator: "\n")
            let log = try CLIRunner.run(["log", "metrics", name, "--experiment", "sweep", "--db", db], stdin: Data(("step,key,value\n" + rows + "\n").utf8))
            #expect(log.status == 0, "\(log.stderr)")
        }
        let r = try yardstick(["advise", "--experiment", "sweep"], db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("across runs:"))
        #expect(r.stdout.contains("learning_rate_multiplier 0.2 reached validation loss 0.52 vs 0.61 at 0.05: try 0.4"), "\(r.stdout)")
    }

    @Test(arguments: Backend.available) func anUnknownRunIsOneErrorLineWithExitCodeOne(_ backend: Backend) throws {
        let db = try backend.newLocation(in: folder)
        _ = try yardstick(["runs", "create", "--experiment", "e", "--name", "x"], db)
        let r = try yardstick(["advise", "no-such-run"], db)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        let usage = try yardstick(["advise"], db)
        #expect(usage.status == 2)
    }
}
