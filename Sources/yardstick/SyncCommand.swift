import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickRunner
import YardstickStore

/// `yardstick sync openai JOB_ID…`: pull fine-tuning jobs' history into the store.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Fetch fine-tuning jobs from a provider and import them.",
        subcommands: [OpenAI.self])

    struct OpenAI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openai",
            abstract: "Fetch OpenAI fine-tuning jobs (job, events, checkpoints, result files) and import them.",
            discussion: """
                The files are kept under --out/JOB_ID/ (job.json, events.json, checkpoints.json, the result CSVs) and \
                imported like `yardstick import` would, into one run per job; syncing again adds only what is new. \
                The key comes from the environment variable named by --api-key-env and is never stored or printed.
                """)
        @Argument(help: "Fine-tuning job ids (ftjob-…).") var jobs: [String]
        @Option(help: "Base URL of the API (default $OPENAI_BASE_URL or https://api.openai.com/v1).") var baseUrl: String?
        @Option(help: "Environment variable holding the API key.") var apiKeyEnv = "OPENAI_API_KEY"
        @Option(help: "Folder for the downloaded files.") var out = "experiments/openai"
        @Option(help: "Experiment of new runs.") var experiment = "default"
        @Flag(help: "JSON output: one object per imported file.") var json = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if jobs.isEmpty { throw ValidationError("give at least one job id") }
            for job in jobs where job.isEmpty || job.contains("/") || job.contains("..") {
                throw ValidationError("'\(job)' is not a job id")
            }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let environment = ProcessInfo.processInfo.environment
                let base = OpenAIProvider.baseURL(baseUrl, environment: environment)
                guard let url = base.url else { throw TrackingFailure("--base-url '\(base.text)' is not an http(s) URL") }
                let sync = OpenAISync(baseURL: url, apiKey: environment[apiKeyEnv])
                let store = try self.store.open()
                var objects: [JSONValue] = []
                for job in jobs {
                    let box = FilesBox()
                    try Blocking.run { box.files = try await sync.download(job: job) }
                    let folder = URL(fileURLWithPath: out).appendingPathComponent(job)
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    var jobRun: String?
                    for file in box.files {
                        let path = folder.appendingPathComponent(file.name).path
                        try file.data.write(to: URL(fileURLWithPath: path), options: .atomic)
                        let result = try store.importFile(at: path, experiment: experiment, jobRun: jobRun)
                        if result.format == .openaiJob && result.outcomes.count == 1 { jobRun = result.outcomes[0].runID }
                        if json { objects.append(ImportCommand.json(result)) } else {
                            TrackingIO.write(ImportCommand.text(result, experiment: experiment) + "\n")
                        }
                    }
                }
                if json { TrackingIO.write(JSONValue.array(objects).serialized() + "\n") }
            }
        }
    }

    final class FilesBox: @unchecked Sendable {
        var files: [OpenAISync.File] = []
    }
}
