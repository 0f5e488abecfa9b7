import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickRunner
import YardstickStore

/// How a held-out file is read (shared by `split`, `check` and `eval`).
struct HeldOutOptions: ParsableArguments {
    @Option(help: "auto, prompt-completion, chat, fields, csv, tsv.") var format: String = "auto"
    @Option(help: "Field (or column) holding the request.") var inputField: String?
    @Option(help: "Field (or column) holding the reference: a string, a number or an array of strings.") var referenceField: String?

    func validate() throws {
        if HeldOutFormat(rawValue: format) == nil {
            throw ValidationError("unknown --format '\(format)' (\(HeldOutFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    var options: HeldOutSet.Options {
        HeldOutSet.Options(format: HeldOutFormat(rawValue: format) ?? .auto, inputField: inputField, referenceField: referenceField)
    }

    func read(_ path: String) throws -> (data: Data, set: HeldOutSet, problems: [HeldOutError]) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HeldOutError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        let scanned = try HeldOutSet.scan(data: data, path: path, options: options)
        return (data, scanned.set, scanned.problems)
    }
}

/// `yardstick split`: deterministic train/valid/test files.
struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a dataset into train/valid/test files, deterministically (optionally stratified).",
        discussion: """
            An example's split is decided by the SHA-256 of the seed and its id (the id field, else its line), so \
            the same file and seed give the same files on every machine. --stratify splits each value of a field \
            (e.g. the label) on its own, keeping rare classes in every split.
            """)
    @Argument(help: "JSON Lines or CSV/TSV file.") var file: String
    @Option(help: "Share of the training split.") var train = 0.8
    @Option(help: "Share of the validation split.") var valid = 0.1
    @Option(help: "Share of the test split.") var test = 0.1
    @Option(help: "Seed of the split.") var seed: UInt64 = 42
    @Option(help: "Field whose values are split separately (e.g. the label).") var stratify: String?
    @Option(help: "Folder of train/valid/test files (default: next to FILE, named after it).") var out: String?
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var heldOut: HeldOutOptions

    func validate() throws {
        if [train, valid, test].contains(where: { $0 < 0 }) || train + valid + test <= 0 {
            throw ValidationError("--train, --valid and --test must be non-negative and not all 0")
        }
    }

    func run() throws {
        try TrackingIO.reportingErrors {
            let (data, set, problems) = try heldOut.read(file)
            if let first = problems.first { throw first }
            if let stratify, !set.examples.contains(where: { $0.fields[stratify] != nil }) {
                throw TrackingFailure("\(file): no example has a field '\(stratify)' to stratify by")
            }
            let parts = DatasetSplit.split(set.examples, fractions: [("train", train), ("valid", valid), ("test", test)].filter { $0.1 > 0 },
                                           seed: seed, stratify: stratify)
            let folder = out ?? URL(fileURLWithPath: file).deletingPathExtension().path + "-split"
            let paths = try DatasetSplit.write(parts, of: set, source: data, to: folder)
            if json {
                TrackingIO.write(JSONValue.array(zip(parts, paths).map { part, path in
                    .object([("split", .string(part.name)), ("path", .string(path)), ("examples", .int(part.indices.count))])
                }).serialized() + "\n")
                return
            }
            var rows = zip(parts, paths).map { part, path in [part.name, String(part.indices.count), path] }
            rows.append(["total", String(set.examples.count), ""])
            var text = TrackingOutput.table(["SPLIT", "EXAMPLES", "FILE"], rows)
            if let stratify {
                let values = Array(Set(set.examples.compactMap { $0.fields[stratify] })).sorted()
                text += "\n" + TrackingOutput.table([stratify.uppercased()] + parts.map { $0.name.uppercased() }, values.map { value in
                    [value] + parts.map { part in String(part.indices.filter { set.examples[$0].fields[stratify] == value }.count) }
                })
            }
            TrackingIO.write(text)
        }
    }
}

