import Foundation

/// A log that cannot be read, naming the file and, where it applies, the 1-based line. Worded exactly like the
/// scoring input errors (`file:line: message`), so every "bad file" message the command line prints reads alike.
public struct LogError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem is the file as a whole (empty, unrecognised).
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
