import Foundation

/// The local OpenAI-compatible server of `Tests/Fixtures/runner/fake_openai.py`, on 127.0.0.1 and a free port,
/// stopped when the value goes away.
public final class FakeOpenAIServer: @unchecked Sendable {
    public let port: Int
    public let log: URL
    private let process = Process()

    /// Starts the server; `arguments` are the script's options (answers, latency, faults, jobs…).
    public init(_ arguments: [String] = []) throws {
        let folder = try TemporaryDirectory.make()
        log = folder.appendingPathComponent("requests.jsonl")
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.url("runner/fake_openai.py").path, "--log", log.path] + arguments
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { throw ServerError(message: "the fake OpenAI server did not start (is python3 installed?)") }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ServerError(message: "the fake OpenAI server printed no port")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every request the server saw: `path`, `prompt`, `outcome` (`ok`, `500`, `429`, `malformed`, `drop`, `401`), `auth`.
    public func requests() throws -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    public struct ServerError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
