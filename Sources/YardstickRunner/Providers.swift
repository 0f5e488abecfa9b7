import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import YardstickMetrics

/// How a request is sent and decoded: the settings that change a model's answer, so all of them are in the cache key.
public struct GenerationSettings: Sendable, Equatable {
    public enum Endpoint: String, Sendable, CaseIterable {
        case chat, completions
    }
    public var endpoint: Endpoint = .chat
    public var temperature: Double?
    public var maxTokens: Int?
    public var stop: [String] = []
    /// A system message put before the request (chat endpoint).
    public var system: String?
    /// `{prompt}` is replaced by the example's prompt, e.g. `"{prompt} ->"` for a model fine-tuned with a separator.
    public var promptTemplate: String?

    public init() {}

    /// Every setting, in a fixed order (part of the cache key and of the prediction set's identity).
    public var json: JSONValue {
        .object([
            ("endpoint", .string(endpoint.rawValue)), ("temperature", temperature.map { .double($0) } ?? .null),
            ("max_tokens", maxTokens.map { .int($0) } ?? .null), ("stop", .array(stop.map { .string($0) })),
            ("system", .string(system)), ("prompt_template", .string(promptTemplate)),
        ])
    }

    /// The request for an example: the template applied, the system message first.
    public func request(for example: HeldOutExample) -> ModelRequest {
        func templated(_ text: String) -> String {
            guard let promptTemplate else { return text }
            return promptTemplate.replacingOccurrences(of: "{prompt}", with: text)
        }
        switch endpoint {
        case .chat:
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            if let chat = example.messages {
                messages += chat.enumerated().map { i, m in
                    // The template shapes the last user turn, as it shaped the prompt in training.
                    i == chat.count - 1 && m.role == "user" ? ChatMessage(role: m.role, content: templated(m.content)) : m
                }
            } else {
                messages.append(ChatMessage(role: "user", content: templated(example.prompt ?? "")))
            }
            return ModelRequest(exampleID: example.id, prompt: nil, messages: messages)
        case .completions:
            return ModelRequest(exampleID: example.id, prompt: templated(example.inputText), messages: nil)
        }
    }
}

/// What is sent to a model for one example.
public struct ModelRequest: Sendable, Equatable {
    public var exampleID: String
    public var prompt: String?
    public var messages: [ChatMessage]?

    public init(exampleID: String, prompt: String?, messages: [ChatMessage]?) {
        self.exampleID = exampleID
        self.prompt = prompt
        self.messages = messages
    }

    /// The request body's content (the id is not part of what the model sees, so not of the cache key).
    public var json: JSONValue {
        if let messages { return .object([("messages", .array(messages.map(\.json)))]) }
        return .object([("prompt", .string(prompt ?? ""))])
    }
}

