import Foundation

/// Pure parsers for fine-tuning logs: bytes in, ``TrainingLog`` values out, or a ``LogError`` naming the file
/// and the 1-based line. Nothing here touches the store.
///
/// Formats: OpenAI job objects and list responses, OpenAI event lists, OpenAI result CSVs (current, legacy, or
/// still base64-encoded), Hugging Face `trainer_state.json`, LLaMA-Factory `trainer_log.jsonl`, and generic CSV /
/// JSON Lines with a step column. Curves use canonical keys (`train_loss`, `eval_loss`, `train_accuracy`,
/// `eval_accuracy`, `learning_rate`, …) whatever the provider called them.
public enum Importers {
    /// Detects the format from content (not the file name alone).
    ///
    /// Order: a JSON `fine_tuning.job` object or list of them → `openai-job`; a list of `fine_tuning.job.event` →
    /// `openai-events`; an object with `log_history` → `hf-trainer-state`; JSON Lines with `current_steps` →
    /// `llama-factory`; a CSV header with OpenAI result columns → `openai-results`; base64 text is decoded and
    /// detected again; CSV or JSON Lines with a step column → `csv`.
    /// - Throws: ``LogError`` for an empty file, malformed JSON (with its line), or an unrecognised format.
    public static func detectFormat(data: Data, path: String) throws -> ImportFormat {
        try withBytes(data) { try sniff($0, file: path).format }
    }

    /// Parses one file; `format` nil = auto-detect. A list response may yield several runs.
    ///
    /// Every run's `metrics` are sorted by key then step without duplicates (a repeated step keeps its last value).
    /// A base64-encoded result file is decoded first; line numbers in its errors refer to the decoded text.
    public static func parse(data: Data, path: String, format: ImportFormat? = nil) throws -> [TrainingLog] {
        try withBytes(data) { bytes in
            guard !isBlankContent(bytes) else { throw LogError(file: path, message: "empty file") }
            guard let format else {
                let sniffed = try sniff(bytes, file: path)
                if let decoded = sniffed.decoded {
                    return try withBytes(decoded) { try parse($0, file: path, format: sniffed.format, json: nil) }
                }
                return try parse(bytes, file: path, format: sniffed.format, json: sniffed.json)
            }
            if format == .openaiResults || format == .csv, let decoded = base64Payload(bytes, file: path) {
                return try withBytes(decoded) { try parse($0, file: path, format: format, json: nil) }
            }
            return try parse(bytes, file: path, format: format, json: nil)
        }
    }

    /// Bulk metric rows for `yardstick log metrics`: CSV with header `step,key,value[,epoch][,wall_time]` (long form)
    /// or JSON Lines objects {"step":…, "key":…, "value":…, "epoch"?:…, "wall_time"?:…} — also accept wide JSON
    /// objects {"step": 10, "train_loss": 0.5, …}. Errors name the line.
    ///
    /// Also accepts wide CSV (one column per metric). The step column may be `step`, `global_step`, `iteration` or
    /// `iter`; `timestamp` is accepted for `wall_time` (unix seconds). Empty, `NA`, `N/A` and `null` cells and JSON
    /// `null` are missing values (no point); NaN and infinity (`nan`, `-inf`, `Infinity`, the JSON `NaN` literal, …)
    /// are values, so a diverged loss stays on the curve. Metric names are kept as written (the generic importer,
    /// unlike this, maps common spellings such as `loss` and `val_loss` to the canonical keys). Points come back in
    /// file order, unsorted and not deduplicated.
    public static func parseMetricRows(data: Data, path: String) throws -> [MetricPoint] {
        try withBytes(data) { try MetricRows.parse($0, file: path, keyFor: { $0 }) }
    }

    /// ``parseMetricRows(data:path:)`` delivering the points in order, in batches of `batch.size` (CSV; JSON Lines
    /// in one batch), the last batch possibly shorter. A thrown error (the file's, with its line, or the sink's)
    /// stops the parse.
    public static func parseMetricRows(data: Data, path: String, batch: MetricBatchSink) throws {
        let rest = try withBytes(data) { try MetricRows.parse($0, file: path, keyFor: { $0 }, batch: batch) }
        if !rest.isEmpty { try batch.deliver(rest) }
    }

    // MARK: Detection

    private struct Sniffed {
        var format: ImportFormat
        /// The parsed document, kept so auto-detected JSON is not parsed twice.
        var json: LogJSON?
        /// The decoded content of a base64 file.
        var decoded: Data?
    }

    private static func unrecognised(_ file: String) -> LogError {
        LogError(
            file: file,
            message: "unrecognised format (expected an OpenAI fine-tuning job or event list, an OpenAI results CSV, "
                + "a Hugging Face trainer_state.json, a LLaMA-Factory trainer_log.jsonl, "
                + "or a CSV / JSON Lines file with a step column)")
    }

