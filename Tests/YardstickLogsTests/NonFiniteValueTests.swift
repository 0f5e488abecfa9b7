import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// NaN and infinity are measurements (a loss that diverged); only empty, `NA`, `N/A` and `null` mean "no value".
@Suite struct NonFiniteValueTests {
    static func parse(_ text: String, format: ImportFormat? = nil) throws -> TrainingLog {
        try #require(try Importers.parse(data: Data(text.utf8), path: "log", format: format).first)
    }

    /// Bit-exact comparison, so NaN equals NaN.
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 }
    }

    @Test func csvLogKeepsANaNLossAsAPointOnTheCurve() throws {
        let run = try #require(try Importers.parse(data: Fixtures.data("importers/diverging_loss.csv"), path: "diverging_loss.csv").first)
        let loss = run.series("train_loss")
        #expect(loss.map(\.step) == [10, 20, 30, 40])
        #expect(Self.same(loss.map(\.value), [2.31, 1.95, .nan, .nan]))
        #expect(loss[2].epoch == 0.3, "the NaN point keeps its coordinates")
        #expect(run.series("grad_norm").map(\.value) == [1.9, 3.7, .infinity])
        #expect(run.series("eval_loss").map(\.step) == [10], "empty, NA and null cells are missing")
    }

    @Test func everyNaNAndInfinitySpellingIsAValueAndOnlyMissingTextIsDropped() throws {
        let spellings: [(String, Double)] = [
            ("nan", .nan), ("NaN", .nan), ("-nan", .nan), ("+NAN", .nan), ("inf", .infinity), ("-inf", -.infinity),
            ("Infinity", .infinity), ("-Infinity", -.infinity), ("INF", .infinity), ("  -infinity ", -.infinity),
        ]
        let missing = ["", "NA", "na", "N/A", "n/a", "null", "NULL", " Null "]
        var csv = "step,loss\n"
        for (i, (text, _)) in spellings.enumerated() { csv += "\(i + 1),\(text)\n" }
        for (i, text) in missing.enumerated() { csv += "\(100 + i),\(text)\n" }
        let loss = try Self.parse(csv).series("train_loss")
        #expect(loss.map(\.step) == Array(1...Int64(spellings.count)), "missing cells give no point")
        #expect(Self.same(loss.map(\.value), spellings.map(\.1)))
        // The same cells through `log metrics` rows, long form.
        var long = "step,key,value\n"
        for (i, (text, _)) in spellings.enumerated() { long += "\(i + 1),loss,\(text)\n" }
        for (i, text) in missing.enumerated() { long += "\(100 + i),loss,\(text)\n" }
        let rows = try Importers.parseMetricRows(data: Data(long.utf8), path: "rows.csv")
        #expect(rows.map(\.step) == Array(1...Int64(spellings.count)))
        #expect(Self.same(rows.map(\.value), spellings.map(\.1)))
    }

    @Test func nanTextThatIsNotANumberSpellingIsStillAnError() {
        #expect(throws: LogError.self) { try Self.parse("step,loss\n1,nanx\n") }
        #expect(throws: LogError.self) { try Self.parse("step,loss\n1,-\n") }
    }

    @Test func nanInAnEpochOrWallTimeCellPlacesNothing() throws {
        let point = try #require(try Self.parse("step,epoch,wall_time,loss\n1,nan,NaN,0.5\n").metrics.first)
        #expect(point.epoch == nil && point.wallTime == nil && point.value == 0.5)
    }

    @Test func jsonLinesKeepNaNLiteralsAndNaNStringsAndDropNullAndMissingStrings() throws {
        let jsonl = """
            {"step": 1, "loss": NaN, "grad_norm": -Infinity}
            {"step": 2, "loss": "nan", "grad_norm": "Infinity"}
            {"step": 3, "loss": null, "grad_norm": "null"}
            {"step": 4, "loss": "N/A", "grad_norm": ""}
            {"step": 5, "key": "loss", "value": "-nan"}
            {"step": 6, "key": "loss", "value": null}
            {"step": 7, "key": "loss", "value": "NA"}
            """
        let rows = try Importers.parseMetricRows(data: Data(jsonl.utf8), path: "rows.jsonl")
        #expect(rows.map(\.key) == ["loss", "grad_norm", "loss", "grad_norm", "loss"])
        #expect(rows.map(\.step) == [1, 1, 2, 2, 5])
        #expect(Self.same(rows.map(\.value), [.nan, -.infinity, .nan, .infinity, .nan]))
        #expect(throws: LogError.self) {
            try Importers.parseMetricRows(data: Data(#"{"step": 1, "loss": "diverged"}"#.utf8), path: "rows.jsonl")
        }
    }

    @Test func trainerLogsKeepNaNWrittenAsAJSONString() throws {
        let state = #"{"log_history": [{"step": 5, "epoch": 0.5, "loss": "NaN", "grad_norm": "inf"}, {"step": 10, "loss": null}]}"#
        let hf = try Self.parse(state)
        #expect(hf.series("train_loss").count == 1 && hf.series("train_loss")[0].value.isNaN)
        #expect(hf.series("grad_norm").map(\.value) == [.infinity])
        let llama = try Self.parse(#"{"current_steps": 3, "total_steps": 9, "loss": NaN, "lr": 1e-4}"# + "\n")
        #expect(llama.series("train_loss").count == 1 && llama.series("train_loss")[0].value.isNaN)
    }

    @Test func openAIResultCellWithNaNIsKept() throws {
        let csv = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.5,0.4,,\n2,nan,0.5,NaN,\n"
        let run = try Self.parse(csv)
        #expect(try Importers.detectFormat(data: Data(csv.utf8), path: "step_metrics.csv") == .openaiResults)
        #expect(Self.same(run.series("train_loss").map(\.value), [1.5, .nan]))
        #expect(run.series("eval_loss").map(\.step) == [2] && run.series("eval_loss")[0].value.isNaN)
        #expect(run.series("eval_accuracy").isEmpty)
    }
}
