import Foundation
import YardstickLogs
import YardstickMetrics
import YardstickStore

/// One message of a chat request.
public struct ChatMessage: Sendable, Equatable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    var json: JSONValue { .object([("role", .string(role)), ("content", .string(content))]) }
}

/// One example of a held-out set: what to ask the model and what it should answer.
public struct HeldOutExample: Sendable, Equatable {
    /// The example's `id` field, else its 1-based line (row) number.
    public var id: String
    /// The line the example starts on.
    public var line: Int
    /// The request as plain text (prompt/completion, CSV and field sets).
    public var prompt: String?
    /// The request as chat messages (chat sets: every message before the last assistant one).
    public var messages: [ChatMessage]?
    /// The expected answer(s).
    public var references: [String]
    /// Every field of the row as text (for `--stratify` and `check`).
    public var fields: [String: String]

    public init(id: String, line: Int, prompt: String? = nil, messages: [ChatMessage]? = nil, references: [String],
                fields: [String: String] = [:]) {
        self.id = id
        self.line = line
        self.prompt = prompt
        self.messages = messages
        self.references = references
        self.fields = fields
    }

    /// The request as one text: the prompt, or the messages as `role: content` lines.
    public var inputText: String {
        if let prompt { return prompt }
        return (messages ?? []).map { "\($0.role): \($0.content)" }.joined(separator: "\n")
    }
}

/// How a held-out file is laid out.
public enum HeldOutFormat: String, Sendable, CaseIterable {
    /// Detect from the file: `.csv`/`.tsv` by extension, JSON Lines by the first row's keys.
    case auto
    /// JSON Lines `{"prompt", "completion"}`, the classic fine-tuning format.
    case promptCompletion = "prompt-completion"
    /// JSON Lines `{"messages": [...]}`: the last assistant message is the reference, the rest the request.
    case chat
    /// JSON Lines with any fields, named by `--input-field` and `--reference-field`.
    case fields
    /// Comma- or tab-separated with a header row.
    case csv
    case tsv
}

/// A held-out set read from a file.
public struct HeldOutSet: Sendable {
    public var path: String
    public var format: HeldOutFormat
    public var examples: [HeldOutExample]

    /// Options for reading a held-out file.
    public struct Options: Sendable {
        public var format: HeldOutFormat = .auto
        /// The request field (default: `prompt`, `input`, `question`, `source` or `text`, whichever exists).
        public var inputField: String?
        /// The reference field (default: `completion`, `reference`, `answer`, `target`, `label` or `output`).
        public var referenceField: String?
        public var idField = "id"

        public init(format: HeldOutFormat = .auto, inputField: String? = nil, referenceField: String? = nil) {
            self.format = format
            self.inputField = inputField
            self.referenceField = referenceField
        }
    }

    static let inputNames = ["prompt", "input", "question", "source", "text"]
    static let referenceNames = ["completion", "reference", "answer", "target", "label", "output"]

    public init(path: String, format: HeldOutFormat, examples: [HeldOutExample]) {
        self.path = path
        self.format = format
        self.examples = examples
    }

    /// The set's content identity (inputs and references in order): the same set read from another file is the
    /// same dataset in the store.
    public var content: DatasetContent {
        DatasetContent(inputs: examples.map { $0.inputText }, references: examples.map(\.references), path: path)
    }

