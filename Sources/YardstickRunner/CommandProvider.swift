import Foundation
import YardstickMetrics

/// A local program speaking JSON Lines: it reads `{"id", "prompt"}` or `{"id", "messages"}` on stdin and writes
/// `{"id", "output"}` (optionally `"usage": {"prompt_tokens", "completion_tokens"}`) on stdout, one line each.
///
/// One process is started per worker (`workers` at most) and kept for the whole run. A process that exits or
/// writes something unreadable fails the example it was answering (a transient error, so it is retried) and is
/// started again for the next request.
public final class CommandProvider: ModelProvider, @unchecked Sendable {
    public let command: String
    private let pool: WorkerPool

    /// - Parameter command: run through `/bin/sh -c`, in the current directory.
    public init(command: String, workers: Int) {
        self.command = command
        pool = WorkerPool(command: command, size: max(1, workers))
    }

    public var identity: [(String, JSONValue)] { [("provider", .string("command")), ("model", .string(command))] }
    public var cacheable: Bool { true }

    public func generate(_ request: ModelRequest, settings: GenerationSettings, timeout: Double) async throws -> ModelResponse {
        var body: [(String, JSONValue)] = [("id", .string(request.exampleID))]
        if let messages = request.messages { body.append(("messages", .array(messages.map(\.json)))) }
        else { body.append(("prompt", .string(request.prompt ?? ""))) }
        let worker = await pool.acquire()
        do {
            let line = try await worker.ask(JSONValue.object(body).serialized(), timeout: timeout)
            await pool.release(worker)
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ProviderError.transient("\(command): unreadable output line: \(line.prefix(200))", retryAfter: nil)
            }
            if let id = object["id"].flatMap(HeldOutSet.scalarText), id != request.exampleID {
                throw ProviderError.transient("\(command): answered id \(id) for id \(request.exampleID)", retryAfter: nil)
            }
            guard let output = object["output"] as? String else {
                throw ProviderError.transient("\(command): output line has no string 'output'", retryAfter: nil)
            }
            let usage = object["usage"] as? [String: Any]
            return ModelResponse(output: output, promptTokens: (usage?["prompt_tokens"] as? NSNumber)?.intValue,
                                 completionTokens: (usage?["completion_tokens"] as? NSNumber)?.intValue)
        } catch let error as ProviderError {
            throw error
        } catch {
            // The process died or timed out: it is replaced before the next request.
            worker.stop()
            await pool.release(worker)
            throw ProviderError.transient("\(command): \(error)", retryAfter: nil)
        }
    }

    public func shutdown() async { await pool.shutdown() }
}

/// The worker processes, handed out one request at a time.
actor WorkerPool {
    let command: String
    let size: Int
    private var idle: [CommandWorker] = []
    private var started = 0
    private var waiting: [CheckedContinuation<CommandWorker, Never>] = []
    private var all: [CommandWorker] = []

    init(command: String, size: Int) {
        self.command = command
        self.size = size
    }

    func acquire() async -> CommandWorker {
        if let worker = idle.popLast() { return worker }
        if started < size {
            started += 1
            let worker = CommandWorker(command: command)
            all.append(worker)
            return worker
        }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func release(_ worker: CommandWorker) {
        if !waiting.isEmpty { waiting.removeFirst().resume(returning: worker) } else { idle.append(worker) }
    }

    func shutdown() {
        for worker in all { worker.stop() }
    }
}

struct CommandWorkerError: Error, CustomStringConvertible {
    var description: String
}

/// One process and its pipes. Reads and writes block, so they run on the worker's own queue, never on the
/// cooperative thread pool.
final class CommandWorker: @unchecked Sendable {
    let command: String
    private let queue = DispatchQueue(label: "yardstick.command-worker")
    private var process: Process?
    private var input: FileHandle?
    private var output: FileHandle?
    private var buffer = Data()

    init(command: String) {
        self.command = command
    }

    /// Sends one line and waits for one line back (on the worker's queue).
    func ask(_ line: String, timeout: Double) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try self.exchange(line, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading
        buffer.removeAll()
    }

    private func exchange(_ line: String, timeout: Double) throws -> String {
        if process == nil || process?.isRunning == false { try start() }
        guard let input, let output else { throw CommandWorkerError(description: "the program did not start") }
        do {
            try input.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            stopNow()
            throw CommandWorkerError(description: "the program stopped reading its input")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let text = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return text
            }
            if Date() > deadline {
                stopNow()
                throw CommandWorkerError(description: "no answer within \(timeout) s")
            }
            let chunk = output.availableData
            if chunk.isEmpty {
                let status = process?.isRunning == false ? process?.terminationStatus : nil
                stopNow()
                throw CommandWorkerError(description: "the program exited\(status.map { " with status \($0)" } ?? "") before answering")
            }
            buffer.append(chunk)
        }
    }

    /// Ends the process; the next request starts a new one.
    func stop() {
        queue.async { self.stopNow() }
    }

    private func stopNow() {
        if let process, process.isRunning { process.terminate() }
        try? input?.close()
        process = nil
        input = nil
        output = nil
        buffer.removeAll()
    }
}