/// `yardstick check`: what is wrong with a held-out set, and whether it leaks into the training data.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a dataset: malformed rows, empty fields, duplicates, lengths, labels, and leakage from a training file.",
        discussion: """
            Exits 1 when a row cannot be read, a request or reference is empty, or a held-out example's request is \
            also in --against (after lowercasing and dropping punctuation). Near-duplicates (a share of word \
            n-grams at or above --near-threshold found in one training example) are reported but do not fail.
            """)
    @Argument(help: "The held-out set.") var file: String
    @Option(help: "The training file to look for leaked examples in.") var against: String?
    @Option(help: "Word n-gram size for near-duplicates.") var ngram = 5
    @Option(help: "Share of the example's n-grams found in one training example from which it counts as a near-duplicate.")
    var nearThreshold = 0.8
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var heldOut: HeldOutOptions

    func validate() throws {
        if ngram < 1 { throw ValidationError("--ngram must be at least 1") }
        if !(nearThreshold > 0 && nearThreshold <= 1) { throw ValidationError("--near-threshold must be in (0, 1]") }
    }

    func run() throws {
        var failed = false
        try TrackingIO.reportingErrors {
            let (_, set, problems) = try heldOut.read(file)
            let training = try against.map { path -> HeldOutSet in
                let read = try heldOut.read(path)
                return read.set
            }
            let check = DatasetCheck(set: set, problems: problems, training: training, nearThreshold: nearThreshold, ngram: ngram)
            TrackingIO.write(json ? Self.json(check, file: file, against: against).serialized() + "\n" : Self.text(check, file: file, against: against))
            failed = check.failed
        }
        if failed { throw ExitCode(1) }
    }

    static func lengthJSON(_ s: LengthStatistics?) -> JSONValue {
        guard let s else { return .null }
        return .object([("min", .int(s.min)), ("median", .int(s.median)), ("p95", .int(s.p95)), ("max", .int(s.max)), ("mean", .double(s.mean))])
    }

    static func json(_ c: DatasetCheck, file: String, against: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("file", .string(file)), ("examples", .int(c.examples)), ("ok", .bool(!c.failed)),
            ("errors", .array(c.errors.map { .object([("line", .int($0.line.map(Int64.init))), ("message", .string($0.message))]) })),
            ("duplicates", .array(c.duplicates.map { .object([("line", .int($0.line)), ("first", .int($0.first))]) })),
            ("conflicts", .array(c.conflicts.map { .object([("line", .int($0.line)), ("first", .int($0.first))]) })),
            ("length", .object([("input_words", lengthJSON(c.inputWords)), ("reference_words", lengthJSON(c.referenceWords))])),
            ("labels", .array(c.labels.map { .object([("label", .string($0.label)), ("count", .int($0.count))]) })),
        ]
        if let against {
            func leak(_ l: DatasetCheck.Leak) -> JSONValue {
                .object([("line", .int(l.line)), ("training_line", .int(l.trainingLine)), ("overlap", .double(l.overlap))])
            }
            members.append(("leakage", .object([
                ("against", .string(against)), ("training_examples", .int(Int64(c.trainingExamples ?? 0))),
                ("ngram", .int(c.ngram)), ("near_threshold", .double(c.nearThreshold)),
                ("exact", .array(c.exactLeaks.map(leak))), ("near", .array(c.nearLeaks.map(leak))),
            ])))
        }
        return .object(members)
    }

    static func text(_ c: DatasetCheck, file: String, against: String?) -> String {
        var out = "\(file): \(c.examples) examples\n"
        func lines(_ pairs: [(line: Int, first: Int)]) -> String {
            pairs.prefix(10).map { "\($0.line) (= \($0.first))" }.joined(separator: ", ") + (pairs.count > 10 ? ", …" : "")
        }
        for e in c.errors.prefix(20) { out += "error: \(e)\n" }
        if c.errors.count > 20 { out += "… \(c.errors.count - 20) more errors\n" }
        if !c.duplicates.isEmpty { out += "duplicates: \(c.duplicates.count) examples repeat an earlier one (lines \(lines(c.duplicates)))\n" }
        if !c.conflicts.isEmpty { out += "conflicts: \(c.conflicts.count) requests repeat with another reference (lines \(lines(c.conflicts)))\n" }
        if let i = c.inputWords, let r = c.referenceWords {
            out += TrackingOutput.table(["WORDS", "MIN", "MEDIAN", "P95", "MAX", "MEAN"], [
                ["request", String(i.min), String(i.median), String(i.p95), String(i.max), String(format: "%.1f", i.mean)],
                ["reference", String(r.min), String(r.median), String(r.p95), String(r.max), String(format: "%.1f", r.mean)],
            ])
        }
        if !c.labels.isEmpty {
            out += "labels (\(c.labels.count)): " + c.labels.prefix(15).map { "\($0.label) \($0.count)" }.joined(separator: ", ")
                + (c.labels.count > 15 ? ", …" : "") + "\n"
        }
        if let against {
            out += "leakage against \(against) (\(c.trainingExamples ?? 0) examples): \(c.exactLeaks.count) exact, "
                + "\(c.nearLeaks.count) near-duplicates (≥ \(Int((c.nearThreshold * 100).rounded()))% of word \(c.ngram)-grams)\n"
            for l in c.exactLeaks.prefix(10) { out += "  exact: line \(l.line) = training line \(l.trainingLine)\n" }
            for l in c.nearLeaks.prefix(10) {
                out += "  near: line \(l.line) ~ training line \(l.trainingLine) (\(Int((l.overlap * 100).rounded()))%)\n"
            }
        }
        out += c.failed ? "FAILED\n" : "ok\n"
        return out
    }
}

