import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// Every real log in `Tests/Fixtures/curves/raw/`, checked against `sources.tsv` and against an independent parse
/// of the same file with Foundation.
@Suite struct ImporterRealLogTests {
    /// `sources.tsv` rows as column → value.
    static func sources() throws -> [[String: String]] {
        let lines = try Fixtures.text("curves/sources.tsv").split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, name) in header.enumerated() { row[name] = i < cells.count ? cells[i] : "" }
            return row
        }
    }

    static let expectedFormat: [String: ImportFormat] = [
        "hf_trainer_state": .hfTrainerState,
        "llamafactory_trainer_log": .llamaFactory,
        "openai_csv": .openaiResults,
        "openai_csv_legacy": .openaiResults,
    ]

    static let expectedProvider: [ImportFormat: String] = [
        .hfTrainerState: "huggingface", .llamaFactory: "llama-factory", .openaiResults: "openai",
    ]

    static func importRow(_ row: [String: String]) throws -> (format: ImportFormat, run: TrainingLog) {
        let file = row["file"]!
        let data = try Fixtures.data("curves/\(file)")
        let path = Fixtures.url("curves/\(file)").path
        let format = try Importers.detectFormat(data: data, path: path)
        let runs = try Importers.parse(data: data, path: path)
        try #require(runs.count == 1, "\(row["id"]!): \(runs.count) runs")
        return (format, runs[0])
    }

    /// Foundation's `JSONSerialization` on Linux is not correctly rounded (it reads `0.1998001998001998` as
    /// `0.19980019980019978`), so values read through it are compared with the fixtures' float rule; exact rounding
    /// of the importer's own number parser is proven separately against `Double(String)`.
    static func sameNumber(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return Fixtures.close(x, y)
        default: return false
        }
    }

    @Test func sourcesTableListsAllFortySevenPublicRuns() throws {
        let rows = try Self.sources()
        #expect(rows.count == 47)
        let counts = Dictionary(grouping: rows, by: { $0["format"]! }).mapValues(\.count)
        #expect(counts == ["hf_trainer_state": 40, "llamafactory_trainer_log": 2, "openai_csv": 3, "openai_csv_legacy": 2])
    }

    @Test func everyRealLogImportsWithTheFormatPointCountsAndHyperparametersOfSourcesTSV() throws {
        for row in try Self.sources() {
            let id = row["id"]!
            let (format, run) = try Self.importRow(row)
            let want = Self.expectedFormat[row["format"]!]!
            #expect(format == want, "\(id): detected \(format) vs \(want)")
            #expect(run.provider == Self.expectedProvider[want], "\(id): provider \(run.provider ?? "nil")")

            // n_train_points / n_eval_points count the logged train and eval losses.
            let train = run.metrics.filter { $0.key == "train_loss" }.count
            let eval = run.metrics.filter { $0.key == "eval_loss" }.count
            #expect(train == Int(row["n_train_points"]!), "\(id): \(train) train_loss points vs \(row["n_train_points"]!)")
            #expect(eval == Int(row["n_eval_points"]!), "\(id): \(eval) eval_loss points vs \(row["n_eval_points"]!)")

            // Sorted by key then step, no duplicates.
            for (a, b) in zip(run.metrics, run.metrics.dropFirst()) {
                #expect(a.key < b.key || (a.key == b.key && a.step < b.step), "\(id): \(a.key)@\(a.step) before \(b.key)@\(b.step)")
            }

            guard row["hp_source"] == "file" else {
                // Hyperparameters came from the source repository's notebooks, not from the file: nothing to import.
                #expect(run.params.isEmpty, "\(id): params \(run.params.map(\.key)) invented for a file without them")
                continue
            }
            for key in ["num_train_epochs", "train_batch_size", "max_steps", "global_step", "logging_steps", "eval_steps"] {
                let expected = row[key]!
                let got = run.param(key)
                if expected.isEmpty {
                    #expect(got == nil, "\(id): \(key) = \(got.map(String.init(describing:)) ?? "") but the file has none")
                } else {
                    #expect(got?.numericValue == Double(expected), "\(id): \(key) = \(got.map(String.init(describing:)) ?? "nil") vs \(expected)")
                }
            }
            // The tsv writes learning rates with %g; `learning_rate` there is the first logged rate.
            let peak = row["learning_rate_peak_logged"]!
            let first = row["learning_rate"]!
            let gotPeak = run.param("learning_rate")?.numericValue.map { String(format: "%g", $0) }
            #expect(gotPeak == peak, "\(id): learning_rate \(gotPeak ?? "nil") vs peak \(peak)")
            let gotFirst = run.param("learning_rate_first")?.numericValue.map { String(format: "%g", $0) }
            #expect(gotFirst == (first == peak ? nil : first), "\(id): learning_rate_first \(gotFirst ?? "nil") vs \(first)")
        }
    }

    @Test func everyTrainerStatePointMatchesFoundationsParseOfLogHistory() throws {
        for row in try Self.sources() where row["format"] == "hf_trainer_state" {
            let id = row["id"]!
            let (_, run) = try Self.importRow(row)
            let state = try #require(try Fixtures.json("curves/\(row["file"]!)") as? [String: Any])
            let history = try #require(state["log_history"] as? [[String: Any]])
            var expected: [String: [Int64: (value: Double, epoch: Double?)]] = [:]
            for entry in history where entry["train_runtime"] == nil {
                guard let step = (entry["step"] as? NSNumber)?.int64Value else { continue }
                let epoch = Fixtures.double(entry["epoch"])
                for (key, value) in entry where key != "step" && key != "epoch" {
                    guard let v = Fixtures.double(value) else { continue }
                    expected[key == "loss" ? "train_loss" : key, default: [:]][step] = (v, epoch)
                }
            }
            let got = Dictionary(grouping: run.metrics, by: \.key)
            #expect(Set(got.keys) == Set(expected.keys), "\(id): keys differ: \(Set(got.keys).symmetricDifference(expected.keys).sorted())")
            for (key, points) in got {
                let want = expected[key] ?? [:]
                #expect(points.count == want.count, "\(id): \(key) has \(points.count) points vs \(want.count)")
                for p in points {
                    guard let w = want[p.step] else {
                        Issue.record("\(id): unexpected \(key)@\(p.step)")
                        continue
                    }
                    #expect(Fixtures.close(p.value, w.value), "\(id): \(key)@\(p.step) = \(p.value) vs \(w.value)")
                    #expect(Self.sameNumber(p.epoch, w.epoch), "\(id): \(key)@\(p.step) epoch \(String(describing: p.epoch)) vs \(String(describing: w.epoch))")
                    #expect(p.wallTime == nil, "\(id): \(key)@\(p.step) has a wall time the file does not give")
                }
            }
        }
    }

    @Test func everyResultCSVPointMatchesTheCellsOfTheFile() throws {
        let names = [
            "train_loss": "train_loss", "train_accuracy": "train_accuracy", "valid_loss": "eval_loss",
            "valid_mean_token_accuracy": "eval_accuracy", "full_valid_loss": "eval_full_loss",
            "full_valid_mean_token_accuracy": "eval_full_accuracy", "elapsed_tokens": "elapsed_tokens",
            "elapsed_examples": "elapsed_examples", "training_loss": "train_loss",
            "training_sequence_accuracy": "train_sequence_accuracy", "training_token_accuracy": "train_accuracy",
            "validation_loss": "eval_loss", "validation_sequence_accuracy": "eval_sequence_accuracy",
            "validation_token_accuracy": "eval_accuracy",
        ]
        for row in try Self.sources() where row["format"]!.hasPrefix("openai_csv") {
            let id = row["id"]!
            let (_, run) = try Self.importRow(row)
            let lines = try Fixtures.text("curves/\(row["file"]!)").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = lines[0]
            var expected: [String: [Int64: Double]] = [:]
            for cells in lines.dropFirst() {
                let step = Int64(cells[0])!
                for (i, name) in header.enumerated().dropFirst() where !cells[i].isEmpty {
                    expected[names[name]!, default: [:]][step] = Double(cells[i])!
                }
            }
            let got = Dictionary(grouping: run.metrics, by: \.key)
            #expect(Set(got.keys) == Set(expected.keys), "\(id): keys \(got.keys.sorted()) vs \(expected.keys.sorted())")
            for (key, points) in got {
                #expect(points.count == expected[key]?.count, "\(id): \(key) count \(points.count)")
                for p in points {
                    #expect(p.value == expected[key]?[p.step], "\(id): \(key)@\(p.step) = \(p.value)")
                    #expect(p.epoch == nil && p.wallTime == nil, "\(id): \(key)@\(p.step) has coordinates the file lacks")
                }
            }
        }
    }

    @Test func everyLlamaFactoryPointMatchesFoundationsParseOfEachLine() throws {
        for row in try Self.sources() where row["format"] == "llamafactory_trainer_log" {
            let id = row["id"]!
            let (_, run) = try Self.importRow(row)
            var expected: [String: [Int64: (value: Double, epoch: Double?)]] = [:]
            let skip: Set<String> = ["current_steps", "total_steps", "epoch", "percentage", "elapsed_time", "remaining_time"]
            for line in try Fixtures.jsonLines("curves/\(row["file"]!)") {
                let step = (line["current_steps"] as! NSNumber).int64Value
                for (key, value) in line where !skip.contains(key) {
                    guard let v = Fixtures.double(value) else { continue }
                    let name = key == "loss" ? "train_loss" : (key == "lr" ? "learning_rate" : key)
                    expected[name, default: [:]][step] = (v, Fixtures.double(line["epoch"]))
                }
            }
            let got = Dictionary(grouping: run.metrics, by: \.key)
            #expect(Set(got.keys) == Set(expected.keys), "\(id): keys \(got.keys.sorted()) vs \(expected.keys.sorted())")
            for (key, points) in got {
                #expect(points.count == expected[key]?.count, "\(id): \(key) count \(points.count)")
                for p in points {
                    let w = expected[key]?[p.step]
                    #expect(w.map { Fixtures.close(p.value, $0.value) } == true, "\(id): \(key)@\(p.step) = \(p.value)")
                    #expect(Self.sameNumber(p.epoch, w?.epoch), "\(id): \(key)@\(p.step) epoch")
                }
            }
        }
    }

    @Test func renamedTrainerStateRunsAreNamedAfterTheirFileAndKeepTheRunSummaryAsParameters() throws {
        for row in try Self.sources() where row["format"] == "hf_trainer_state" {
            let id = row["id"]!
            let (_, run) = try Self.importRow(row)
            let file = String(row["file"]!.split(separator: "/").last!)
            var stem = file.dropLast("trainer_state.json".count)
            while stem.last == "_" { stem = stem.dropLast() }
            #expect(run.suggestedName == String(stem),
                    "\(id): suggested name \(run.suggestedName ?? "nil")")
            let state = try #require(try Fixtures.json("curves/\(row["file"]!)") as? [String: Any])
            let history = try #require(state["log_history"] as? [[String: Any]])
            if let summary = history.last(where: { $0["train_runtime"] != nil }) {
                #expect(Self.sameNumber(run.param("train_runtime")?.numericValue, Fixtures.double(summary["train_runtime"])), "\(id): train_runtime")
                #expect(Self.sameNumber(run.param("train_loss_mean")?.numericValue, Fixtures.double(summary["train_loss"])), "\(id): train_loss_mean")
                #expect(run.metrics.allSatisfy { $0.key != "train_runtime" && $0.key != "train_samples_per_second" }, "\(id): summary leaked into curves")
            } else {
                #expect(run.param("train_runtime") == nil, "\(id): train_runtime without a summary entry")
            }
            if let best = Fixtures.double(state["best_metric"]) {
                #expect(Self.sameNumber(run.param("best_metric")?.numericValue, best), "\(id): best_metric")
            } else {
                #expect(run.param("best_metric") == nil, "\(id): best_metric should be absent")
            }
            #expect(run.param("best_model_checkpoint")?.description == state["best_model_checkpoint"] as? String, "\(id): best_model_checkpoint")
        }
    }
}
