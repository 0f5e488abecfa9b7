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
