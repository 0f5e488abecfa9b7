import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickReport
import YardstickStore

/// `yardstick report [RUN…]`: an HTML page and/or Markdown file about runs, from the store alone.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML and/or Markdown report of runs: summary, loss charts, paired comparisons, advice, examples.",
        discussion: """
            Runs are ids, id prefixes, names or job ids; without any, every run of --experiment (or of the store) \
            that matches --where, oldest first. The first run is the baseline of the paired comparisons. \
            Writes DIR/index.html (one self-contained file) and/or DIR/report.md with its SVG charts in DIR/charts/.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Runs to report on (default: every run of --experiment).", valueName: "run")) var references: [String] = []
    @Option(help: "Resolve run names within this experiment (alone: every run of it).") var experiment: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Only runs matching this filter (as runs list --where).", valueName: "expr"))
    var filter: String?
    @Option(help: ArgumentHelp("html, markdown or both.", valueName: "format")) var format: String = "both"
    @Option(help: ArgumentHelp("Output folder.", valueName: "dir")) var out: String = "reports"
    @Option(help: ArgumentHelp("EMA weight of the loss charts, 0 (raw) to 0.99.", valueName: "weight")) var smoothing: Double = 0.6
    @Option(help: "Examples shown per evaluation and per pair of runs.") var examples: Int = 5

    func validate() throws {
        guard ReportWriter.Format(rawValue: format) != nil else { throw ValidationError("--format must be html, markdown or both") }
        guard smoothing >= 0, smoothing <= 0.99 else { throw ValidationError("--smoothing must be between 0 and 0.99") }
        guard examples >= 0 else { throw ValidationError("--examples must not be negative") }
    }

    func run() throws {
        try TrackingIO.reportingErrors {
            guard store.exists else { throw TrackingFailure("\(store.display): no store here") }
            let s = try store.open()
            var runs: [Run] = []
            if references.isEmpty {
                do {
                    runs = try s.listRuns(experiment: experiment, where: filter).map(\.run).reversed()
                } catch let error as FilterError {
                    throw TrackingFailure("--where: \(error.message)")
                }
                if runs.isEmpty {
                    throw TrackingFailure(filter != nil ? "no run matches --where" : experiment.map { "experiment '\($0)' has no runs" } ?? "the store has no runs")
                }
            } else {
                var seen = Set<String>()
                for reference in references {
                    let run = try s.resolveRun(reference, experiment: experiment)
                    if seen.insert(run.id).inserted { runs.append(run) }
                }
                if let filter {
                    let matching: Set<String>
                    do { matching = Set(try s.listRuns(where: filter).map(\.run.id)) } catch let error as FilterError {
                        throw TrackingFailure("--where: \(error.message)")
                    }
                    runs = runs.filter { matching.contains($0.id) }
                    if runs.isEmpty { throw TrackingFailure("no given run matches --where") }
                }
            }
            let data = try ReportData.load(store: s, runs: runs, options: ReportOptions(smoothing: smoothing, examples: examples))
            for path in try ReportWriter.write(data, format: ReportWriter.Format(rawValue: format)!, to: out)
            where path.hasSuffix(".html") || path.hasSuffix(".md") {
                TrackingIO.write(path + "\n")
            }
        }
    }
}
