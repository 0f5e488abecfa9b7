import ArgumentParser
import Foundation
import YardstickMetrics

@main
struct YardstickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yardstick",
        abstract: "Score, track and compare fine-tuned language models.",
        version: Yardstick.version,
        subcommands: [ScoreCommand.self, EvalCommand.self, SplitCommand.self, CheckCommand.self, CacheCommand.self, SyncCommand.self, ImportCommand.self, TrackingRuns.self, TrackingLog.self, TrackingExport.self, StoreCommand.self, AdviseCommand.self,
                      ReportCommand.self]
    )

    /// ArgumentParser exits with 64 on usage errors; Yardstick promises 2, like most Unix tools.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
