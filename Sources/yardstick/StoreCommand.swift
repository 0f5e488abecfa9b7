import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickStore

/// `yardstick store …`: operations on a whole store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Operations on a whole store.", subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every experiment, run and evaluation from one store into another.",
            discussion: """
                Either store may be a SQLite file or a postgres:// URI, and the destination may already hold other runs.
                Rows are matched by what identifies them (experiment names, run ids, dataset content hashes, …), never
                by their integer keys, so running the copy again adds nothing, and after the source gained points or
                evaluations it adds exactly those. Each run is copied in one transaction: a failure leaves the
                destination with whole runs only.
                """)

        @Option(help: ArgumentHelp("The store to read: a SQLite file or a postgres:// URI.", valueName: "path-or-uri"))
        var from: String
        @Option(help: ArgumentHelp("The store to write (created when missing).", valueName: "path-or-uri"))
        var to: String
        @Flag(help: "No progress on stderr.") var quiet = false
        @Flag(help: "Print {\"from\",\"to\",\"tables\":{TABLE:{\"copied\",\"already_present\"}},\"runs_updated\"} as JSON.")
        var json = false

        func run() throws {
            try TrackingIO.reportingErrors {
                let source = try Store(path: from)
                let destination = try Store(path: to)
                let progress = CopyProgressLine(quiet: quiet)
                let summary: StoreCopySummary
                do {
                    summary = try source.copy(to: destination) { progress.update($0) }
                } catch {
                    progress.finish()
                    throw error
                }
                progress.finish()
                TrackingIO.write(json ? Self.json(summary, from: source.path, to: destination.path)
                                      : Self.text(summary, from: source.path, to: destination.path))
            }
        }

        static func json(_ summary: StoreCopySummary, from: String, to: String) -> String {
            let tables = StoreCopySummary.tables.map { table -> (String, JSONValue) in
                let count = summary.tables[table] ?? StoreCopyCount()
                return (table, .object([("copied", .int(count.copied)), ("already_present", .int(count.alreadyPresent))]))
            }
            return JSONValue.object([
                ("from", .string(from)), ("to", .string(to)), ("tables", .object(tables)), ("runs_updated", .int(summary.runsUpdated)),
            ]).serialized() + "\n"
        }

        static func text(_ summary: StoreCopySummary, from: String, to: String) -> String {
            var out = "copied \(from) -> \(to): \(summary.copied) rows added, \(summary.alreadyPresent) already there"
            if summary.runsUpdated > 0 { out += ", \(summary.runsUpdated) runs updated" }
            out += "\n"
            let rows = StoreCopySummary.tables.map { table -> [String] in
                let count = summary.tables[table] ?? StoreCopyCount()
                return [table, String(count.copied), String(count.alreadyPresent)]
            }
            return out + TrackingOutput.table(["TABLE", "COPIED", "ALREADY THERE"], rows)
        }
    }
}

/// The copy's progress on stderr (rows and runs done, rate, ETA).
final class CopyProgressLine {
    private let bar: StderrProgress

    init(quiet: Bool) { bar = StderrProgress(quiet: quiet) }

    func update(_ p: StoreCopyProgress) {
        bar.update(done: p.rowsDone, total: p.rowsTotal) { elapsed in
            let rate = elapsed > 0 ? Double(p.rowsDone) / elapsed : 0
            let eta = rate > 0 ? String(format: "%.0fs", Double(max(0, p.rowsTotal - p.rowsDone)) / rate) : "?"
            return "\(p.rowsDone)/\(p.rowsTotal) rows, runs \(p.runsDone)/\(p.runsTotal), \(String(format: "%.0f", rate)) rows/s ETA \(eta)"
        }
    }

    func finish() { bar.finish() }
}
