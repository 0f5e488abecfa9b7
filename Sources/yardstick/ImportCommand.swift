import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickStore

extension ImportFormat: ExpressibleByArgument {}

/// `yardstick import FILE…`: training logs into the store, one transaction per file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import training logs (OpenAI job/events/results, trainer_state.json, LLaMA-Factory, CSV/JSONL).",
        discussion: """
            The format is detected from the content unless --format is given. Each file is one transaction: a \
            malformed file changes nothing. A file imported before (same SHA-256) is reported and skipped. \
            OpenAI events and results files carry no job id: given after a job object in the same command \
            (yardstick import job.json events.json step_metrics.csv) they join the job's run. --run names the \
            run to extend (id, prefix, name or job id) or the new run's name.
            """
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "Log files to import.") var files: [String]
    @Option(help: "auto, \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")).") var format: String = "auto"
    @Option(help: "Experiment of new runs (created when missing).") var experiment = "default"
    @Option(name: .customLong("run"), help: "Run to extend, or the name of the new run.") var runReference: String?
    @Flag(help: "JSON output: one object per file.") var json = false

    func validate() throws {
        if format != "auto" && ImportFormat(rawValue: format) == nil {
            throw ValidationError("unknown --format '\(format)' (auto, \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() throws {
        try TrackingIO.reportingErrors {
            let store = try self.store.open()
            var objects: [JSONValue] = []
            var jobRun: String?
            for file in files {
                let result = try store.importFile(at: file, format: ImportFormat(rawValue: format), experiment: experiment,
                                                  run: runReference, jobRun: jobRun)
                if result.format == .openaiJob && result.outcomes.count == 1 { jobRun = result.outcomes[0].runID }
                if json {
                    objects.append(Self.json(result))
                } else {
                    TrackingIO.write(Self.text(result, experiment: experiment) + "\n")
                }
            }
            if json { TrackingIO.write(JSONValue.array(objects).serialized() + "\n") }
        }
    }

    static func text(_ result: FileImportResult, experiment: String) -> String {
        zip(result.outcomes, result.runs).map { outcome, parsed in
            let params = parsed.params.count
            switch outcome {
            case let .created(id, name, points):
                return "\(result.path) (\(result.format.rawValue)): new run \(name) [\(id.prefix(8))] in \(experiment): \(points) points, \(params) params"
            case let .extended(id, name, points):
                return "\(result.path) (\(result.format.rawValue)): added to run \(name) [\(id.prefix(8))]: \(points) points, \(params) params"
            case let .alreadyImported(id, name):
                return "\(result.path): already imported into run \(name) [\(id.prefix(8))]; nothing changed"
            }
        }.joined(separator: "\n")
    }

    static func json(_ result: FileImportResult) -> JSONValue {
        .object([
            ("path", .string(result.path)), ("format", .string(result.format.rawValue)), ("sha256", .string(result.sha256)),
            ("runs", .array(result.outcomes.map { outcome in
                let (status, points): (String, Int?) = {
                    switch outcome {
                    case let .created(_, _, p): return ("created", p)
                    case let .extended(_, _, p): return ("extended", p)
                    case .alreadyImported: return ("already_imported", nil)
                    }
                }()
                return .object([("status", .string(status)), ("run_id", .string(outcome.runID)),
                                ("run_name", .string(outcome.runName)), ("points", .int(points.map(Int64.init)))])
            })),
        ])
    }
}
