import Foundation

/// Runs the built `yardstick` executable, as a user would, for end-to-end tests.
public enum CLIRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var killedBySignal: Bool
    }

    /// The `yardstick` built with the tests under way: `swift test` builds every product of the package into
    /// the folder that holds the test runner, so the binary found there is built from the sources under test,
    /// whatever the configuration or `--scratch-path` (override with `YARDSTICK_BIN`).
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["YARDSTICK_BIN"] { return URL(fileURLWithPath: path) }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        // On macOS the runner sits inside `X.xctest/Contents/MacOS`.
        while folder.path.contains(".xctest") { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("yardstick")
    }

    /// A started `yardstick` process. Its output goes to files, not pipes, so many processes can run at once
    /// and large output never blocks; `process` is exposed so a test can kill it.
    public final class Running {
        public let process = Process()
        let stdoutURL: URL
        let stderrURL: URL

        init(_ arguments: [String], stdin: Data?, environment: [String: String], directory: URL?, scratch: URL) throws {
            let tag = UUID().uuidString
            stdoutURL = scratch.appendingPathComponent("out-\(tag)")
            stderrURL = scratch.appendingPathComponent("err-\(tag)")
            _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.executableURL = CLIRunner.binary
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "YARDSTICK_DB")
            env.merge(environment) { $1 }
            process.environment = env
            process.currentDirectoryURL = directory ?? scratch
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            if let stdin {
                let input = scratch.appendingPathComponent("in-\(tag)")
                try stdin.write(to: input)
                process.standardInput = try FileHandle(forReadingFrom: input)
            } else {
                process.standardInput = FileHandle.nullDevice
            }
            try process.run()
        }

        /// Waits at most `seconds`, then kills the process (a test that would hang fails instead).
        public func wait(killingAfter seconds: Double) -> Result {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            return wait()
        }

        /// Waits for the process and collects its output.
        public func wait() -> Result {
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus,
                stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "",
                killedBySignal: process.terminationReason == .uncaughtSignal)
        }
    }

    /// Starts `yardstick args…` in `directory` (default: the scratch folder); output files go to `scratch`
    /// (default: a fresh temporary folder).
    public static func start(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
                             directory: URL? = nil, scratch: URL? = nil) throws -> Running {
        try Running(arguments, stdin: stdin, environment: environment, directory: directory,
                    scratch: scratch ?? TemporaryDirectory.make())
    }

    /// Runs `yardstick args…` and waits for it.
    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
                           directory: URL? = nil, scratch: URL? = nil) throws -> Result {
        try start(arguments, stdin: stdin, environment: environment, directory: directory, scratch: scratch).wait()
    }

    /// Parses stdout as a JSON document.
    public static func json(_ result: Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
    }
}

/// Temporary folders for tests; each call gives a new, empty one.
public enum TemporaryDirectory {
    public static func make() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("yardstick-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
