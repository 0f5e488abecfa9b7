import Foundation

/// The options that rebuild a metric from stored per-segment statistics.
///
/// A stored evaluation keeps, next to its per-segment statistics, exactly the options that shape those
/// statistics and the scorer (tokenizer, smoothing, n-gram orders, ROUGE types, class labels…), so two stored
/// evaluations can be compared later by the same code path as `yardstick score --paired-bs`, without the texts.
/// Numbers are written as text (`String(Double)` round-trips exactly), so no JSON reader can change a bit.
public struct StoredMetricOptions: Sendable, Equatable {
    /// The metric family (`bleu`, `chrf`, `ter`, `rouge`, `accuracy`, `exact-match`).
    public var metric: MetricName
    /// `key → value` text, in a fixed order.
    public var values: [(String, String)]

    public static func == (a: StoredMetricOptions, b: StoredMetricOptions) -> Bool {
        a.metric == b.metric && a.values.map(\.0) == b.values.map(\.0) && a.values.map(\.1) == b.values.map(\.1)
    }

    /// The options of `metric` under configuration `c`; `labels` are the class labels of an accuracy layout.
    public init(metric: MetricName, configuration c: ScoreConfiguration, labels: [String] = []) {
        self.metric = metric
        func flag(_ b: Bool) -> String { b ? "1" : "0" }
        switch metric {
        case .bleu:
            var smoothValue = ""
            switch c.smoothing {
            case let .floor(v), let .addK(v): smoothValue = String(v)
            case .exp, .none: break
            }
            values = [("tokenize", c.tokenize.rawValue), ("lowercase", flag(c.lowercase)),
                      ("smooth", c.smoothing.name), ("smooth_value", smoothValue),
                      ("effective_order", flag(c.effectiveOrder ?? c.sentence))]
        case .chrf:
            values = [("char_order", String(c.charOrder)), ("word_order", String(c.wordOrder)), ("beta", String(c.beta)),
                      ("lowercase", flag(c.lowercase)), ("whitespace", flag(c.whitespace)),
                      ("eps_smoothing", flag(c.epsSmoothing))]
        case .ter:
            values = [("normalized", flag(c.normalized)), ("no_punct", flag(c.noPunct)),
                      ("asian_support", flag(c.asianSupport)), ("case_sensitive", flag(c.caseSensitive))]
        case .rouge:
            values = [("types", c.rougeTypes.map(\.rawValue).joined(separator: ",")), ("stemmer", flag(c.stemmer)),
                      ("tokenizer", c.rougeTokenizer.rawValue)]
        case .accuracy:
            values = [("labels", JSONValue.array(labels.map { .string($0) }).serialized())]
        case .exactMatch:
            values = [("normalization", String(c.normalization.rawValue))]
        }
    }

    /// The stored text: a JSON object of strings.
    public var serialized: String {
        JSONValue.object([("metric", .string(metric.rawValue))] + values.map { ($0.0, .string($0.1)) }).serialized()
    }

    /// Reads ``serialized`` text back.
    public init(serialized text: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let name = object["metric"] as? String, let metric = MetricName(rawValue: name) else {
            throw StoredOptionsError(message: "unreadable stored metric options: \(text)")
        }
        let template = StoredMetricOptions(metric: metric, configuration: ScoreConfiguration())
        self.metric = metric
        values = try template.values.map { key, _ in
            guard let value = object[key] as? String else {
                throw StoredOptionsError(message: "stored \(name) options lack '\(key)'")
            }
            return (key, value)
        }
    }

    /// The class labels of an accuracy layout (empty for other metrics).
    public var labels: [String] {
        guard let text = value("labels"),
              let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else { return [] }
        return array
    }

    func value(_ key: String) -> String? { values.first { $0.0 == key }?.1 }

    /// A configuration that scores with these options (everything else at its default).
    public func configuration() throws -> ScoreConfiguration {
        var c = ScoreConfiguration()
        func text(_ key: String) throws -> String {
            guard let v = value(key) else { throw StoredOptionsError(message: "stored \(metric.rawValue) options lack '\(key)'") }
            return v
        }
        func flag(_ key: String) throws -> Bool { try text(key) == "1" }
        func int(_ key: String) throws -> Int {
            guard let v = Int(try text(key)) else { throw StoredOptionsError(message: "stored option \(key) is not an integer") }
            return v
        }
        switch metric {
        case .bleu:
            guard let tokenizer = BLEU.Tokenizer(rawValue: try text("tokenize")),
                  let smoothing = BLEU.Smoothing(name: try text("smooth"), value: Double(try text("smooth_value"))) else {
                throw StoredOptionsError(message: "stored BLEU options are not understood: \(serialized)")
            }
            c.tokenize = tokenizer
            c.lowercase = try flag("lowercase")
            c.smoothing = smoothing
            c.effectiveOrder = try flag("effective_order")
        case .chrf:
            c.charOrder = try int("char_order")
            c.wordOrder = try int("word_order")
            c.beta = try int("beta")
            c.lowercase = try flag("lowercase")
            c.whitespace = try flag("whitespace")
            c.epsSmoothing = try flag("eps_smoothing")
        case .ter:
            c.normalized = try flag("normalized")
            c.noPunct = try flag("no_punct")
            c.asianSupport = try flag("asian_support")
            c.caseSensitive = try flag("case_sensitive")
        case .rouge:
            c.rougeTypes = try text("types").split(separator: ",").map {
                guard let t = ROUGE.RougeType(rawValue: String($0)) else { throw StoredOptionsError(message: "unknown ROUGE type \($0)") }
                return t
            }
            c.stemmer = try flag("stemmer")
            guard let tokenizer = ROUGE.Tokenizer(rawValue: try text("tokenizer")) else {
                throw StoredOptionsError(message: "unknown ROUGE tokenizer in \(serialized)")
            }
            c.rougeTokenizer = tokenizer
        case .accuracy:
            c.classificationLabels = labels
        case .exactMatch:
            guard let raw = UInt8(try text("normalization")) else { throw StoredOptionsError(message: "bad normalization in \(serialized)") }
            c.normalization = ExactMatch.Normalization(rawValue: raw)
        }
        return c
    }
}

/// Stored options that this build cannot read back.
public struct StoredOptionsError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}

extension Classification {
    /// Statistics of this layout moved into the layout of `labels` (which must contain every label of this one),
    /// so evaluations stored with different label sets can be resampled together.
    public func remap(_ statistics: SegmentStatistics, to labels: [String]) -> SegmentStatistics? {
        let target = Classification(labels: labels)
        var columns: [Int] = []
        for label in self.labels {
            guard let k = target.labels.firstIndex(of: label) else { return nil }
            columns.append(k)
        }
        var values = [Double](repeating: 0, count: statistics.count * target.statisticsWidth)
        for row in 0..<statistics.count {
            let from = row * statistics.width, to = row * target.statisticsWidth
            values[to] = statistics.values[from]
            for (j, k) in columns.enumerated() {
                for c in 1...3 { values[to + 3 * k + c] = statistics.values[from + 3 * j + c] }
            }
        }
        return SegmentStatistics(width: target.statisticsWidth, values: values)
    }
}
