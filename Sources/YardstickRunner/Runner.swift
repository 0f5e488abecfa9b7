import Foundation
import YardstickMetrics
import YardstickStore

/// When a run gives up: after this many examples failed for good, or this share of the set.
public enum FailureLimit: Sendable, Equatable {
    case count(Int)
    case fraction(Double)

    /// `N`, `0.1` or `10%`.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%"), let p = Double(t.dropLast()), p >= 0, p <= 100 { self = .fraction(p / 100); return }
        if let n = Int(t), n >= 0 { self = .count(n); return }
        if let f = Double(t), f >= 0, f < 1 { self = .fraction(f); return }
        return nil
    }

    func exceeded(failures: Int, of total: Int) -> Bool {
        switch self {
        case let .count(n): return failures > n
        case let .fraction(f): return Double(failures) > f * Double(total)
        }
    }
}

/// How a set is run against a provider.
public struct RunnerOptions: Sendable {
    /// Requests in flight at most.
    public var concurrency = 8
    /// Requests started per second at most (nil: no limit).
    public var requestsPerSecond: Double?
    /// Seconds one request may take.
    public var timeout: Double = 60
    /// Retries of a transient failure (so at most `maxRetries + 1` requests per example).
    public var maxRetries = 4
    /// First backoff, doubled each retry (with full jitter), capped at ``maxBackoff``.
    public var initialBackoff: Double = 0.5
    public var maxBackoff: Double = 30
    /// Stop the run when too many examples failed for good.
    public var maxFailures: FailureLimit?
    /// Ignore cached answers (new answers still replace them).
    public var refresh = false
    /// Re-ask examples whose stored prediction is an error (on by default: errors are never final).
    public var retryFailed = true

    public init() {}
}

/// Counts of one run, for the summary and the progress line.
public struct RunnerStatistics: Sendable, Equatable {
    public var total = 0
    /// Examples already in the prediction set when the run started (a resumed run).
    public var alreadyDone = 0
    public var fromCache = 0
    /// Requests sent (retries included).
    public var requests = 0
    public var retries = 0
    public var succeeded = 0
    public var failed = 0
    /// The run stopped early (``RunnerOptions/maxFailures``).
    public var stopped = false
    public var seconds: Double = 0
}

/// Post-processing of model outputs before scoring.
public struct OutputProcessing: Sendable, Equatable {
    /// Trim surrounding whitespace.
    public var trim = true
    /// Cut at the first stop sequence.
    public var stop: [String] = []
    /// For classification: map an output to the first label it mentions (case-insensitive); an output that
    /// names no label is kept as it is (and scored wrong).
    public var labels: [String] = []

    public init(trim: Bool = true, stop: [String] = [], labels: [String] = []) {
        self.trim = trim
        self.stop = stop
        self.labels = labels
    }

    public func apply(_ output: String) -> String {
        var text = output
        for s in stop where !s.isEmpty {
            if let range = text.range(of: s) { text = String(text[..<range.lowerBound]) }
        }
        if trim { text = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        if !labels.isEmpty {
            let lower = text.lowercased()
            var best: (position: String.Index, label: String)?
            for label in labels {
                guard let range = lower.range(of: label.lowercased()) else { continue }
                if best == nil || range.lowerBound < best!.position
                    || (range.lowerBound == best!.position && label.count > best!.label.count) {
                    best = (range.lowerBound, label)
                }
            }
            if let best { return best.label }
        }
        return text
    }
}

/// Runs a held-out set against a model: bounded concurrency and rate, retries with backoff, a response cache
/// and a prediction set in the store that every finished example is committed to as it finishes, so a killed
/// run loses at most the requests in flight and a re-run asks only for what is missing.
public struct EvaluationRunner: Sendable {
    public var provider: any ModelProvider
    public var settings: GenerationSettings
    public var options: RunnerOptions

    public init(provider: any ModelProvider, settings: GenerationSettings, options: RunnerOptions) {
        self.provider = provider
        self.settings = settings
        self.options = options
    }

    /// The cache key's parts for an example: provider, base URL, model, every setting and the exact request —
    /// never the API key or a header.
    public func cacheParts(_ example: HeldOutExample) -> JSONValue {
        .object(provider.identity + [("settings", settings.json), ("request", settings.request(for: example).json)])
    }

    /// Hex SHA-256 of ``cacheParts(_:)``.
    public func cacheKey(_ example: HeldOutExample) -> String {
        SHA256.hex(Data(cacheParts(example).serialized().utf8))
    }