/// A model's answer.
public struct ModelResponse: Sendable, Equatable {
    public var output: String
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(output: String, promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.output = output
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// Why a request failed: transient faults are retried, the rest are the example's error.
public enum ProviderError: Error, Equatable, CustomStringConvertible {
    /// 429, 5xx, a timeout, a dropped connection, a malformed response, a crashed program: worth retrying.
    case transient(String, retryAfter: Double?)
    /// Anything a retry cannot fix (400, 401, 404, a missing prediction).
    case permanent(String)

    public var description: String {
        switch self {
        case let .transient(message, _), let .permanent(message): return message
        }
    }
}

/// A source of model outputs.
public protocol ModelProvider: Sendable {
    /// `provider`, `base_url`, `model`: with the settings and the request, the cache key's parts.
    var identity: [(String, JSONValue)] { get }
    /// Whether answers are worth caching (a predictions file is its own cache).
    var cacheable: Bool { get }
    func generate(_ request: ModelRequest, settings: GenerationSettings, timeout: Double) async throws -> ModelResponse
    /// Stops what the provider started (worker processes).
    func shutdown() async
}

extension ModelProvider {
    /// `openai:gpt-4o-mini`, `command:python3 model.py`, `file:preds.jsonl`.
    public var label: String {
        let provider = identity.first { $0.0 == "provider" }.flatMap { pair -> String? in
            if case let .string(s) = pair.1 { return s }
            return nil
        } ?? "?"
        let model = identity.first { $0.0 == "model" }.flatMap { pair -> String? in
            if case let .string(s) = pair.1 { return s }
            return nil
        } ?? ""
        return "\(provider):\(model)"
    }
}

// MARK: file:

/// Predictions already made: JSON Lines with `id` and `prediction` (or `output`), or plain text with one
/// prediction per line in the held-out set's order.
public struct FileProvider: ModelProvider {
    public let path: String
    let byID: [String: String]
    let byPosition: [String]
    let positions: [String: Int]

    /// Reads the predictions file; `examples` gives the order for a plain-text file.
    public init(path: String, examples: [HeldOutExample]) throws {
        self.path = path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HeldOutError(file: path, message: "cannot read the predictions file")
        }
        var byID: [String: String] = [:]
        var byPosition: [String] = []
        let firstByte = data.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if firstByte == UInt8(ascii: "{") {
            for row in try HeldOutSet.jsonRows(data: data, path: path) {
                guard let id = row.object["id"].flatMap(HeldOutSet.scalarText) else {
                    throw HeldOutError(file: path, line: row.line, message: "row has no 'id'")
                }
                guard let prediction = (row.object["prediction"] ?? row.object["output"]).flatMap(HeldOutSet.scalarText) else {
                    throw HeldOutError(file: path, line: row.line, message: "row has no text 'prediction' (or 'output')")
                }
                byID[id] = prediction
            }
        } else {
            byPosition = try SegmentInput.readLines(path: path)
            if byPosition.count != examples.count {
                throw HeldOutError(file: path, message: "has \(byPosition.count) lines for \(examples.count) examples")
            }
        }
        self.byID = byID
        self.byPosition = byPosition
        var positions: [String: Int] = [:]
        for (i, e) in examples.enumerated() { positions[e.id] = i }
        self.positions = positions
    }

    public var identity: [(String, JSONValue)] { [("provider", .string("file")), ("model", .string(path))] }
    public var cacheable: Bool { false }

    public func generate(_ request: ModelRequest, settings: GenerationSettings, timeout: Double) async throws -> ModelResponse {
        if byPosition.isEmpty {
            guard let output = byID[request.exampleID] else { throw ProviderError.permanent("no prediction for id \(request.exampleID) in \(path)") }
            return ModelResponse(output: output)
        }
        guard let i = positions[request.exampleID] else { throw ProviderError.permanent("no prediction for id \(request.exampleID)") }
        return ModelResponse(output: byPosition[i])
    }

    public func shutdown() async {}
}

// MARK: openai:

/// Any OpenAI-compatible HTTP API (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio) through URLSession.
///
/// The API key is read from the environment when the provider is made and is sent only in the
/// `Authorization` header: it is never part of the cache key, a stored setting, a log line or an error message.
public final class OpenAIProvider: ModelProvider, @unchecked Sendable {
    public let model: String
    public let baseURL: URL
    private let apiKey: String?
    private let configuration: URLSessionConfiguration
    /// Plain `http://` servers go through ``PlainHTTPClient`` (see there for why), `https://` through URLSession.
    private let plain: PlainHTTPClient?

    /// - Parameters:
    ///   - baseURL: e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`.
    ///   - apiKey: the key's value (nil for servers that need none).
    public init(model: String, baseURL: URL, apiKey: String?) {
        self.model = model
        self.baseURL = baseURL
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        // One session per request: on Linux, a URLSession whose connection was dropped mid-request was measured
        // to stall every request it still held (2,000 requests with 1% dropped connections: 60 s stalls and
        // busy CPU with one shared session, 5 s with a session per request), so no session outlives a request.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 1
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        self.configuration = configuration
        plain = PlainHTTPClient(url: baseURL)
    }

    /// The API to talk to: `override` (a `--base-url`), else `$OPENAI_BASE_URL`, else the official API; nil when
    /// that is not an http(s) URL.
    public static func baseURL(_ override: String?, environment: [String: String]) -> (text: String, url: URL?) {
        let text = override ?? environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.openai.com/v1"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else { return (text, nil) }
        return (text, url)
    }

