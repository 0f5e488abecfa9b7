import Foundation

/// Canonical metric keys shared by every importer; the advisor and reports look curves up by these names.
enum MetricKey {
    static let trainLoss = "train_loss"
    static let evalLoss = "eval_loss"
    static let trainAccuracy = "train_accuracy"
    static let evalAccuracy = "eval_accuracy"
    static let evalFullLoss = "eval_full_loss"
    static let evalFullAccuracy = "eval_full_accuracy"
    static let trainSequenceAccuracy = "train_sequence_accuracy"
    static let evalSequenceAccuracy = "eval_sequence_accuracy"
    static let elapsedTokens = "elapsed_tokens"
    static let elapsedExamples = "elapsed_examples"
    static let learningRate = "learning_rate"
    static let gradNorm = "grad_norm"

    /// OpenAI result-file columns and event `data` fields (current and legacy names) → canonical keys.
    static let openAI: [String: String] = [
        "train_loss": trainLoss,
        "train_accuracy": trainAccuracy,
        "train_mean_token_accuracy": trainAccuracy,
        "valid_loss": evalLoss,
        "valid_mean_token_accuracy": evalAccuracy,
        "full_valid_loss": evalFullLoss,
        "full_valid_mean_token_accuracy": evalFullAccuracy,
        "elapsed_tokens": elapsedTokens,
        "elapsed_examples": elapsedExamples,
        "training_loss": trainLoss,
        "training_sequence_accuracy": trainSequenceAccuracy,
        "training_token_accuracy": trainAccuracy,
        "validation_loss": evalLoss,
        "validation_sequence_accuracy": evalSequenceAccuracy,
        "validation_token_accuracy": evalAccuracy,
    ]

    /// Common spellings in hand-written logs and tracker exports (matched case-insensitively) → canonical keys, so
    /// generic files feed the same curves as provider logs. Names not listed are kept as written.
    static let aliases: [String: String] = [
        "loss": trainLoss, "train_loss": trainLoss, "training_loss": trainLoss, "train/loss": trainLoss,
        "val_loss": evalLoss, "valid_loss": evalLoss, "validation_loss": evalLoss, "eval_loss": evalLoss,
        "eval/loss": evalLoss,
        "lr": learningRate, "learning_rate": learningRate, "train/learning_rate": learningRate,
        "grad_norm": gradNorm, "train/grad_norm": gradNorm,
        "train_acc": trainAccuracy, "train_accuracy": trainAccuracy, "training_accuracy": trainAccuracy,
        "val_acc": evalAccuracy, "val_accuracy": evalAccuracy, "valid_accuracy": evalAccuracy,
        "validation_accuracy": evalAccuracy, "eval_accuracy": evalAccuracy, "eval/accuracy": evalAccuracy,
    ]

    /// The canonical key for a generic column or key name.
    static func canonicalGeneric(_ name: String) -> String {
        aliases[asciiLowercased(name)] ?? name
    }

    /// The canonical key for an OpenAI column or event field; unknown names are kept.
    static func canonicalOpenAI(_ name: String) -> String {
        openAI[name] ?? name
    }
}

/// Column and key names that place a row rather than measure something.
enum CoordinateName {
    /// Step column names, compared case-insensitively.
    static let step: Set<String> = ["step", "global_step", "iteration", "iter"]
    static let epoch: Set<String> = ["epoch"]
    /// Unix seconds.
    static let wallTime: Set<String> = ["wall_time", "timestamp"]
}

/// ASCII-only lowercasing: column names are matched against ASCII tables, and Unicode case mapping would make the
/// match depend on the platform's Unicode version.
func asciiLowercased(_ s: String) -> String {
    var bytes = Array(s.utf8)
    var changed = false
    for i in bytes.indices where bytes[i] >= 65 && bytes[i] <= 90 {
        bytes[i] |= 0x20
        changed = true
    }
    return changed ? String(decoding: bytes, as: UTF8.self) : s
}

/// Sorts points by key then step and drops duplicates, keeping the last occurrence in input order — the later line
/// of a log is the one written after a resume or a re-log of the same step.
func normalizedMetrics(_ points: [MetricPoint]) -> [MetricPoint] {
    guard !points.isEmpty else { return points }
    // Bucket by key (logs interleave a handful of keys), then sort a bucket only if its steps are out of order:
    // most logs are already ascending per key, which keeps a million-point import linear.
    var ids: [String: Int] = [:]
    var buckets: [[Int]] = []
    var lastKey = points[0].key
    var lastID = -1
    for i in points.indices {
        let key = points[i].key
        if key != lastKey || lastID < 0 {
            lastKey = key
            if let id = ids[key] {
                lastID = id
            } else {
                lastID = buckets.count
                ids[key] = lastID
                buckets.append([])
            }
        }
        buckets[lastID].append(i)
    }
    var result: [MetricPoint] = []
    result.reserveCapacity(points.count)
    for id in ids.sorted(by: { $0.key < $1.key }).map(\.value) {
        var bucket = buckets[id]
        var ordered = true
        for k in bucket.indices.dropFirst() where points[bucket[k - 1]].step > points[bucket[k]].step {
            ordered = false
            break
        }
        if !ordered {
            bucket.sort { a, b in
                let sa = points[a].step, sb = points[b].step
                return sa != sb ? sa < sb : a < b
            }
        }
        let start = result.count
        for i in bucket {
            if result.count > start, result[result.count - 1].step == points[i].step {
                result[result.count - 1] = points[i]
            } else {
                result.append(points[i])
            }
        }
    }
    return result
}