    /// Fills the prediction set `set` for every example of `examples` (or of `positions`) that has no prediction yet.
    /// - Parameters:
    ///   - positions: indices into `examples` to run (a shard), nil for all; predictions keep these positions, so a
    ///     shard's rows sit where the whole set's would.
    ///   - claim: fences every prediction write: once another worker has taken the shard over, the write is rejected,
    ///     the requests in flight end without retries and the run throws ``StoreError/leaseLost(shard:count:)``.
    ///   - progress: called after each example with the counts so far (from any task).
    public func run(_ examples: [HeldOutExample], store: SharedStore, set: Int64, positions: [Int]? = nil,
                    claim: ShardClaim? = nil,
                    progress: @escaping @Sendable (RunnerStatistics) -> Void = { _ in }) async throws -> RunnerStatistics {
        let started = Date()
        let selected = positions ?? Array(examples.indices)
        let existing = try await store.perform { try $0.predictions(set: set) }
        var done = Set<Int>()
        for p in existing where p.prediction != nil && (p.error == nil || !options.retryFailed) { done.insert(p.position) }
        let counter = Counter(total: selected.count, alreadyDone: selected.filter(done.contains).count, progress: progress)
        var todo = selected.filter { !done.contains($0) }

        // Answers already in the cache are written at once, in one transaction.
        if provider.cacheable && !options.refresh && !todo.isEmpty {
            let keys = todo.map { cacheKey(examples[$0]) }
            let cached = try await store.perform { try $0.cachedResponses(keys: keys) }
            var hits: [(position: Int, record: PredictionRecord)] = []
            var misses: [Int] = []
            for (i, position) in todo.enumerated() {
                if let answer = cached[keys[i]] {
                    hits.append((position, record(examples[position], output: answer.output, cached: true,
                                                  promptTokens: answer.promptTokens, completionTokens: answer.completionTokens)))
                } else {
                    misses.append(position)
                }
            }
            if !hits.isEmpty {
                let batch = hits
                try await store.perform { try $0.savePredictions(set: set, batch, fencedBy: claim) }
                await counter.cached(hits.count)
            }
            todo = misses
        }

        let limiter = options.requestsPerSecond.map { RateLimiter(perSecond: $0) }
        let coalescer = Coalescer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func startNext() {
                guard next < todo.count else { return }
                let position = todo[next]
                next += 1
                group.addTask {
                    do {
                        try await self.answer(examples[position], position: position, store: store, set: set, claim: claim,
                                              limiter: limiter, counter: counter, coalescer: coalescer)
                    } catch StoreError.leaseLost {
                        // Like --max-failures, no cancellation: the requests in flight end on their own, and their
                        // writes are rejected by the same fence.
                        await counter.loseLease()
                    }
                }
            }
            for _ in 0..<min(max(1, options.concurrency), todo.count) { startNext() }
            while try await group.next() != nil {
                if await counter.isStopped { break }
                if let limit = options.maxFailures, await counter.failedCount(exceeding: limit) {
                    // No cancellation: cancelling a URLSession request as it completes deadlocks on Linux
                    // (FoundationNetworking), so the requests in flight end on their own and start no retry.
                    await counter.stop()
                    break
                }
                startNext()
            }
        }
        if let claim, await counter.lostLease { throw StoreError.leaseLost(shard: claim.shard, count: claim.shardCount) }
        var statistics = await counter.statistics
        statistics.seconds = Date().timeIntervalSince(started)
        return statistics
    }

    func record(_ example: HeldOutExample, output: String?, error: String? = nil, latencyMs: Double? = nil, cached: Bool = false,
                promptTokens: Int? = nil, completionTokens: Int? = nil) -> PredictionRecord {
        PredictionRecord(exampleID: example.id, input: example.inputText, references: example.references, prediction: output,
                         error: error, latencyMs: latencyMs, cached: cached, promptTokens: promptTokens,
                         completionTokens: completionTokens)
    }

    /// One example: request, retry transient failures with backoff, and commit the outcome (answer and cache entry
    /// in one transaction, so an answered example is never asked again).
    func answer(_ example: HeldOutExample, position: Int, store: SharedStore, set: Int64, claim: ShardClaim?, limiter: RateLimiter?,
                counter: Counter, coalescer: Coalescer) async throws {
        let request = settings.request(for: example)
        let cacheable = provider.cacheable
        let key = cacheable ? cacheKey(example) : ""
        // Examples with the same request share one answer: the first asks, the others wait for it.
        if cacheable, case let .answered(shared) = await coalescer.begin(key) {
            let row = record(example, output: shared.output, cached: true, promptTokens: shared.promptTokens,
                             completionTokens: shared.completionTokens)
            try await store.perform { try $0.savePredictions(set: set, [(position, row)], fencedBy: claim) }
            await counter.cached(1)
            return
        }
        do {
            let outcome = try await attempts(example, request: request, position: position, store: store, set: set,
                                             claim: claim, limiter: limiter, counter: counter)
            if cacheable { await coalescer.end(key, outcome) }
        } catch {
            if cacheable { await coalescer.end(key, nil) }
            throw error
        }
    }

