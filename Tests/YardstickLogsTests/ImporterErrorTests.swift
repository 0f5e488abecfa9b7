import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// Malformed input: every error names the file and, where there is one, the 1-based line.
@Suite struct ImporterErrorTests {
    static func error(_ body: () throws -> Any) -> LogError? {
        do {
            _ = try body()
            return nil
        } catch let e as LogError {
            return e
        } catch {
            return nil
        }
    }

    @Test func emptyAndBlankFilesAreErrorsInEveryEntryPoint() throws {
        for (name, data) in [("empty.csv", try Fixtures.data("importers/empty.csv")),
                             ("blank_lines.jsonl", try Fixtures.data("importers/blank_lines.jsonl"))] {
            let detect = Self.error { try Importers.detectFormat(data: data, path: name) }
            let parse = Self.error { try Importers.parse(data: data, path: name) }
            let rows = Self.error { try Importers.parseMetricRows(data: data, path: name) }
            for format in ImportFormat.allCases {
                let e = Self.error { try Importers.parse(data: data, path: name, format: format) }
                #expect(e?.file == name && e?.message == "empty file", "\(name) as \(format.rawValue): \(String(describing: e))")
            }
            for e in [detect, parse, rows] {
                #expect(e?.file == name && e?.message == "empty file", "\(name): \(String(describing: e))")
            }
        }
    }

    @Test func malformedTrainerStateNamesTheLineAndColumnOfTheSyntaxError() throws {
        let data = try Fixtures.data("importers/hf_truncated_trainer_state.json")
        // Python: "Expecting ',' delimiter: line 18 column 5".
        for e in [Self.error { try Importers.detectFormat(data: data, path: "trainer_state.json") },
                  Self.error { try Importers.parse(data: data, path: "trainer_state.json", format: .hfTrainerState) }] {
            #expect(e?.file == "trainer_state.json")
            #expect(e?.line == 18, "\(String(describing: e))")
            #expect(e?.message.contains("column 5") == true, "\(String(describing: e))")
        }
    }

    @Test func malformedJSONLinesLineIsNamed() throws {
        let data = try Fixtures.data("importers/llama_factory_bad_line.jsonl")
        #expect(try Importers.detectFormat(data: data, path: "trainer_log.jsonl") == .llamaFactory)
        let e = Self.error { try Importers.parse(data: data, path: "trainer_log.jsonl") }
        #expect(e?.line == 3, "\(String(describing: e))")
        // Python: "Expecting ',' delimiter: line 1 column 66".
        #expect(e?.message.contains("column 66") == true, "\(String(describing: e))")
        #expect(e?.description.hasPrefix("trainer_log.jsonl:3: malformed JSON") == true, "\(String(describing: e))")
    }

    @Test func nonNumericCellNamesTheFileLineAndColumn() throws {
        let data = try Fixtures.data("importers/openai_results_bad_cell.csv")
        let e = Self.error { try Importers.parse(data: data, path: "step_metrics.csv") }
        #expect(e == LogError(file: "step_metrics.csv", line: 4, message: "column 'train_accuracy': 'n/a?' is not a number"))
        #expect(e?.description == "step_metrics.csv:4: column 'train_accuracy': 'n/a?' is not a number")
    }

    @Test func lineNumbersCountPhysicalLinesAcrossQuotedNewlinesAndBlankLines() throws {
        let csv = "step,\"multi\nline\",loss\n\n1,2,0.5\n2,3,oops\n"
        let e = Self.error { try Importers.parseMetricRows(data: Data(csv.utf8), path: "m.csv") }
        #expect(e?.line == 5, "\(String(describing: e))")
        #expect(e?.message == "column 'loss': 'oops' is not a number")
    }

