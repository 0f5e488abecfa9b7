import ArgumentParser
import Foundation

/// Standard-error output and the error-to-exit-code policy shared by every command.
enum Console {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}


/// A bounded hand-over of values from one producer thread to one consumer: `put` waits while `capacity` values are
/// waiting, `take` waits for the next value and returns nil once the producer finished (or rethrows its error).
final class BatchPipe<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Value] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private let capacity: Int

    struct Cancelled: Error {}

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Waits for room; throws when the consumer gave up, which stops the producer.
    func put(_ value: Value) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        queue.append(value)
        condition.broadcast()
    }

    func finish(_ error: Error?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    func take() throws -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            condition.broadcast()
            return queue.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A progress bar on stderr: redrawn in place at most every 0.1 s on a terminal, a plain `progress:` line every 5 s
/// otherwise, so stdout keeps only the result. `describe` renders the counts given the seconds elapsed.
final class StderrProgress: @unchecked Sendable {
    let terminal = isatty(2) != 0
    private let quiet: Bool
    private let lock = NSLock()
    private let started = Date()
    private lazy var lastDraw = started
    private var drew = false
    private var last: (done: Int, total: Int, describe: (Double) -> String)?

    init(quiet: Bool = false) { self.quiet = quiet }

    func update(done: Int, total: Int, _ describe: @escaping (_ elapsed: Double) -> String) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        last = (done, total, describe)
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= (terminal ? 0.1 : 5) else { return }
        lastDraw = now
        draw(final: false)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !quiet, last != nil, drew || !terminal { draw(final: true) }
    }

    private func draw(final: Bool) {
        guard let (done, total, describe) = last else { return }
        let counts = describe(Date().timeIntervalSince(started))
        if terminal {
            let width = 24
            let filled = total > 0 ? min(width, width * done / total) : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K[\(bar)] \(counts)\(final ? "\n" : "")".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(counts)\n".utf8))
        }
        drew = true
    }
}
