import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickStore

/// `--db`, shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The store: a SQLite file or a postgres:// URI (default: $YARDSTICK_DB if set, else experiments/yardstick.db).",
        valueName: "path|uri"))
    var db: String?

    /// The path in effect: `--db`, else `$YARDSTICK_DB`, else `experiments/yardstick.db` in the working directory.
    var path: String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["YARDSTICK_DB"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "experiments/yardstick.db"
    }

    func open() throws -> Store { try Store(path: path) }

    /// The store as it may be printed: a URI without its password.
    var display: String { StoreLocation(path).display }

    /// False only for a SQLite file that is not there; commands that read a store say so instead of creating one.
    var exists: Bool {
        if case let .sqlite(file) = StoreLocation(path) { return FileManager.default.fileExists(atPath: file) }
        return true
    }
}

/// A `key=value` command-line argument.
struct TrackingKeyValue: ExpressibleByArgument, Sendable {
    var key: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }
}

/// `yardstick runs …`: create, list, inspect, compare, tag and delete runs.
struct TrackingRuns: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Create, list, inspect, compare, tag and delete tracked runs.",
        subcommands: [Create.self, List.self, Show.self, History.self, Compare.self, Tag.self, Delete.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a run and print its id.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Experiment to create the run in (created when missing).") var experiment = "default"
        @Option(help: "Run name, unique within the experiment (default: run-<id prefix>).") var name: String?
        @Option(name: .customLong("param"), help: ArgumentHelp("A hyperparameter; repeatable. Numbers and true/false keep their type.", valueName: "key=value"))
        var params: [TrackingKeyValue] = []
        @Option(name: .customLong("tag"), help: ArgumentHelp("A tag; repeatable.", valueName: "key=value"))
        var tags: [TrackingKeyValue] = []
        @Option(name: .customLong("job-id"), help: "Provider job id (ftjob-…).") var jobID: String?
        @Option(name: .customLong("base-model"), help: "Base model.") var baseModel: String?
        @Option(help: "Provider (openai, huggingface, …).") var provider: String?
        @Option(help: "Initial status.") var status = "running"
        @Option(help: "Free-text notes.") var notes: String?
        @Flag(help: "Print {\"id\",\"name\",\"experiment\"} as JSON.") var json = false

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let run = try store.createRun(
                    experiment: experiment, name: name, params: params.map { ($0.key, ParamValue(parsing: $0.value)) },
                    tags: tags.map { ($0.key, $0.value) }, jobID: jobID, baseModel: baseModel, provider: provider,
                    status: status, notes: notes)
                if json {
                    TrackingIO.write(JSONValue.object([("id", .string(run.id)), ("name", .string(run.name)), ("experiment", .string(run.experiment))]).serialized() + "\n")
                } else {
                    TrackingIO.write(run.id + "\n")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List runs with their key params and final metrics.",
            discussion: """
                --where takes MLflow-style conditions joined with and/or/not and parentheses, e.g.
                  params.learning_rate >= 1e-4 and (metrics.bleu > 30 or tags.stage = 'final')
                  status IN ('finished', 'succeeded') and name LIKE 'gpt-%'
                  metrics.`eval/loss` IS NOT NULL

                Fields: params.X, metrics.X (evaluation score X, else the final value of history X; write \
                metrics.X@LABEL for the score on one dataset when X was evaluated on several), tags.X, and the \
                attributes id, name, status, provider, job_id, base_model, fine_tuned_model, experiment, \
                created, started, ended, notes.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "Only runs of this experiment.") var experiment: String?
        @Option(name: .customLong("where"), help: ArgumentHelp("Filter expression.", valueName: "expr")) var filter: String?
        @Option(help: ArgumentHelp("Sort by a field, ascending unless followed by desc (e.g. 'metrics.bleu desc').", valueName: "key [asc|desc]"))
        var sort: String?
        @Option(help: "At most this many runs.") var limit: Int?
        @Option(help: ArgumentHelp("What a plain metrics.X means when X was evaluated on several datasets: a dataset label (hash prefix) or path.", valueName: "dataset"))
        var dataset: String?
        @Flag(help: "Print a JSON array of run summaries.") var json = false

        func validate() throws {
            if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let parsedFilter: RunFilter?
                do { parsedFilter = try filter.map { try RunFilter(parsing: $0) } } catch let error as FilterError {
                    throw TrackingFailure("--where: \(error)")
                }
                let parsedSort: RunSort?
                do {
                    parsedSort = try sort.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try RunSort(parsing: $0) }
                } catch let error as FilterError {
                    throw TrackingFailure("--sort: \(error)")
                }
                let summaries: [RunSummary]
                do {
                    summaries = try store.listRuns(experiment: experiment, filter: parsedFilter, sort: parsedSort, limit: limit,
                                                   dataset: dataset)
                } catch let error as FilterError {
                    throw TrackingFailure("--where/--sort: \(error.message)")
                }
                if json {
                    TrackingIO.write(JSONValue.array(summaries.map(TrackingOutput.summaryJSON)).serialized() + "\n")
                } else {
                    TrackingIO.write(TrackingOutput.runTable(summaries))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show everything about one run.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Run id, id prefix, name or job id.", valueName: "run")) var reference: String
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                let details = try TrackingOutput.RunDetails(store: store, run: found)
                TrackingIO.write(json ? details.json().serialized() + "\n" : details.text())
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a run's metric histories.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Run id, id prefix, name or job id.", valueName: "run")) var reference: String
        @Argument(help: "Metric keys (default: all).") var keys: [String] = []
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?
        @Flag(help: "Print {\"run\",\"points\":[…]} as JSON.") var json = false
        @Flag(help: "Print CSV: key,step,epoch,value,wall_time.") var csv = false

        func validate() throws {
            if json && csv { throw ValidationError("--json and --csv cannot be used together") }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                let points = try store.history(run: found.id, keys: keys.isEmpty ? nil : keys)
                if json {
                    TrackingOutput.writeHistoryJSON(run: found, points: points)
                } else if csv {
                    TrackingOutput.writeHistoryCSV(points)
                } else {
                    TrackingIO.write(TrackingOutput.historyTable(points))
                }
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare runs: params that differ, metrics side by side, and paired significance tests.",
            discussion: """
                Every run after the first is tested against the first on each metric both evaluated on the same dataset with the same signature, from the stored per-segment statistics: the difference, its paired bootstrap confidence interval and p-value (the numbers `yardstick score --paired-bs` gives for the same two prediction files). Metrics on different datasets or with different signatures are listed, not compared.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "Two or more runs (id, id prefix, name or job id); the first is the baseline.") var runs: [String]
        @Option(help: "Resolve run names within this experiment.") var experiment: String?
        @Flag(help: "Paired approximate randomization instead of the paired bootstrap.") var pairedAr = false
        @Option(help: "Bootstrap resamples.") var resamples = 1000
        @Option(help: "Trials for --paired-ar.") var trials = 10000
        @Option(help: "Confidence level of the difference's interval.") var confidenceLevel = 0.95
        @Option(help: "Random seed of resampling, or 'none' for OS entropy.") var seed: String = "12345"
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if runs.count < 2 { throw ValidationError("give at least two runs to compare") }
            if resamples < 1 || trials < 1 { throw ValidationError("--resamples and --trials must be positive") }
            if !(confidenceLevel > 0 && confidenceLevel < 1) { throw ValidationError("--confidence-level must be between 0 and 1") }
            if seed != "none" && UInt64(seed) == nil { throw ValidationError("--seed takes a non-negative integer or 'none'") }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let ids = try runs.map { try store.resolveRun($0, experiment: experiment).id }
                let comparison = try store.compare(runs: ids)
                var c = ScoreConfiguration()
                c.pairedTest = pairedAr ? .approximateRandomization : .bootstrap
                c.resamples = resamples
                c.randomizationTrials = trials
                c.confidenceLevel = confidenceLevel
                c.seed = seed == "none" ? nil : UInt64(seed)
                let paired = try store.pairedComparisons(runs: ids, configuration: c)
                if json {
                    guard case let .object(members) = TrackingOutput.comparisonJSON(comparison) else { return }
                    TrackingIO.write(JSONValue.object(members + TrackingOutput.pairedJSON(paired)).serialized() + "\n")
                } else {
                    TrackingIO.write(TrackingOutput.comparisonTable(comparison) + TrackingOutput.pairedTable(paired, runs: comparison.runs))
                }
            }
        }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set tags on a run.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Run id, id prefix, name or job id.", valueName: "run")) var reference: String
        @Argument(help: ArgumentHelp("Tags to set.", valueName: "key=value")) var tags: [TrackingKeyValue]
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?

        func validate() throws {
            if tags.isEmpty { throw ValidationError("give at least one key=value tag") }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                try store.setTags(run: found.id, tags.map { ($0.key, $0.value) })
                TrackingIO.write("set \(tags.count) tag\(tags.count == 1 ? "" : "s") on run \(TrackingOutput.label(found))\n")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a run and all of its data (needs --yes).")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Run id, id prefix, name or job id.", valueName: "run")) var reference: String
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?
        @Flag(help: "Really delete.") var yes = false

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                guard yes else {
                    throw TrackingFailure("refusing to delete run \(TrackingOutput.label(found)) without --yes")
                }
                try store.deleteRun(found.id)
                TrackingIO.write("deleted run \(TrackingOutput.label(found))\n")
            }
        }
    }
}