    private static func sniff(_ bytes: UnsafeBufferPointer<UInt8>, file: String, allowBase64: Bool = true) throws -> Sniffed {
        guard let first = firstSignificantByte(bytes) else { throw LogError(file: file, message: "empty file") }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            let document: LogJSON
            do {
                document = try JSONParser.parse(bytes)
            } catch {
                // Not one document; JSON Lines if the first line is an object on its own.
                if first == UInt8(ascii: "{"), let line = nonBlankLines(bytes, limit: 1).first,
                    let object = try? jsonLineObject(bytes, line, file: file)
                {
                    if let format = jsonLinesFormat(object) { return Sniffed(format: format) }
                    throw unrecognised(file)
                }
                throw importError(error, file: file, bytes: bytes)
            }
            if let format = try jsonDocumentFormat(document, file: file) { return Sniffed(format: format, json: document) }
            if let object = document.object, let format = jsonLinesFormat(object) { return Sniffed(format: format) }
            throw unrecognised(file)
        }

        let header = try csvHeader(bytes, file: file)
        if OpenAIImporter.isResultsHeader(header) { return Sniffed(format: .openaiResults) }
        if allowBase64, let decoded = decodeBase64Content(bytes),
            let inner = try? withBytes(decoded, { try sniff($0, file: file, allowBase64: false) }),
            inner.format == .openaiResults || inner.format == .csv
        {
            return Sniffed(format: inner.format, decoded: decoded)
        }
        if header.contains(where: CoordinateName.step.contains) { return Sniffed(format: .csv) }
        throw unrecognised(file)
    }

    private static func jsonDocumentFormat(_ value: LogJSON, file: String) throws -> ImportFormat? {
        guard let object = value.object else { return nil }
        switch object["object"]?.string {
        case OpenAIImporter.jobObject?: return .openaiJob
        case "list"?:
            guard let items = object["data"]?.array else { return nil }
            let kinds = Set(items.compactMap { $0.object?["object"]?.string })
            if kinds.contains(OpenAIImporter.jobObject) { return .openaiJob }
            if kinds.contains(OpenAIImporter.eventObject) { return .openaiEvents }
            if kinds.contains(OpenAIImporter.checkpointObject) { return .openaiCheckpoints }
            if items.isEmpty {
                throw LogError(
                    file: file,
                    message: "empty list response: cannot tell fine-tuning jobs from events; pass the format explicitly")
            }
            return nil
        default: break
        }
        if object.has("log_history") { return .hfTrainerState }
        return nil
    }

    private static func jsonLinesFormat(_ object: JSONObject) -> ImportFormat? {
        if object.has("current_steps") { return .llamaFactory }
        if object.entries.contains(where: { CoordinateName.step.contains(asciiLowercased($0.key)) }) { return .csv }
        return nil
    }

    /// The lowercased names of the first non-blank CSV row.
    private static func csvHeader(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> [String] {
        var scanner = CSVScanner(bytes: bytes, file: file)
        var fields: [CSVField] = []
        while try scanner.nextRow(into: &fields) != nil {
            if scanner.isBlank(fields) { continue }
            return fields.map { asciiLowercased(scanner.text($0).trimmingCharacters(in: .whitespaces)) }
        }
        return []
    }

    /// The decoded bytes when a file given as CSV is really base64 text that decodes to a CSV with a step column.
    private static func base64Payload(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> Data? {
        guard let header = try? csvHeader(bytes, file: file), header.count == 1,
            let decoded = decodeBase64Content(bytes),
            let inner = try? withBytes(decoded, { try sniff($0, file: file, allowBase64: false) }),
            inner.format == .openaiResults || inner.format == .csv
        else { return nil }
        return decoded
    }

    // MARK: Parsing

    private static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, file: String, format: ImportFormat, json: LogJSON?
    ) throws -> [TrainingLog] {
        switch format {
        case .openaiJob:
            return try OpenAIImporter.jobs(json ?? document(bytes, file: file), bytes: bytes, file: file)
        case .openaiEvents:
            return [try OpenAIImporter.events(json ?? document(bytes, file: file), bytes: bytes, file: file)]
        case .openaiCheckpoints:
            return [try OpenAIImporter.checkpoints(json ?? document(bytes, file: file), file: file)]
        case .hfTrainerState:
            return [try HuggingFaceImporter.parse(json ?? document(bytes, file: file), bytes: bytes, file: file)]
        case .llamaFactory:
            return [try LlamaFactoryImporter.parse(bytes, file: file)]
        case .openaiResults:
            return [try OpenAIImporter.results(bytes, file: file)]
        case .csv:
            return [TrainingLog(metrics: normalizedMetrics(try MetricRows.parse(bytes, file: file, keyFor: MetricKey.canonicalGeneric)))]
        }
    }

    private static func document(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> LogJSON {
        guard !isBlankContent(bytes) else { throw LogError(file: file, message: "empty file") }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw importError(error, file: file, bytes: bytes)
        }
    }
}