/// `yardstick cache`: the response cache of `eval`.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Inspect or clear the response cache of yardstick eval.",
        subcommands: [Stats.self, Clear.self, Show.self])

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries, size and age of the cache, per model.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try TrackingIO.reportingErrors {
                let s = try store.open().cacheStatistics()
                if json {
                    TrackingIO.write(JSONValue.object([
                        ("entries", .int(s.entries)), ("bytes", .int(s.bytes)),
                        ("oldest", .string(s.oldest.map(StoreTime.format))), ("newest", .string(s.newest.map(StoreTime.format))),
                        ("models", .array(s.byModel.map { .object([("model", .string($0.model)), ("entries", .int($0.entries))]) })),
                    ]).serialized() + "\n")
                    return
                }
                var out = "\(s.entries) cached responses, \(s.bytes) bytes"
                if let oldest = s.oldest, let newest = s.newest { out += ", \(StoreTime.format(oldest)) … \(StoreTime.format(newest))" }
                out += "\n"
                if !s.byModel.isEmpty { out += TrackingOutput.table(["MODEL", "ENTRIES"], s.byModel.map { [$0.model, String($0.entries)] }) }
                TrackingIO.write(out)
            }
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete cached responses (all, or those older than an age).")
        @OptionGroup var store: StoreOptions
        @Option(help: ArgumentHelp("Only entries older than this: 30d, 12h, 45m or seconds.", valueName: "age")) var olderThan: String?

        func validate() throws {
            if let olderThan, Self.seconds(olderThan) == nil { throw ValidationError("--older-than takes an age such as 30d, 12h, 45m or 3600") }
        }

        static func seconds(_ text: String) -> Double? {
            let units: [Character: Double] = ["d": 86400, "h": 3600, "m": 60, "s": 1]
            if let unit = text.last, let factor = units[unit], let n = Double(text.dropLast()), n >= 0 { return n * factor }
            return Double(text).flatMap { $0 >= 0 ? $0 : nil }
        }

        func run() throws {
            try TrackingIO.reportingErrors {
                let date = olderThan.flatMap(Self.seconds).map { Date().addingTimeInterval(-$0) }
                let removed = try store.open().clearCache(olderThan: date)
                TrackingIO.write("removed \(removed) cached responses\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show cached entries by key prefix: the key's parts (provider, base URL, model, settings, request) and the answer.",
            discussion: "To see why an example missed the cache, compare these parts with those `yardstick eval … --cache-keys` prints.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "A key or a prefix of it (hex).") var key: String
        @Option(help: "At most this many entries.") var limit = 20

        func run() throws {
            try TrackingIO.reportingErrors {
                let found = try store.open().cachedResponses(keyPrefix: key.lowercased(), limit: limit)
                if found.isEmpty { throw TrackingFailure("no cached response has a key starting with \(key)") }
                var out = ""
                for (key, response) in found {
                    out += JSONValue.object([
                        ("key", .string(key)), ("created_at", .string(StoreTime.format(response.createdAt))),
                        ("parts", .raw(response.parts)), ("output", .string(response.output)),
                        ("prompt_tokens", .int(response.promptTokens.map(Int64.init))),
                        ("completion_tokens", .int(response.completionTokens.map(Int64.init))),
                    ]).serialized() + "\n"
                }
                TrackingIO.write(out)
            }
        }
    }
}