/// Maps byte offsets to 1-based line numbers.
struct LineIndex {
    private var lineStarts: [Int] = [0]

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        for i in bytes.indices where bytes[i] == 0x0A { lineStarts.append(i + 1) }
    }

    /// The 1-based line and column (in bytes) of an offset.
    func position(of offset: Int) -> (line: Int, column: Int) {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - lineStarts[lo] + 1)
    }
}

/// Reads `data` as bytes; the closure must not escape the buffer.
func withBytes<R>(_ data: Data, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try data.withUnsafeBytes { raw in try body(raw.bindMemory(to: UInt8.self)) }
}

/// Converts a JSON syntax error into an `LogError` naming the line and column.
func importError(_ e: JSONSyntaxError, file: String, bytes: UnsafeBufferPointer<UInt8>) -> LogError {
    let p = LineIndex(bytes).position(of: e.offset)
    return LogError(file: file, line: p.line, message: "malformed JSON at column \(p.column): \(e.message)")
}

/// The 1-based line of a JSON object's opening brace.
func line(of object: JSONObject, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    LineIndex(bytes).position(of: object.offset).line
}

/// Whether the buffer holds nothing but whitespace (or a byte-order mark).
func isBlankContent(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    while i < bytes.count {
        switch bytes[i] {
        case 0x20, 0x09, 0x0A, 0x0D: i += 1
        default: return false
        }
    }
    return true
}

/// The first byte that is not whitespace or a byte-order mark.
func firstSignificantByte(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt8? {
    var i = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    while i < bytes.count {
        switch bytes[i] {
        case 0x20, 0x09, 0x0A, 0x0D: i += 1
        default: return bytes[i]
        }
    }
    return nil
}

/// One non-blank line of a text file, as a byte range with its 1-based line number.
struct TextLine {
    var start: Int
    var end: Int
    var number: Int
    /// Offset of the line's first byte (before any leading blanks), for column numbers.
    var lineStart: Int
}

/// The non-blank lines of a JSON Lines file (a trailing `\r` is dropped).
func nonBlankLines(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = .max) -> [TextLine] {
    var lines: [TextLine] = []
    var start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    var number = 1
    while start <= bytes.count, lines.count < limit {
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        let next = end + 1
        var e = end
        while e > start, bytes[e - 1] == 0x0D || NumberParsing.isBlank(bytes[e - 1]) { e -= 1 }
        var s = start
        while s < e, NumberParsing.isBlank(bytes[s]) { s += 1 }
        if s < e { lines.append(TextLine(start: s, end: e, number: number, lineStart: start)) }
        number += 1
        start = next
        if end >= bytes.count { break }
    }
    return lines
}

/// The suggested run name of a trainer log. A file renamed by its owner (`ner-lr5e-5.trainer_state.json`) is
/// named after that stem; a file with the trainer's own name (`trainer_state.json`, `trainer_log.jsonl`) after the
/// folder it sits in. Hugging Face writes intermediate copies into `checkpoint-N/` folders, so those are skipped in
/// favour of the output folder above them.
func runFolderName(forPath path: String, standardFileName: String) -> String? {
    var parts = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init)
    if let file = parts.last, file != standardFileName {
        var stem = Substring(file)
        if stem.hasSuffix(standardFileName) { stem = stem.dropLast(standardFileName.count) }
        else if let dot = stem.lastIndex(of: ".") { stem = stem[..<dot] }
        while let last = stem.last, "._- ".contains(last) { stem = stem.dropLast() }
        if !stem.isEmpty { return String(stem) }
    }
    guard parts.count >= 2 else { return nil }
    parts.removeLast()
    while let last = parts.last {
        if last == "." || isCheckpointFolder(last) { parts.removeLast(); continue }
        return last == ".." ? nil : last
    }
    return nil
}

private func isCheckpointFolder(_ name: String) -> Bool {
    guard name.hasPrefix("checkpoint-") else { return false }
    let digits = name.dropFirst("checkpoint-".count)
    return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
}

/// Decodes a file that is nothing but base64 text (how the OpenAI files API returns result files when the body is
/// saved unprocessed). Returns nil when the content is not base64 or does not decode to UTF-8 text.
func decodeBase64Content(_ bytes: UnsafeBufferPointer<UInt8>) -> Data? {
    var compact: [UInt8] = []
    compact.reserveCapacity(bytes.count)
    for b in bytes {
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D: continue
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            compact.append(b)
        default: return nil
        }
    }
    guard compact.count >= 8, compact.count % 4 == 0, let decoded = Data(base64Encoded: Data(compact)) else { return nil }
    guard String(data: decoded, encoding: .utf8) != nil else { return nil }
    return decoded
}

extension TrainingLog {
    /// Appends a parameter unless one with that key is already present (the first source wins).
    mutating func addParam(_ key: String, _ value: ParamValue?) {
        guard let value, param(key) == nil else { return }
        params.append((key, value))
    }
}
