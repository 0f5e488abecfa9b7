import ArgumentParser
import Foundation
import YardstickMetrics

/// The metric options `score` and `eval` share: tokenizers, smoothing, orders, ROUGE and exact-match settings,
/// confidence intervals, resampling seed and threads.
struct MetricOptions: ParsableArguments {
    @Option(help: "BLEU tokenizer: 13a, intl, zh, char, none.")
    var tokenize: String = "13a"
    @Flag(help: "Lowercase before scoring (BLEU, chrF).")
    var lowercase = false
    @Option(help: "BLEU smoothing: exp, floor, add-k, none.")
    var smooth: String = "exp"
    @Option(help: "Value for floor (default 0.1) or add-k (default 1) smoothing.")
    var smoothValue: Double?
    @Flag(inversion: .prefixedNo, help: "BLEU effective order (default: off for corpus, on for --sentence).")
    var effectiveOrder: Bool?
    @Option(help: "chrF character n-gram order.")
    var charOrder = 6
    @Option(help: "chrF word n-gram order (2 = chrF++).")
    var wordOrder = 0
    @Option(help: "chrF beta.")
    var beta = 2
    @Flag(help: "chrF: keep whitespace in character n-grams.")
    var whitespace = false
    @Flag(help: "chrF: eps smoothing as in the original chrF++.py.")
    var epsSmoothing = false
    @Flag(help: "TER: normalize punctuation and tokenization.")
    var normalized = false
    @Flag(help: "TER: remove punctuation.")
    var noPunct = false
    @Flag(help: "TER: split Asian characters (with --normalized).")
    var asianSupport = false
    @Flag(help: "TER: case-sensitive.")
    var caseSensitive = false
    @Option(help: "ROUGE types, comma-separated: rouge1,rouge2,rougeL,rougeLsum.")
    var types: String = "rouge1,rouge2,rougeL,rougeLsum"
    @Flag(help: "ROUGE: Porter stemmer for tokens longer than 3 characters.")
    var stemmer = false
    @Option(help: "ROUGE tokenizer: rouge-score (compatible, ASCII only) or unicode.")
    var tokenizer: String = "rouge-score"
    @Option(help: ArgumentHelp(
        "exact-match normalisation, comma-separated: lowercase, whitespace, punctuation (ASCII string.punctuation), punctuation-unicode (also Unicode P*), articles; squad = the SQuAD v1.1 script's normalize_answer (lowercase, ASCII punctuation, articles, whitespace); squad-unicode = squad with punctuation-unicode.",
        valueName: "steps"))
    var normalize: String?
    @Option(help: "Bootstrap resamples for confidence intervals and --paired-bs.")
    var resamples = 1000
    @Flag(help: "Bootstrap confidence intervals (on by default).")
    var confidence = false
    @Flag(help: "Skip the confidence intervals.")
    var noConfidence = false
    @Option(help: "Confidence level of the intervals.")
    var confidenceLevel = 0.95
    @Option(help: "Random seed of resampling, or 'none' for OS entropy.")
    var seed: String = "12345"
    @Option(help: "Worker threads (default: $YARDSTICK_THREADS, else all cores).")
    var threads: Int?

    func validate() throws {
        if BLEU.Tokenizer(rawValue: tokenize) == nil { throw ValidationError("unknown --tokenize '\(tokenize)' (13a, intl, zh, char, none)") }
        if BLEU.Smoothing(name: smooth, value: smoothValue) == nil { throw ValidationError("unknown --smooth '\(smooth)' (exp, floor, add-k, none)") }
        if ROUGE.Tokenizer(rawValue: tokenizer) == nil { throw ValidationError("unknown --tokenizer '\(tokenizer)' (rouge-score, unicode)") }
        if charOrder < 0 || wordOrder < 0 || charOrder + wordOrder == 0 {
            throw ValidationError("--char-order and --word-order must be non-negative, and not both 0")
        }
        if beta < 0 { throw ValidationError("--beta must be non-negative") }
        if !(confidenceLevel > 0 && confidenceLevel < 1) { throw ValidationError("--confidence-level must be between 0 and 1") }
        if resamples < 1 { throw ValidationError("--resamples must be positive") }
        if seed != "none" && UInt64(seed) == nil { throw ValidationError("--seed takes a non-negative integer or 'none'") }
        _ = try rougeTypes()
        _ = try normalization()
    }

    func rougeTypes() throws -> [ROUGE.RougeType] {
        try types.split(separator: ",").map { name in
            guard let t = ROUGE.RougeType(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown ROUGE type '\(name)' (rouge1, rouge2, rougeL, rougeLsum)")
            }
            return t
        }
    }

    func normalization() throws -> ExactMatch.Normalization {
        guard let normalize else { return [] }
        var n: ExactMatch.Normalization = []
        for part in normalize.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch part {
            case "lowercase": n.insert(.lowercase)
            case "whitespace": n.insert(.whitespace)
            case "punctuation": n.insert(.punctuation)
            case "articles": n.insert(.articles)
            case "punctuation-unicode": n.insert(.unicodePunctuation)
            case "squad": n.formUnion(.squad)
            case "squad-unicode": n.formUnion(.squadUnicode)
            default:
                throw ValidationError(
                    "unknown --normalize '\(part)' (lowercase, whitespace, punctuation, punctuation-unicode, articles, squad, squad-unicode)")
            }
        }
        return n
    }

    func configuration() throws -> ScoreConfiguration {
        var c = ScoreConfiguration()
        c.tokenize = BLEU.Tokenizer(rawValue: tokenize)!
        c.lowercase = lowercase
        c.smoothing = BLEU.Smoothing(name: smooth, value: smoothValue)!
        c.effectiveOrder = effectiveOrder
        c.charOrder = charOrder
        c.wordOrder = wordOrder
        c.beta = beta
        c.whitespace = whitespace
        c.epsSmoothing = epsSmoothing
        c.normalized = normalized
        c.noPunct = noPunct
        c.asianSupport = asianSupport
        c.caseSensitive = caseSensitive
        c.rougeTypes = try rougeTypes()
        c.stemmer = stemmer
        c.rougeTokenizer = ROUGE.Tokenizer(rawValue: tokenizer)!
        c.normalization = try normalization()
        c.confidence = !noConfidence
        c.confidenceLevel = confidenceLevel
        c.resamples = resamples
        c.seed = seed == "none" ? nil : UInt64(seed)
        c.threads = threads
        return c
    }
}
