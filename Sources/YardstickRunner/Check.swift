import Foundation
import YardstickMetrics

/// What `yardstick check` finds in a held-out set before anyone pays for a job or trusts a score.
public struct DatasetCheck: Sendable {
    /// Rows that could not be read, and examples with an empty request or reference.
    public var errors: [HeldOutError] = []
    /// Examples whose request and reference both repeat an earlier example (line numbers: the repeat, the first).
    public var duplicates: [(line: Int, first: Int)] = []
    /// Same request, different reference: the set contradicts itself.
    public var conflicts: [(line: Int, first: Int)] = []
    public var examples = 0
    public var inputWords: LengthStatistics?
    public var referenceWords: LengthStatistics?
    /// Reference → count, when the references look like class labels (few distinct values).
    public var labels: [(label: String, count: Int)] = []
    /// Held-out examples whose request also appears in the training file, after normalisation.
    public var exactLeaks: [Leak] = []
    /// Held-out examples whose request shares at least ``nearThreshold`` of its word n-grams with a training example.
    public var nearLeaks: [Leak] = []
    public var nearThreshold: Double = 0.8
    public var ngram = 5
    public var trainingExamples: Int?

    /// A held-out example found in the training file.
    public struct Leak: Sendable, Equatable {
        public var line: Int
        public var trainingLine: Int
        /// Share of the held-out example's n-grams found in the training example (1 for exact leaks).
        public var overlap: Double
    }

    /// True when the set has problems that make a score untrustworthy: unreadable or empty rows, or held-out
    /// examples that are in the training data.
    public var failed: Bool { !errors.isEmpty || !exactLeaks.isEmpty }
}

/// Word-count statistics.
public struct LengthStatistics: Sendable, Equatable {
    public var min: Int
    public var median: Int
    public var p95: Int
    public var max: Int
    public var mean: Double

    init?(_ values: [Int]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        min = sorted[0]
        max = sorted[sorted.count - 1]
        median = sorted[(sorted.count - 1) / 2]
        p95 = sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
        mean = Double(values.reduce(0, +)) / Double(values.count)
    }
}

extension DatasetCheck {
    /// Checks a scanned set, and with `training`, looks for its examples in the training set.
    /// - Parameters:
    ///   - nearThreshold: containment of word n-grams (held-out n-grams also in one training example) from which
    ///     an example counts as a near-duplicate.
    ///   - ngram: n of the word n-grams (shorter texts use all their words as one gram).
    public init(set: HeldOutSet, problems: [HeldOutError], training: HeldOutSet? = nil, nearThreshold: Double = 0.8, ngram: Int = 5) {
        self.nearThreshold = nearThreshold
        self.ngram = ngram
        errors = problems
        examples = set.examples.count
        var seenPairs: [String: Int] = [:]
        var seenInputs: [String: (line: Int, reference: String)] = [:]
        for e in set.examples {
            if e.inputText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                errors.append(HeldOutError(file: set.path, line: e.line, message: "empty request"))
            }
            if e.references.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
                errors.append(HeldOutError(file: set.path, line: e.line, message: "empty reference"))
            }
            let input = DatasetCheck.normalized(e.inputText)
            let reference = e.references.joined(separator: "\u{1F}")
            if let first = seenPairs[input + "\u{1E}" + reference] {
                duplicates.append((e.line, first))
            } else if let earlier = seenInputs[input], earlier.reference != reference {
                conflicts.append((e.line, earlier.line))
            }
            seenPairs[input + "\u{1E}" + reference] = seenPairs[input + "\u{1E}" + reference] ?? e.line
            if seenInputs[input] == nil { seenInputs[input] = (e.line, reference) }
        }
        inputWords = LengthStatistics(set.examples.map { DatasetCheck.words($0.inputText).count })
        referenceWords = LengthStatistics(set.examples.map { DatasetCheck.words($0.references.first ?? "").count })
        var counts: [String: Int] = [:]
        for e in set.examples { counts[e.references.first ?? "", default: 0] += 1 }
        // Class labels: a handful of distinct, short values, most of them repeated.
        if counts.count <= min(200, max(2, set.examples.count / 2)), counts.keys.allSatisfy({ DatasetCheck.words($0).count <= 4 }) {
            labels = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
        }
        if let training { findLeaks(set, training: training) }
    }

    mutating func findLeaks(_ set: HeldOutSet, training: HeldOutSet) {
        trainingExamples = training.examples.count
        var exact: [String: Int] = [:]
        var index: [String: [Int32]] = [:]
        var gramCounts: [Int] = []
        for (t, e) in training.examples.enumerated() {
            let text = DatasetCheck.normalized(e.inputText)
            if exact[text] == nil { exact[text] = e.line }
            let grams = DatasetCheck.grams(text, n: ngram)
            gramCounts.append(grams.count)
            for g in grams { index[g, default: []].append(Int32(t)) }
        }
        for e in set.examples {
            let text = DatasetCheck.normalized(e.inputText)
            if let line = exact[text] {
                exactLeaks.append(Leak(line: e.line, trainingLine: line, overlap: 1))
                continue
            }
            let grams = DatasetCheck.grams(text, n: ngram)
            guard !grams.isEmpty else { continue }
            var shared: [Int32: Int] = [:]
            for g in grams { for t in index[g] ?? [] { shared[t, default: 0] += 1 } }
            guard let best = shared.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }) else { continue }
            let overlap = Double(best.value) / Double(grams.count)
            if overlap >= nearThreshold {
                nearLeaks.append(Leak(line: e.line, trainingLine: training.examples[Int(best.key)].line, overlap: overlap))
            }
        }
    }

    /// Lowercased words without punctuation, one space apart: what "the same text" means for leakage.
    static func normalized(_ text: String) -> String {
        words(text.lowercased()).joined(separator: " ")
    }

    static func words(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// Distinct word n-grams (the whole text as one gram when shorter than n).
    static func grams(_ normalized: String, n: Int) -> Set<String> {
        let w = normalized.split(separator: " ")
        guard !w.isEmpty else { return [] }
        guard w.count >= n else { return [w.joined(separator: " ")] }
        var out = Set<String>()
        for i in 0...(w.count - n) { out.insert(w[i..<(i + n)].joined(separator: " ")) }
        return out
    }
}