    /// Reads a held-out file.
    /// - Throws: ``HeldOutError`` naming the file and line of the first problem.
    public static func read(path: String, options: Options = Options()) throws -> HeldOutSet {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HeldOutError(file: path, message: "cannot read the file")
        }
        return try read(data: data, path: path, options: options)
    }

    /// Reads held-out examples from bytes; see ``read(path:options:)``.
    public static func read(data: Data, path: String, options: Options = Options()) throws -> HeldOutSet {
        let scanned = try scan(data: data, path: path, options: options)
        if let first = scanned.problems.first { throw first }
        return scanned.set
    }

    /// Reads every example it can and collects a problem per bad row instead of stopping at the first (for
    /// `yardstick check`). Throws only when the file as a whole cannot be read.
    public static func scan(data: Data, path: String, options: Options = Options()) throws -> (set: HeldOutSet, problems: [HeldOutError]) {
        var format = options.format
        let lower = path.lowercased()
        if format == .auto, lower.hasSuffix(".csv") { format = .csv }
        if format == .auto, lower.hasSuffix(".tsv") { format = .tsv }
        if format == .csv || format == .tsv {
            let set = try readTable(data: data, path: path, delimiter: format == .csv ? "," : "\t", options: options, format: format)
            return (set, duplicateIDs(set.examples, path: path))
        }
        let rows = try jsonRows(data: data, path: path)
        guard let first = rows.first else { throw HeldOutError(file: path, message: "the file holds no examples") }
        if format == .auto {
            if options.inputField != nil || options.referenceField != nil { format = .fields }
            else if first.object["messages"] != nil { format = .chat }
            else if first.object["prompt"] != nil && first.object["completion"] != nil { format = .promptCompletion }
            else { format = .fields }
        }
        var examples: [HeldOutExample] = []
        examples.reserveCapacity(rows.count)
        var problems: [HeldOutError] = []
        for row in rows {
          do {
            let id = row.object[options.idField].flatMap(scalarText) ?? String(row.line)
            let fields = row.object.compactMapValues(scalarText)
            switch format {
            case .chat:
                guard let list = row.object["messages"] as? [Any] else {
                    throw HeldOutError(file: path, line: row.line, message: "'messages' must be an array of {role, content}")
                }
                var messages: [ChatMessage] = []
                for item in list {
                    guard let m = item as? [String: Any], let role = m["role"] as? String, let content = m["content"] as? String else {
                        throw HeldOutError(file: path, line: row.line, message: "every message needs a string 'role' and 'content'")
                    }
                    messages.append(ChatMessage(role: role, content: content))
                }
                guard let last = messages.lastIndex(where: { $0.role == "assistant" }), last > 0 else {
                    throw HeldOutError(file: path, line: row.line, message: "no assistant message after the request (the last one is the reference)")
                }
                examples.append(HeldOutExample(id: id, line: row.line, messages: Array(messages[..<last]),
                                               references: [messages[last].content], fields: fields))
            case .promptCompletion, .fields, .auto:
                let inputName = options.inputField ?? (format == .promptCompletion ? "prompt" : inputNames.first { first.object[$0] != nil })
                let referenceName = options.referenceField
                    ?? (format == .promptCompletion ? "completion" : referenceNames.first { first.object[$0] != nil })
                guard let inputName else {
                    throw HeldOutError(file: path, line: row.line, message: "no input field (give --input-field; tried \(inputNames.joined(separator: ", ")))")
                }
                guard let referenceName else {
                    throw HeldOutError(file: path, line: row.line, message: "no reference field (give --reference-field; tried \(referenceNames.joined(separator: ", ")))")
                }
                guard let input = row.object[inputName].flatMap(scalarText) else {
                    throw HeldOutError(file: path, line: row.line, message: "field '\(inputName)' is missing or not text")
                }
                let references = try referenceList(row.object[referenceName], field: referenceName, path: path, line: row.line)
                examples.append(HeldOutExample(id: id, line: row.line, prompt: input, references: references, fields: fields))
            case .csv, .tsv:
                break
            }
          } catch let problem as HeldOutError {
            problems.append(problem)
          }
        }
        problems += duplicateIDs(examples, path: path)
        return (HeldOutSet(path: path, format: format, examples: examples), problems)
    }

    static func readTable(data: Data, path: String, delimiter: Character, options: Options, format: HeldOutFormat) throws -> HeldOutSet {
        let table: (header: [String], rows: [(line: Int, fields: [String])])
        do { table = try CSVTable.read(data: data, path: path, delimiter: delimiter) } catch let error as LogError {
            throw HeldOutError(file: error.file, line: error.line, message: error.message)
        }
        let inputName = options.inputField ?? inputNames.first { table.header.contains($0) }
        let referenceName = options.referenceField ?? referenceNames.first { table.header.contains($0) }
        guard let inputName, let inputColumn = table.header.firstIndex(of: inputName) else {
            throw HeldOutError(file: path, line: 1, message: "no input column (give --input-field; the header has \(table.header.joined(separator: ", ")))")
        }
        guard let referenceName, let referenceColumn = table.header.firstIndex(of: referenceName) else {
            throw HeldOutError(file: path, line: 1, message: "no reference column (give --reference-field; the header has \(table.header.joined(separator: ", ")))")
        }
        let idColumn = table.header.firstIndex(of: options.idField)
        var examples: [HeldOutExample] = []
        for (index, row) in table.rows.enumerated() {
            var fields: [String: String] = [:]
            for (name, value) in zip(table.header, row.fields) { fields[name] = value }
            let id = idColumn.map { row.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? String(index + 2)
            examples.append(HeldOutExample(id: id, line: row.line, prompt: row.fields[inputColumn],
                                           references: [row.fields[referenceColumn]], fields: fields))
        }
        return HeldOutSet(path: path, format: format, examples: examples)
    }

    static func duplicateIDs(_ examples: [HeldOutExample], path: String) -> [HeldOutError] {
        var seen: [String: Int] = [:]
        var problems: [HeldOutError] = []
        for e in examples {
            if let earlier = seen[e.id] {
                problems.append(HeldOutError(file: path, line: e.line, message: "duplicate id '\(e.id)' (first on line \(earlier))"))
            }
            seen[e.id] = e.line
        }
        return problems
    }

    static func referenceList(_ value: Any?, field: String, path: String, line: Int) throws -> [String] {
        if let text = value.flatMap(scalarText) { return [text] }
        if let list = value as? [Any], !list.isEmpty {
            let texts = list.compactMap { $0 as? String }
            if texts.count == list.count { return texts }
        }
        throw HeldOutError(file: path, line: line, message: "field '\(field)' must be a string, a number or a non-empty array of strings")
    }

    /// A JSON string, number or boolean as text (numbers as written by JSON: `3`, not `3.0`).
    static func scalarText(_ value: Any) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        default: return nil
        }
    }

    /// JSON Lines rows with their line numbers; blank lines are skipped, anything else must be a JSON object.
    static func jsonRows(data: Data, path: String) throws -> [(line: Int, object: [String: Any])] {
        try SegmentInput.readJSONLObjects(data: data, path: path)
    }
}

/// A problem with a held-out file, naming the file and 1-based line: the same type as every other input error,
/// so all "bad file" messages read alike.
public typealias HeldOutError = InputError