/// `yardstick log …`: add metrics and params to a run.
struct TrackingLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Log metrics and params to a run.",
        subcommands: [Metrics.self, Param.self, Metric.self]
    )

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log metric points from a CSV or JSONL file (or stdin) in one transaction.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Run id, id prefix, name or job id.", valueName: "run")) var reference: String
        @Option(help: ArgumentHelp("A .csv or .jsonl file of metric rows (default: stdin).", valueName: "file")) var file: String?
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?
        @Flag(help: "Print {\"run\",\"points\",\"skipped\"} as JSON.") var json = false

        func run() throws {
            try TrackingIO.reportingErrors {
                let data: Data
                let path: String
                if let file {
                    guard FileManager.default.fileExists(atPath: file) else { throw TrackingFailure("\(file): no such file") }
                    guard let contents = FileManager.default.contents(atPath: file) else { throw TrackingFailure("\(file): cannot read the file") }
                    data = contents
                    path = file
                } else {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                    path = "<stdin>"
                }
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                // The file is parsed on another thread in batches while this one stores them in one transaction, so
                // reading a large file overlaps with the database's work; a bad row still rolls everything back.
                let batches = BatchPipe<[MetricPoint]>(capacity: 2)
                let parser = Thread { [data, path] in
                    do {
                        try Importers.parseMetricRows(data: data, path: path, batch: MetricBatchSink(size: 100_000) { try batches.put($0) })
                        batches.finish(nil)
                    } catch {
                        batches.finish(error)
                    }
                }
                parser.start()
                let logged: (points: Int, stored: Int)
                do {
                    logged = try store.logMetrics(run: found.id) { try batches.take() }
                } catch {
                    batches.cancel()
                    throw error
                }
                let stored = logged.stored
                if json {
                    TrackingIO.write(JSONValue.object([
                        ("run", .string(found.id)), ("points", .int(Int64(stored))), ("skipped", .int(Int64(logged.points - stored))),
                    ]).serialized() + "\n")
                } else {
                    let skipped = logged.points - stored
                    TrackingIO.write("logged \(stored) point\(stored == 1 ? "" : "s") to run \(TrackingOutput.label(found))"
                        + (skipped > 0 ? " (\(skipped) already stored)" : "") + "\n")
                }
            }
        }
    }

    struct Param: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set params of a run (numbers and true/false keep their type).")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("Run id, id prefix, name or job id.", valueName: "run")) var reference: String
        @Argument(help: ArgumentHelp("Params to set.", valueName: "key=value")) var params: [TrackingKeyValue]
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?

        func validate() throws {
            if params.isEmpty { throw ValidationError("give at least one key=value param") }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                try store.logParams(run: found.id, params.map { ($0.key, ParamValue(parsing: $0.value)) })
                TrackingIO.write("set \(params.count) param\(params.count == 1 ? "" : "s") on run \(TrackingOutput.label(found))\n")
            }
        }
    }

    struct Metric: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log one metric value.")
        @OptionGroup var store: StoreOptions
        // One array so that a negative value (`-0.5`) is read as a value, not as an unknown option.
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp(
            "The run (id, id prefix, name or job id), the metric key (e.g. loss or eval/loss) and the value (negative, nan and inf accepted).",
            valueName: "run key value"))
        var arguments: [String] = []
        @Option(help: "Training step.") var step: Int64
        @Option(help: "Epoch.") var epoch: Double?
        @Option(help: "Resolve the run name within this experiment.") var experiment: String?

        func validate() throws {
            guard arguments.count == 3 else {
                throw ValidationError("expected RUN KEY VALUE, got \(arguments.count) argument\(arguments.count == 1 ? "" : "s")")
            }
            guard Double(arguments[2]) != nil else { throw ValidationError("the value '\(arguments[2])' is not a number") }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let (reference, key, value) = (arguments[0], arguments[1], Double(arguments[2]) ?? .nan)
                let store = try self.store.open()
                let found = try store.resolveRun(reference, experiment: experiment)
                let point = MetricPoint(key: key, step: step, epoch: epoch, value: value, wallTime: Date().timeIntervalSince1970)
                let stored = try store.logMetrics(run: found.id, [point])
                TrackingIO.write(stored == 1
                    ? "logged \(key)=\(Store.csvNumber(value)) at step \(step) to run \(TrackingOutput.label(found))\n"
                    : "\(key) at step \(step) already has this value\n")
            }
        }
    }
}

