import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// Generic CSV / JSON Lines curves and `parseMetricRows` (the bulk input of `yardstick log metrics`).
@Suite struct ImporterGenericTests {
    static func values(_ points: [MetricPoint], _ key: String) -> [Int64: Double] {
        Dictionary(points.filter { $0.key == key }.map { ($0.step, $0.value) }, uniquingKeysWith: { $1 })
    }

    @Test func wideCSVWithCRLFQuotedHeaderAndBlankLineMapsAliasesAndSkipsMissingCells() throws {
        let data = try Fixtures.data("importers/generic_wide.csv")
        #expect(try Importers.detectFormat(data: data, path: "metrics.csv") == .csv)
        let run = try #require(try Importers.parse(data: data, path: "metrics.csv").first)
        #expect(run.provider == nil && run.params.isEmpty)
        #expect(Set(run.metrics.map(\.key)) == ["train_loss", "eval_loss", "accuracy, top-1", "grad_norm"])
        #expect(Self.values(run.metrics, "train_loss") == [10: 2.31, 20: 2.02, 30: 1.87, 40: 1.75])
        #expect(Self.values(run.metrics, "eval_loss") == [20: 2.11, 40: 1.93])
        #expect(Self.values(run.metrics, "accuracy, top-1") == [20: 0.41, 40: 0.47])
        let grad = run.series("grad_norm")
        #expect(grad.map(\.step) == [10, 20, 30], "an empty cell is missing; NaN text is a value")
        #expect(grad.count == 3 && grad[0].value == 1.9 && grad[1].value.isNaN && grad[2].value == 1.1)
        let first = try #require(run.metrics.first { $0.key == "train_loss" && $0.step == 30 })
        #expect(first.epoch == 0.3)
        #expect(first.wallTime == 1_700_000_031.25)
    }