    /// Sends the request until it succeeds, fails for good or retries run out; returns the answer, if any.
    func attempts(_ example: HeldOutExample, request: ModelRequest, position: Int, store: SharedStore, set: Int64,
                  claim: ShardClaim?, limiter: RateLimiter?, counter: Counter) async throws -> ModelResponse? {
        let cacheable = provider.cacheable
        let key = cacheable ? cacheKey(example) : ""
        var attempt = 0
        while true {
            try Task.checkCancellation()
            if await counter.isStopped { return nil }
            if let limiter { await limiter.wait() }
            await counter.requested(retry: attempt > 0)
            let begin = Date()
            do {
                let response = try await provider.generate(request, settings: settings, timeout: options.timeout)
                let latency = Date().timeIntervalSince(begin) * 1000
                let row = record(example, output: response.output, latencyMs: latency,
                                 promptTokens: response.promptTokens, completionTokens: response.completionTokens)
                let parts = cacheable ? cacheParts(example).serialized() : ""
                let model = provider.label
                try await store.perform { store in
                    try store.fenced(claim) {
                        if cacheable {
                            try store.cacheResponse(key: key, model: model, CachedResponse(
                                output: response.output, promptTokens: response.promptTokens,
                                completionTokens: response.completionTokens, parts: parts))
                        }
                        try store.savePredictions(set: set, [(position, row)])
                    }
                }
                await counter.succeeded()
                return response
            } catch let error as ProviderError {
                if case let .transient(_, retryAfter) = error, attempt < options.maxRetries {
                    let backoff = min(options.maxBackoff, options.initialBackoff * pow(2, Double(attempt)))
                    let delay = retryAfter.map { min($0, options.maxBackoff * 2) } ?? Double.random(in: 0...backoff)
                    attempt += 1
                    try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    continue
                }
                let message = attempt > 0 ? "\(error) (after \(attempt) retries)" : error.description
                let row = record(example, output: nil, error: message, latencyMs: Date().timeIntervalSince(begin) * 1000)
                try await store.perform { try $0.savePredictions(set: set, [(position, row)], fencedBy: claim) }
                await counter.failed()
                return nil
            }
        }
    }
}

/// Shared counts of a run.
actor Counter {
    private(set) var statistics: RunnerStatistics
    let progress: @Sendable (RunnerStatistics) -> Void

    init(total: Int, alreadyDone: Int, progress: @escaping @Sendable (RunnerStatistics) -> Void) {
        statistics = RunnerStatistics(total: total, alreadyDone: alreadyDone)
        self.progress = progress
    }

    func cached(_ n: Int) { statistics.fromCache += n; progress(statistics) }
    func requested(retry: Bool) {
        statistics.requests += 1
        if retry { statistics.retries += 1 }
    }
    func succeeded() { statistics.succeeded += 1; progress(statistics) }
    func failed() { statistics.failed += 1; progress(statistics) }
    func stop() { statistics.stopped = true }
    /// Another worker took the shard over: ask nothing more.
    private(set) var lostLease = false
    func loseLease() { lostLease = true }
    var isStopped: Bool { statistics.stopped || lostLease }
    func failedCount(exceeding limit: FailureLimit) -> Bool {
        limit.exceeded(failures: statistics.failed, of: statistics.total)
    }
}

/// Spaces request starts `1 / perSecond` apart.
actor RateLimiter {
    let interval: Double
    private var next = Date.distantPast

    init(perSecond: Double) { interval = 1 / max(perSecond, 1e-6) }

    func wait() async {
        let now = Date()
        let slot = max(now, next)
        next = slot.addingTimeInterval(interval)
        let delay = slot.timeIntervalSince(now)
        if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
    }
}

/// Identical requests in one run: the first is sent, the others wait for its answer (and ask themselves only
/// when it failed).
actor Coalescer {
    enum Start { case first, answered(ModelResponse), failed }
    private var running: Set<String> = []
    private var waiting: [String: [CheckedContinuation<ModelResponse?, Never>]] = [:]
    /// Answers of this run, for identical requests that come later.
    private var answers: [String: ModelResponse] = [:]

    func begin(_ key: String) async -> Start {
        if let answer = answers[key] { return .answered(answer) }
        guard running.contains(key) else {
            running.insert(key)
            return .first
        }
        let shared = await withCheckedContinuation { waiting[key, default: []].append($0) }
        return shared.map(Start.answered) ?? .failed
    }

    func end(_ key: String, _ response: ModelResponse?) {
        running.remove(key)
        if let response { answers[key] = response }
        for waiter in waiting.removeValue(forKey: key) ?? [] { waiter.resume(returning: response) }
    }
}