    @Test func badMetricRowsAreRejectedWithTheirLine() throws {
        let cases: [(text: String, line: Int, message: String)] = [
            ("step,key,value\n1,loss,0.5\nx,loss,0.4\n", 3, "column 'step': 'x' is not an integer step"),
            ("step,key,value\n1.5,loss,0.5\n", 2, "column 'step': '1.5' is not an integer step"),
            ("step,key,value\n1,,0.5\n", 2, "column 'key': missing key"),
            ("step,key,value\n,loss,0.5\n", 2, "column 'step': missing step"),
            ("step,key,value,run\n1,loss,0.5,a\n", 1,
             "unexpected column 'run' in long-form metric rows (expected step,key,value[,epoch][,wall_time])"),
            ("step,loss\n1,0.5,7\n", 2, "row has 3 fields but the header has 2"),
            ("epoch,loss\n1,0.5\n", 1, "no step column (expected one of step, global_step, iteration, iter)"),
            ("step,loss\n\"1,0.5\n", 2, "unterminated quoted field"),
            ("{\"step\": 1, \"key\": \"loss\", \"value\": 0.5}\n{\"step\": 2, \"key\": \"loss\", \"value\": \"high\"}\n", 2,
             "field 'value': expected a number"),
            ("{\"step\": 1, \"loss\": 0.5}\n\n{\"loss\": 0.4}\n", 3,
             "no step field (expected one of step, global_step, iteration, iter)"),
            ("{\"step\": 1, \"loss\": 0.5}\n{\"step\": 2, \"split\": \"train\"}\n", 2, "field 'split': expected a number"),
            ("{\"step\": 1, \"loss\": 0.5}\n[1, 2]\n", 2, "expected a JSON object on each line"),
            ("{\"step\": 1, \"key\": \"loss\", \"value\": 0.5, \"run\": \"a\"}\n", 1,
             "unexpected field 'run' in a long-form metric row (expected step, key, value, epoch, wall_time)"),
        ]
        for c in cases {
            let e = Self.error { try Importers.parseMetricRows(data: Data(c.text.utf8), path: "rows") }
            #expect(e == LogError(file: "rows", line: c.line, message: c.message), "\(c.text.debugDescription): \(String(describing: e))")
        }
    }

    @Test func unrecognisedContentSaysWhatWasExpected() throws {
        for text in ["hello world\n", "{\"name\": \"not a log\"}", "[1, 2, 3]", "a,b,c\n1,2,3\n"] {
            let e = Self.error { try Importers.detectFormat(data: Data(text.utf8), path: "x") }
            #expect(e?.message.hasPrefix("unrecognised format (expected") == true, "\(text.debugDescription): \(String(describing: e))")
        }
    }

    @Test func contentThatDoesNotFitAnExplicitFormatIsAnError() throws {
        let csv = try Fixtures.data("importers/generic_wide.csv")
        #expect(Self.error { try Importers.parse(data: csv, path: "m.csv", format: .hfTrainerState) }?.line == 1)
        let job = try Fixtures.data("importers/openai_job_dpo.json")
        let e = Self.error { try Importers.parse(data: job, path: "job.json", format: .hfTrainerState) }
        #expect(e?.message == "log_history is missing or not a list" && e?.line == 1, "\(String(describing: e))")
        let list = try Fixtures.data("importers/openai_events.json")
        let notJobs = Self.error { try Importers.parse(data: list, path: "events.json", format: .openaiJob) }
        #expect(notJobs?.message == "list item is not a fine_tuning.job object" && notJobs?.line == 4, "\(String(describing: notJobs))")
        let llama = Self.error { try Importers.parse(data: Data("{\"step\": 1}\n".utf8), path: "l.jsonl", format: .llamaFactory) }
        #expect(llama == LogError(file: "l.jsonl", line: 1, message: "line has no integer current_steps"))
    }

    @Test func jsonSyntaxErrorsAreReportedNotGuessed() throws {
        let cases: [(String, Int)] = [
            ("{\"log_history\": [\n  {\"loss\": 01}\n]}", 2),
            ("{\"log_history\": [\n\n  {\"loss\": nan}\n]}", 3),
            ("{\"log_history\": [1, 2,]\n}", 1),
            ("{\"a\": \"unterminated\n}", 1),
            ("{\"log_history\": []}\n{\"log_history\": []}\n{", 2),
        ]
        for (text, line) in cases {
            let e = Self.error { try Importers.parse(data: Data(text.utf8), path: "t.json", format: .hfTrainerState) }
            #expect(e?.line == line && e?.message.hasPrefix("malformed JSON") == true, "\(text.debugDescription): \(String(describing: e))")
        }
    }
}