    @Test func longFormCSVRowsComeBackInFileOrderWithTheirOwnNamesAndEscapedQuotes() throws {
        let data = try Fixtures.data("importers/generic_long.csv")
        let rows = try Importers.parseMetricRows(data: data, path: "rows.csv")
        #expect(rows == [
            MetricPoint(key: "loss", step: 1, epoch: 0.01, value: 2.5, wallTime: 1_700_000_001),
            MetricPoint(key: "lr", step: 1, epoch: 0.01, value: 0.0001, wallTime: 1_700_000_001),
            MetricPoint(key: "loss", step: 2, epoch: 0.02, value: 2.25, wallTime: 1_700_000_002),
            MetricPoint(key: "val_loss", step: 2, epoch: 0.02, value: 2.4, wallTime: 1_700_000_002),
            MetricPoint(key: "loss", step: 3, value: 2.0),
            MetricPoint(key: "bleu \"sacre\"", step: 3, epoch: 0.03, value: 31.5, wallTime: 1_700_000_003),
        ])
        // The same file imported as a run: common spellings mapped to canonical keys, sorted by key then step.
        let run = try #require(try Importers.parse(data: data, path: "rows.csv").first)
        #expect(run.metrics.map(\.key) == ["bleu \"sacre\"", "eval_loss", "learning_rate", "train_loss", "train_loss", "train_loss"])
    }

    @Test func jsonLinesRowsAcceptLongAndWideObjectsNullAsMissingAndPythonNonFiniteLiterals() throws {
        let data = try Fixtures.data("importers/generic_rows.jsonl")
        #expect(try Importers.detectFormat(data: data, path: "rows.jsonl") == .csv)
        let rows = try Importers.parseMetricRows(data: data, path: "rows.jsonl")
        try #require(rows.count == 6)
        #expect(rows[0] == MetricPoint(key: "train_loss", step: 1, epoch: 0.5, value: 2.5, wallTime: 1_700_000_001.5))
        #expect(rows[1] == MetricPoint(key: "train_loss", step: 2, epoch: 1.0, value: 2.1))
        #expect(rows[2] == MetricPoint(key: "eval_loss", step: 2, epoch: 1.0, value: 2.3))
        #expect(rows[3] == MetricPoint(key: "learning_rate", step: 2, epoch: 1.0, value: 5e-05))
        #expect(rows[4].key == "train_loss" && rows[4].step == 3 && rows[4].value.isNaN && rows[4].wallTime == 1_700_000_003)
        #expect(rows[5] == MetricPoint(key: "grad_norm", step: 3, value: .infinity, wallTime: 1_700_000_003))
    }

    @Test func repeatedStepsInAGenericFileKeepTheLastRow() throws {
        let csv = "iteration,loss\n1,0.9\n2,0.8\n1,0.85\n"
        let run = try #require(try Importers.parse(data: Data(csv.utf8), path: "log.csv", format: .csv).first)
        #expect(run.metrics == [
            MetricPoint(key: "train_loss", step: 1, value: 0.85), MetricPoint(key: "train_loss", step: 2, value: 0.8),
        ])
    }

    @Test func stepsWrittenAsWholeFloatsAreAccepted() throws {
        let csv = "global_step,val_loss\n10.0,1.5\n2e1,1.25\n"
        let rows = try Importers.parseMetricRows(data: Data(csv.utf8), path: "x.csv")
        #expect(rows.map(\.step) == [10, 20])
        #expect(rows.map(\.key) == ["val_loss", "val_loss"])
    }

    @Test func detectionReadsContentNotTheFileName() throws {
        let trainerState = try Fixtures.data("importers/hf_diverging_trainer_state.json")
        #expect(try Importers.detectFormat(data: trainerState, path: "metrics.csv") == .hfTrainerState)
        let csv = try Fixtures.data("importers/generic_wide.csv")
        #expect(try Importers.detectFormat(data: csv, path: "trainer_state.json") == .csv)
        let llama = try Fixtures.data("importers/llama_factory_resumed.jsonl")
        #expect(try Importers.detectFormat(data: llama, path: "log.csv") == .llamaFactory)
        let oneLine = Data(#"{"current_steps": 5, "total_steps": 10, "loss": 1.0}"#.utf8)
        #expect(try Importers.detectFormat(data: oneLine, path: "trainer_log.jsonl") == .llamaFactory)
        let wideLine = Data("{\"step\": 1, \"loss\": 1.0}\n".utf8)
        #expect(try Importers.detectFormat(data: wideLine, path: "x.json") == .csv)
    }

    @Test func millionRowSizedLongFormFileParsesEveryRow() throws {
        // A scaled-down bulk file (the speed budget is measured in a release build, not here).
        var text = "step,key,value,epoch,wall_time\n"
        let keys = ["train_loss", "eval_loss", "learning_rate", "grad_norm"]
        var expectedSum = 0.0
        for i in 0..<20_000 {
            let step = i / 4 + 1
            let value = Double(i % 997) / 1000 + 0.0005
            expectedSum += value
            text += "\(step),\(keys[i % 4]),\(value),\(Double(step) / 2500),\(1_700_000_000 + step)\n"
        }
        let rows = try Importers.parseMetricRows(data: Data(text.utf8), path: "bulk.csv")
        #expect(rows.count == 20_000)
        #expect(Fixtures.close(rows.reduce(0) { $0 + $1.value }, expectedSum))
        #expect(rows.last == MetricPoint(key: "grad_norm", step: 5000, epoch: 2, value: Double(19_999 % 997) / 1000 + 0.0005, wallTime: 1_700_005_000))
    }
}

extension ImporterGenericTests {
    @Test func singleColumnFileThatHappensToBeValidBase64IsReadAsCSV() throws {
        // "Step1410" is well-formed base64 that even decodes to valid UTF-8; the file must stay a (metric-less) CSV.
        let data = Data("Step\n14\n10\n".utf8)
        #expect(Data(base64Encoded: "Step1410").flatMap { String(data: $0, encoding: .utf8) } != nil)
        #expect(try Importers.detectFormat(data: data, path: "steps.csv") == .csv)
        let run = try #require(try Importers.parse(data: data, path: "steps.csv", format: .csv).first)
        #expect(run.metrics.isEmpty)
    }
}
