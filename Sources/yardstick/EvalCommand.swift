import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickRunner
import YardstickStore

/// `yardstick eval`: ask a model for every example of a held-out set, score the answers, keep everything.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run a held-out set through a model, score the outputs and record them in a run.",
        discussion: """
            --model is file:PATH (predictions already made: JSON Lines with id and prediction, or one per line), \
            command:'CMD …' (a local program speaking JSON Lines on stdin/stdout, one process per worker) or \
            openai:MODEL (any OpenAI-compatible API; --base-url, default $OPENAI_BASE_URL or the official API; the \
            key comes from the environment variable named by --api-key-env and is never stored or printed).

            Every answer is committed to the store as it arrives and successful answers are cached by a hash of \
            the provider, base URL, model, every generation setting and the exact request: running the same \
            evaluation again (after a crash, or with another metric) asks only for what is missing.

            --shard I/N evaluates only the examples whose id hashes to shard I of N, into the same run and prediction \
            set; the shard that completes the set scores it as one machine would and records the evaluation. \
            --workers-claim makes this process a worker that claims shards (--shards N, leases of --lease seconds) \
            until every shard is done.
            """)

    @Option(help: "The held-out set: JSON Lines (prompt/completion, chat messages, any fields) or CSV/TSV.") var data: String
    @OptionGroup var heldOut: HeldOutOptions
    @Option(help: ArgumentHelp("file:PATH, command:'CMD', or openai:MODEL.", valueName: "spec")) var model: String
    @Option(help: "Comma-separated: accuracy, exact-match, bleu, chrf, ter, rouge.") var metrics: String = "exact-match"

    @Option(help: "Experiment of the run (created when missing).") var experiment = "default"
    @Option(name: .customLong("run"), help: "Run name (or id, prefix, job id) to create or extend (default: derived from the model).")
    var runName: String?
    @Option(help: "Extend this existing run (id, prefix or job id).") var runId: String?
    @Option(help: "Provider job id of the model (ftjob-…), stored with the run.") var jobId: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("Hyperparameter of the run.", valueName: "key=value")) var params: [TrackingKeyValue] = []

    @Option(help: "chat or completions (openai).") var endpoint: String = "chat"
    @Option(help: "Base URL of the API (openai; default $OPENAI_BASE_URL or https://api.openai.com/v1).") var baseUrl: String?
    @Option(help: "Environment variable holding the API key (openai).") var apiKeyEnv = "OPENAI_API_KEY"
    @Option(help: "Sampling temperature.") var temperature: Double?
    @Option(help: "Maximum tokens per answer.") var maxTokens: Int?
    @Option(help: "Stop sequence (repeatable); answers are also cut there.") var stop: [String] = []
    @Option(help: "System message before each request (chat).") var system: String?
    @Option(help: "Request template; {prompt} is replaced by the example's prompt (e.g. \"{prompt} ->\").") var promptTemplate: String?
    @Option(help: "Classification labels, comma-separated: an answer maps to the first label it mentions.") var labels: String?
    @Flag(help: "Keep surrounding whitespace of answers.") var noTrim = false

    @Option(help: "Requests in flight at most.") var concurrency = 8
    @Option(help: "Requests started per second at most.") var rps: Double?
    @Option(help: "Seconds one request may take.") var timeout: Double = 60
    @Option(help: "Retries of a transient failure (429, 5xx, timeout, dropped connection, malformed response).") var maxRetries = 4
    @Option(help: ArgumentHelp("Stop the run after this many examples failed for good (N, 0.1 or 10%).", valueName: "n|fraction"))
    var maxFailures: String?
    @Flag(help: "Ignore cached answers (new answers replace them).") var refresh = false
    @Flag(help: "Print each example's cache key, whether it is cached, and the key's parts; send nothing.") var cacheKeys = false
    @Option(help: ArgumentHelp("Evaluate only shard I of N (1-based), chosen by a hash of each example's id.", valueName: "I/N"))
    var shard: String?
    @Flag(help: "Work as one of several workers: claim shards under a lease until every shard is done.") var workersClaim = false
    @Option(help: "Shards the set is split into with --workers-claim (default 8).") var shards: Int?
    @Option(help: "Seconds a claimed shard's lease lasts without a write (--workers-claim; default 60).") var lease: Double?
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var metricOptions: MetricOptions
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if GenerationSettings.Endpoint(rawValue: endpoint) == nil { throw ValidationError("--endpoint is chat or completions") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let rps, rps <= 0 { throw ValidationError("--rps must be positive") }
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if maxRetries < 0 { throw ValidationError("--max-retries must not be negative") }
        if let maxFailures, FailureLimit(parsing: maxFailures) == nil {
            throw ValidationError("--max-failures takes a count, a fraction below 1, or a percentage")
        }
        if runName != nil && runId != nil { throw ValidationError("give --run or --run-id, not both") }
        if let shard {
            do { _ = try ShardSpec(parsing: shard) } catch { throw ValidationError("\(error)") }
            if workersClaim { throw ValidationError("give --shard I/N or --workers-claim, not both") }
        }
        if !workersClaim && (shards != nil || lease != nil) { throw ValidationError("--shards and --lease go with --workers-claim") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        if let lease, !(lease > 0) { throw ValidationError("--lease must be a positive number of seconds") }
        guard ["file:", "command:", "openai:"].contains(where: { model.hasPrefix($0) }), model.split(separator: ":", maxSplits: 1).count == 2 else {
            throw ValidationError("--model is file:PATH, command:'CMD' or openai:MODEL")
        }
        _ = try EvaluationScoring.parseMetrics(metrics)
    }

    var settings: GenerationSettings {
        var s = GenerationSettings()
        s.endpoint = GenerationSettings.Endpoint(rawValue: endpoint) ?? .chat
        s.temperature = temperature
        s.maxTokens = maxTokens
        s.stop = stop
        s.system = system
        s.promptTemplate = promptTemplate
        return s
    }

    var processing: OutputProcessing {
        OutputProcessing(trim: !noTrim, stop: stop,
                         labels: labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? [])
    }

    func provider(for set: HeldOutSet) throws -> any ModelProvider {
        let value = String(model.split(separator: ":", maxSplits: 1)[1])
        if model.hasPrefix("file:") { return try FileProvider(path: value, examples: set.examples) }
        if model.hasPrefix("command:") { return CommandProvider(command: value, workers: concurrency) }
        let environment = ProcessInfo.processInfo.environment
        let base = OpenAIProvider.baseURL(baseUrl, environment: environment)
        guard let url = base.url else { throw TrackingFailure("--base-url '\(base.text)' is not an http(s) URL") }
        return OpenAIProvider(model: value, baseURL: url, apiKey: environment[apiKeyEnv])
    }

    func run() throws {
        try TrackingIO.reportingErrors {
            signal(SIGPIPE, SIG_IGN)  // a command provider that exits must not take yardstick with it
            let set = try HeldOutSet.read(path: data, options: heldOut.options)
            let provider = try provider(for: set)
            var runnerOptions = RunnerOptions()
            runnerOptions.concurrency = concurrency
            runnerOptions.requestsPerSecond = rps
            runnerOptions.timeout = timeout
            runnerOptions.maxRetries = maxRetries
            runnerOptions.maxFailures = maxFailures.flatMap(FailureLimit.init(parsing:))
            runnerOptions.refresh = refresh
            let runner = EvaluationRunner(provider: provider, settings: settings, options: runnerOptions)
            if cacheKeys { return try printCacheKeys(set: set, runner: runner) }
            try Blocking.run { try await self.evaluate(set: set, runner: runner) }
        }
    }

    func printCacheKeys(set: HeldOutSet, runner: EvaluationRunner) throws {
        let store = try self.store.open()
        let keys = set.examples.map(runner.cacheKey)
        let cached = try store.cachedResponses(keys: keys)
        var out = ""
        for (example, key) in zip(set.examples, keys) {
            out += JSONValue.object([
                ("id", .string(example.id)), ("key", .string(key)), ("cached", .bool(cached[key] != nil)),
                ("parts", .raw(runner.cacheParts(example).serialized())),
            ]).serialized() + "\n"
        }
        TrackingIO.write(out)
    }

    /// One headline number as printed: from the scores just computed, or from the stored evaluation another worker
    /// recorded first.
    struct Headline {
        var name: String
        var score: Double
        var low: Double?
        var high: Double?
        var level: Double?
        var signature: String
    }

    /// What the run ended with: an evaluation (recorded here, or by another worker first), or a shard summary.
    struct Outcome {
        var evaluationID: Int64
        var recordedHere: Bool
        var headlines: [Headline]
        var failures: Int
    }

    func evaluate(set: HeldOutSet, runner: EvaluationRunner) async throws {
        let shared = try SharedStore(path: store.path)
        let provider = runner.provider
        let settingsJSON = JSONValue.object(provider.identity + [("settings", settings.json)])
        let content = set.content
        let requested = runName ?? runId ?? "eval-" + provider.label.replacingOccurrences(of: "/", with: "-")
        let (run, predictionSet) = try await shared.perform { [experiment, jobId, params, runId] store -> (Run, Int64) in
            var run: Run
            if runId != nil {
                run = try store.resolveRun(requested, experiment: nil)
            } else {
                run = try store.resolveOrCreateRun(requested, experiment: experiment)
            }
            if !params.isEmpty { try store.logParams(run: run.id, params.map { ($0.key, ParamValue(parsing: $0.value)) }) }
            if let jobId { try store.setJobID(run: run.id, jobId) }
            try store.setStatus(run: run.id, "running")
            run = try store.run(id: run.id) ?? run
            return (run, try store.predictionSet(run: run.id, dataset: content, settings: settingsJSON))
        }
        let spec = try shard.map { try ShardSpec(parsing: $0) }
        let shardCount = workersClaim ? (shards ?? 8) : spec?.count
        let progress = ProgressLine(total: spec.map { Sharding.positions(of: set.examples, shard: $0.index, count: $0.count).count }
                                    ?? set.examples.count)
        let statistics: RunnerStatistics
        var work: ShardWorkReport?
        do {
            if workersClaim, let shardCount {
                let report = try await runner.runClaimingShards(
                    set.examples, store: shared, set: predictionSet, shardCount: shardCount, lease: lease ?? 60,
                    note: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }) { progress.update($0) }
                work = report
                statistics = report.statistics
            } else {
                let positions = spec.map { Sharding.positions(of: set.examples, shard: $0.index, count: $0.count) }
                statistics = try await runner.run(set.examples, store: shared, set: predictionSet, positions: positions) {
                    progress.update($0)
                }
            }
        } catch {
            progress.finish()
            await provider.shutdown()
            try? await shared.perform { try $0.setStatus(run: run.id, "failed", endedAt: Date()) }
            throw error
        }
        progress.finish()
        await provider.shutdown()
        signal(SIGPIPE, SIG_DFL)  // the workers are gone: a closed stdout ends yardstick quietly, as any Unix tool

        let stored: [StoredPrediction]
        if let shardCount {
            // A shard ends the evaluation only when the set is complete: otherwise the shards still out will.
            let completion = try await shared.perform { try $0.completion(set: predictionSet, count: set.examples.count) }
            guard completion.missing == 0, work?.stoppedShard == nil, !statistics.stopped else {
                TrackingIO.write(json ? shardJSON(run: run, spec: spec, work: work, shardCount: shardCount, statistics: statistics,
                                                  missing: completion.missing).serialized() + "\n"
                                      : shardText(run: run, set: set, spec: spec, work: work, shardCount: shardCount,
                                                  statistics: statistics, missing: completion.missing))
                if statistics.stopped {
                    throw TrackingFailure("the shard stopped: \(statistics.failed) examples failed for good (--max-failures \(maxFailures ?? "")); run it again to retry them")
                }
                return
            }
            stored = completion.predictions
        } else {
            stored = try await shared.perform { try $0.predictions(set: predictionSet) }
        }

        let scored = try EvaluationScoring.evaluation(
            set, stored: stored, processing: processing, metrics: try EvaluationScoring.parseMetrics(metrics),
            configuration: try metricOptions.configuration(), name: provider.label, settings: settingsJSON)
        let failedRun = statistics.stopped
            || (set.examples.count > 0 && scored.record.predictions.allSatisfy { $0.prediction == nil })
        let record = scored.record
        let outcome = try await shared.perform { store -> Outcome in
            let recordHere = {
                let id = try store.recordEvaluation(run: run.id, record)
                try store.setStatus(run: run.id, failedRun ? "failed" : "finished", endedAt: Date())
                return id
            }
            guard let shardCount else {
                return Outcome(evaluationID: try store.transaction(recordHere), recordedHere: true, headlines: [], failures: 0)
            }
            let merge = try store.recordMerge(set: predictionSet, shardCount: shardCount, recordHere)
            var outcome = Outcome(evaluationID: merge.evaluationID, recordedHere: merge.recorded, headlines: [], failures: 0)
            if !merge.recorded {
                let existing = try store.evaluation(id: merge.evaluationID)
                outcome.headlines = existing.metrics.map {
                    Headline(name: $0.name, score: $0.score, low: $0.ciLow, high: $0.ciHigh, level: $0.ciLevel, signature: $0.signature ?? "")
                }
                outcome.failures = try store.predictions(evaluation: merge.evaluationID).filter { $0.prediction == nil }.count
            }
            return outcome
        }
        var result = outcome
        if result.recordedHere {
            result.failures = scored.failures
            result.headlines = scored.scores.flatMap { score in
                score.headlines.map {
                    Headline(name: $0.metric, score: $0.value, low: $0.low, high: $0.high,
                             level: $0.low == nil ? nil : score.confidenceLevel, signature: score.signature)
                }
            }
        } else {
            FileHandle.standardError.write(Data("""
                these shards were already merged into evaluation \(result.evaluationID) (shown below); eval without --shard \
                scores the set again, asking nothing that is stored

                """.utf8))
        }
        if json {
            TrackingIO.write(summaryJSON(run: run, outcome: result, set: set, content: content, statistics: statistics,
                                         provider: provider, spec: spec, work: work).serialized() + "\n")
        } else {
            TrackingIO.write(summaryText(run: run, outcome: result, set: set, content: content, statistics: statistics,
                                         provider: provider))
        }
        if statistics.stopped {
            throw TrackingFailure("the run stopped: \(statistics.failed) examples failed for good (--max-failures \(maxFailures ?? "")); run \(run.name) is marked failed")
        }
        if failedRun && result.recordedHere { throw TrackingFailure("every example failed; run \(run.name) is marked failed") }
    }

    /// The shards this process worked on, for the summaries.
    func shardFields(spec: ShardSpec?, work: ShardWorkReport?, shardCount: Int?) -> [(String, JSONValue)] {
        if let spec { return [("shard", .string(spec.description))] }
        guard let work, let shardCount else { return [] }
        return [("shard_count", .int(shardCount)), ("shards_done", .array(work.shardsDone.map { .int($0 + 1) })),
                ("shards_lost", .array(work.shardsLost.map { .int($0 + 1) }))]
    }

    func shardJSON(run: Run, spec: ShardSpec?, work: ShardWorkReport?, shardCount: Int, statistics: RunnerStatistics,
                   missing: Int) -> JSONValue {
        .object([
            ("run", .object([("id", .string(run.id)), ("name", .string(run.name)), ("experiment", .string(run.experiment))])),
            ("evaluation_id", .null),
        ] + shardFields(spec: spec, work: work, shardCount: shardCount) + [
            ("examples_in_shard", .int(statistics.total)), ("already_done", .int(statistics.alreadyDone)),
            ("from_cache", .int(statistics.fromCache)), ("answered", .int(statistics.succeeded)),
            ("requests", .int(statistics.requests)), ("retries", .int(statistics.retries)), ("failed", .int(statistics.failed)),
            ("stopped", .bool(statistics.stopped)), ("seconds", .double(statistics.seconds)), ("missing", .int(missing)),
        ])
    }

    func shardText(run: Run, set: HeldOutSet, spec: ShardSpec?, work: ShardWorkReport?, shardCount: Int,
                   statistics: RunnerStatistics, missing: Int) -> String {
        let which = spec.map { "shard \($0)" }
            ?? "shards \((work?.shardsDone ?? []).map { "\($0 + 1)" }.joined(separator: ", ")) of \(shardCount)"
        var out = "\(which) of \(set.path) → run \(run.name) [\(run.id.prefix(8))]: \(statistics.total) examples, "
        out += String(format: "%d answered, %d from cache, %d already stored, %d failed; %d requests (%d retries) in %.1f s\n",
                      statistics.succeeded, statistics.fromCache, statistics.alreadyDone, statistics.failed, statistics.requests,
                      statistics.retries, statistics.seconds)
        out += "\(missing) of \(set.examples.count) examples of the set are still missing: the run stays running until every shard is in\n"
        return out
    }

    func summaryJSON(run: Run, outcome: Outcome, set: HeldOutSet, content: DatasetContent, statistics: RunnerStatistics,
                     provider: any ModelProvider, spec: ShardSpec?, work: ShardWorkReport?) -> JSONValue {
        let sharded = spec != nil || work != nil
        return .object([
            ("run", .object([("id", .string(run.id)), ("name", .string(run.name)), ("experiment", .string(run.experiment))])),
            ("evaluation_id", .int(Int(outcome.evaluationID))),
            ("dataset", .object([("label", .string(String(content.contentSHA256.prefix(8)))), ("path", .string(set.path)),
                                 ("content_sha256", .string(content.contentSHA256)), ("n_examples", .int(set.examples.count))])),
            ("model", .string(provider.label)),
        ] + shardFields(spec: spec, work: work, shardCount: spec?.count ?? shards ?? 8)
          + (sharded ? [("examples_in_shard", .int(statistics.total)), ("merged_here", .bool(outcome.recordedHere))] : []) + [
            ("examples", .int(sharded ? set.examples.count : statistics.total)), ("already_done", .int(statistics.alreadyDone)),
            ("from_cache", .int(statistics.fromCache)), ("answered", .int(statistics.succeeded)),
            ("requests", .int(statistics.requests)), ("retries", .int(statistics.retries)), ("failed", .int(outcome.failures)),
            ("stopped", .bool(statistics.stopped)), ("seconds", .double(statistics.seconds)),
            ("metrics", .array(outcome.headlines.map { h in
                .object([("name", .string(h.name)), ("score", .double(h.score)), ("ci_low", .number(h.low)),
                         ("ci_high", .number(h.high)), ("ci_level", .number(h.level)), ("signature", .string(h.signature))])
            })),
        ])
    }

    func summaryText(run: Run, outcome: Outcome, set: HeldOutSet, content: DatasetContent, statistics: RunnerStatistics,
                     provider: any ModelProvider) -> String {
        var rows: [[String]] = []
        for h in outcome.headlines {
            var ci = "-"
            if let low = h.low, let high = h.high {
                ci = "[\(TrackingOutput.short(low)), \(TrackingOutput.short(high))]"
            }
            rows.append([h.name, TrackingOutput.short(h.score), ci, h.signature])
        }
        let level = outcome.headlines.first { $0.level != nil }?.level.map { "\(TrackingOutput.short($0 * 100))% CI" } ?? "CI"
        var out = "\(provider.label) on \(set.path) (\(set.examples.count) examples, dataset \(content.contentSHA256.prefix(8))) → run \(run.name) [\(run.id.prefix(8))] in \(run.experiment)\n"
        out += TrackingOutput.table(["METRIC", "SCORE", level, "SIGNATURE"], rows)
        out += String(format: "%d answered, %d from cache, %d already stored, %d failed; %d requests (%d retries) in %.1f s\n",
                      statistics.succeeded, statistics.fromCache, statistics.alreadyDone, outcome.failures, statistics.requests,
                      statistics.retries, statistics.seconds)
        return out
    }
}

/// Runs async work from a synchronous command and waits for it.
enum Blocking {
    final class Box: @unchecked Sendable {
        var error: Error?
    }

    static func run(_ body: @escaping @Sendable () async throws -> Void) throws {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await body() } catch { box.error = error }
            done.signal()
        }
        done.wait()
        if let error = box.error { throw error }
    }
}

/// The progress of a run on stderr (done/total, rate, ETA, retries, errors).
final class ProgressLine: Sendable {
    let total: Int
    private let bar = StderrProgress()

    init(total: Int) { self.total = total }

    func update(_ s: RunnerStatistics) {
        let done = s.alreadyDone + s.fromCache + s.succeeded + s.failed
        bar.update(done: done, total: total) { [total] elapsed in
            let rate = elapsed > 0 ? Double(s.succeeded + s.failed) / elapsed : 0
            let eta = rate > 0 ? String(format: "%.0fs", Double(total - done) / rate) : "?"
            return "\(done)/\(total) \(String(format: "%.1f", rate))/s ETA \(eta) retries \(s.retries) errors \(s.failed)"
        }
    }

    func finish() { bar.finish() }
}