/// `yardstick export`: one row per run, for pandas or a spreadsheet.
struct TrackingExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export runs as CSV or JSONL: one row per run with params.*, metrics.* and tags.* columns.")
    @OptionGroup var store: StoreOptions
    @Option(help: "csv or jsonl.") var format: ExportFormat = .csv
    @Option(help: "Only runs of this experiment.") var experiment: String?
    @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output: String?

    func run() throws {
        try TrackingIO.reportingErrors {
            let store = try self.store.open()
            let text = try store.export(format: format, experiment: experiment)
            if let output {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw TrackingFailure("\(output): cannot write the file (\(error.localizedDescription))")
                }
            } else {
                TrackingIO.write(text)
            }
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}

/// A failure whose message is already complete.
struct TrackingFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How the tracking commands finish: output in one write, failures as one `error: …` line.
enum TrackingIO {
    /// Runs a command body, turning any failure into one `error: …` line on stderr and exit code 1.
    /// Usage errors (`ValidationError`, also when found late, e.g. two inputs on stdin) keep exit code 2.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch let usage as ValidationError {
            throw usage
        } catch {
            let message: String
            switch error {
            case let error as CustomStringConvertible: message = error.description
            default: message = error.localizedDescription
            }
            FileHandle.standardError.write(Data("error: \(message.split(whereSeparator: \.isNewline).joined(separator: " "))\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Writes text to stdout in one go (large histories would be slow through `print`).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
