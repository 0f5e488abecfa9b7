import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads a fine-tuning job's history from an OpenAI-compatible API: the job, all its events, its checkpoints
/// and its result files, as files the importers read. The API key is sent only in the `Authorization` header.
public struct OpenAISync: Sendable {
    public var baseURL: URL
    let apiKey: String?
    public var timeout: Double

    public init(baseURL: URL, apiKey: String?, timeout: Double = 60) {
        self.baseURL = baseURL
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
    }

    /// A downloaded file: its name in the job's folder and its bytes.
    public struct File: Sendable {
        public var name: String
        public var data: Data
    }

    /// The job object, every event (all pages, newest first as the API lists them), the checkpoints, and each
    /// result file (still base64-encoded when the API returns it so; the importer decodes it).
    public func download(job id: String) async throws -> [File] {
        let job = try await get("fine_tuning/jobs/\(id)")
        var files = [File(name: "job.json", data: job)]
        files.append(File(name: "events.json", data: try await allPages("fine_tuning/jobs/\(id)/events")))
        do {
            files.append(File(name: "checkpoints.json", data: try await allPages("fine_tuning/jobs/\(id)/checkpoints")))
        } catch let error as SyncError where error.status == 404 {
            // Older servers and legacy jobs have no checkpoints endpoint.
        }
        let object = try JSONSerialization.jsonObject(with: job) as? [String: Any]
        for file in object?["result_files"] as? [String] ?? [] {
            files.append(File(name: "\(file).csv", data: try await get("files/\(file)/content")))
        }
        return files
    }

    /// Every page of a list endpoint (`limit=100`, then `after=` the last id while `has_more`) as one list response.
    func allPages(_ path: String) async throws -> Data {
        var items: [Any] = []
        var after: String?
        for _ in 0..<10_000 {
            var query = "?limit=100"
            if let after { query += "&after=\(after.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? after)" }
            let page = try await get(path + query)
            guard let object = try JSONSerialization.jsonObject(with: page) as? [String: Any],
                  let data = object["data"] as? [Any] else {
                throw SyncError(status: nil, message: "\(path): not a list response")
            }
            items += data
            guard object["has_more"] as? Bool == true, let last = (data.last as? [String: Any])?["id"] as? String else { break }
            after = last
        }
        return try JSONSerialization.data(withJSONObject: ["object": "list", "data": items, "has_more": false], options: [.sortedKeys])
    }

    func get(_ path: String) async throws -> Data {
        guard let url = URL(string: path, relativeTo: baseURL.appendingPathComponent("")) else {
            throw SyncError(status: nil, message: "bad path \(path)")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw SyncError(status: nil, message: redact("GET \(url.absoluteString): \(error.localizedDescription)"))
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw SyncError(status: status, message: redact("GET \(url.absoluteString): HTTP \(status)\(OpenAIProvider.errorMessage(data).map { ": " + $0 } ?? "")"))
        }
        return data
    }

    func redact(_ text: String) -> String {
        guard let apiKey else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }
}

/// A failed download.
public struct SyncError: Error, CustomStringConvertible {
    public var status: Int?
    public var message: String
    public var description: String { message }
}
