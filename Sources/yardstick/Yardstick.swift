import ArgumentParser
import YardstickMetrics

@main
struct YardstickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yardstick",
        abstract: "Score, track and compare fine-tuned language models.",
        version: Yardstick.version
    )
}