    public var identity: [(String, JSONValue)] {
        [("provider", .string("openai")), ("base_url", .string(baseURL.absoluteString)), ("model", .string(model))]
    }
    public var cacheable: Bool { true }

    /// Removes the key from text that may echo it (an error body, a URL).
    func redact(_ text: String) -> String {
        guard let apiKey else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    public func generate(_ request: ModelRequest, settings: GenerationSettings, timeout: Double) async throws -> ModelResponse {
        var body: [(String, JSONValue)] = [("model", .string(model))]
        switch settings.endpoint {
        case .chat: body.append(("messages", .array((request.messages ?? []).map(\.json))))
        case .completions: body.append(("prompt", .string(request.prompt ?? "")))
        }
        if let t = settings.temperature { body.append(("temperature", .double(t))) }
        if let m = settings.maxTokens { body.append(("max_tokens", .int(m))) }
        if !settings.stop.isEmpty { body.append(("stop", .array(settings.stop.map { .string($0) }))) }
        let url = baseURL.appendingPathComponent(settings.endpoint == .chat ? "chat/completions" : "completions")
        var http = URLRequest(url: url, timeoutInterval: timeout)
        http.httpMethod = "POST"
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { http.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        http.httpBody = Data(JSONValue.object(body).serialized().utf8)
        let data: Data, status: Int, retryAfterHeader: String?
        if let plain {
            let headers = [("Content-Type", "application/json")] + (apiKey.map { [("Authorization", "Bearer \($0)")] } ?? [])
            do {
                let response = try await plain.send(method: "POST", path: url.path, headers: headers, body: http.httpBody,
                                                    timeout: timeout)
                (data, status, retryAfterHeader) = (response.body, response.status, response.headers["retry-after"])
            } catch {
                throw ProviderError.transient(redact("request failed: \(error)"), retryAfter: nil)
            }
        } else {
            let response: URLResponse
            let session = URLSession(configuration: configuration)
            defer { session.finishTasksAndInvalidate() }
            do {
                (data, response) = try await session.data(for: http)
            } catch {
                if error is CancellationError { throw error }
                throw ProviderError.transient(redact("request failed: \(error.localizedDescription)"), retryAfter: nil)
            }
            guard let code = (response as? HTTPURLResponse)?.statusCode else {
                throw ProviderError.transient("no HTTP response", retryAfter: nil)
            }
            status = code
            retryAfterHeader = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After")
        }
        if status == 429 || status >= 500 {
            let retryAfter = retryAfterHeader.flatMap(Self.retryAfterSeconds)
            throw ProviderError.transient("HTTP \(status)\(Self.errorMessage(data).map { ": " + redact($0) } ?? "")", retryAfter: retryAfter)
        }
        guard status == 200 else {
            throw ProviderError.permanent("HTTP \(status)\(Self.errorMessage(data).map { ": " + redact($0) } ?? "")")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let first = choices.first else {
            throw ProviderError.transient("malformed response (no choices)", retryAfter: nil)
        }
        let text: String?
        switch settings.endpoint {
        case .chat: text = (first["message"] as? [String: Any])?["content"] as? String
        case .completions: text = first["text"] as? String
        }
        guard let text else { throw ProviderError.transient("malformed response (no text)", retryAfter: nil) }
        let usage = object["usage"] as? [String: Any]
        return ModelResponse(output: text, promptTokens: (usage?["prompt_tokens"] as? NSNumber)?.intValue,
                             completionTokens: (usage?["completion_tokens"] as? NSNumber)?.intValue)
    }

    static func errorMessage(_ data: Data) -> String? {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let error = object["error"] as? [String: Any], let message = error["message"] as? String {
            return String(message.prefix(300))
        }
        let text = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// `Retry-After` as seconds: a number of seconds, or an HTTP date.
    static func retryAfterSeconds(_ value: String) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }

    public func shutdown() async {}
}
