import Foundation

/// The metrics `yardstick score` offers.
public enum MetricName: String, CaseIterable, Sendable {
    case bleu, chrf, ter, rouge, accuracy
    case exactMatch = "exact-match"
}

/// How a group of systems is compared with the baseline (the first system).
public enum PairedTestKind: String, Sendable, CaseIterable {
    /// sacrebleu `--paired-bs`.
    case bootstrap = "paired-bs"
    /// sacrebleu `--paired-ar`.
    case approximateRandomization = "paired-ar"
}

/// Every option of `yardstick score`, with the reference libraries' defaults.
public struct ScoreConfiguration: Sendable {
    public var tokenize: BLEU.Tokenizer = .thirteenA
    public var lowercase = false
    public var smoothing: BLEU.Smoothing = .exp
    /// nil = the level's default (off for corpus scores, on for sentence scores, as sacrebleu).
    public var effectiveOrder: Bool?
    public var charOrder = 6
    public var wordOrder = 0
    public var beta = 2
    public var whitespace = false
    public var epsSmoothing = false
    public var normalized = false
    public var noPunct = false
    public var asianSupport = false
    public var caseSensitive = false
    public var rougeTypes: [ROUGE.RougeType] = ROUGE.RougeType.allCases
    public var stemmer = false
    public var rougeTokenizer: ROUGE.Tokenizer = .rougeScore
    public var normalization: ExactMatch.Normalization = []
    /// Bootstrap confidence intervals (on by default).
    public var confidence = true
    public var confidenceLevel = 0.95
    public var resamples = 1000
    public var pairedTest: PairedTestKind?
    public var randomizationTrials = 10000
    /// nil = OS entropy.
    public var seed: UInt64? = 12345
    /// Per-segment scores instead of corpus scores.
    public var sentence = false
    public var threads: Int?
    /// Also compute every segment's sentence-level headline scores (for storing per-example results).
    public var collectSegmentScores = false
    /// Class labels of the accuracy statistics layout; nil = the labels found in the inputs.
    public var classificationLabels: [String]?
    /// Per-system statistics already computed (e.g. read back from the store): scoring skips the texts.
    var precomputedStatistics: [SegmentStatistics]?

    public init() {}

    var scoringOptions: ScoringOptions { ScoringOptions(threads: threads) }
}

/// One system's hypotheses.
public struct SystemInput: Sendable {
    public var name: String
    public var hypotheses: [String]
    public init(name: String, hypotheses: [String]) {
        self.name = name
        self.hypotheses = hypotheses
    }
}

/// What `yardstick score` prints: a JSON document, the human-readable lines, per-segment rows and warnings.
public struct ScoreOutcome: Sendable {
    public var json: JSONValue
    public var text: [String]
    /// One JSON object per segment (and system) in `--sentence` mode.
    public var sentences: [JSONValue]
    public var warnings: [String]
    /// The corpus results per system, in the order given (empty in `--sentence` mode).
    public var systems: [SystemScore] = []
}

/// One headline number of a corpus score (e.g. BLEU, or ROUGE-L F-measure) with its interval.
public struct HeadlineScore: Sendable, Equatable {
    /// `bleu`, `chrf`, `ter`, `rouge1`…`rougeLsum`, `accuracy`, `macro_f1`, `exact_match`, `f1`.
    public var metric: String
    public var value: Double
    public var low: Double?
    public var high: Double?
}

/// The corpus result of one system, in the form the experiment store keeps.
public struct SystemScore: Sendable {
    public var system: String
    public var signature: String
    public var headlines: [HeadlineScore]
    /// Summed sufficient statistics, so the score can be recomputed and compared later.
    public var totals: [Double]
    public var segmentCount: Int
    /// The metric's JSON fields (counts, precisions, per-class scores…).
    public var details: JSONValue
    /// Sentence-level headline scores per segment, keyed like ``HeadlineScore/metric``
    /// (only with ``ScoreConfiguration/collectSegmentScores``).
    public var segmentScores: [String: [Double]]
    /// Every segment's sufficient statistics, so the score can be compared later without the texts.
    public var statistics: SegmentStatistics
    /// The options that rebuild the metric for those statistics.
    public var options: StoredMetricOptions
    /// The paired test against the baseline, per headline (named like ``HeadlineScore/metric``); empty for the
    /// baseline itself or without a test.
    public var paired: [(metric: String, result: PairedTestResult)]
    /// The confidence level of `low`/`high` of the headlines, when intervals were computed.
    public var confidenceLevel: Double?
}

/// How one system's own score comes from rows in the layout all systems share: accuracy reports each
/// system over its own labels while the rows use the union of every system's labels.
struct SystemView<M: SegmentMetric> {
    /// Scores this system's rows after ``project``.
    var metric: M
    /// Shared-layout totals (or a row) → ``metric``'s layout.
    var project: @Sendable ([Double]) -> [Double]
    /// Headline numbers on ``metric``'s layout.
    var headlines: [(String, Significance.Scorer)]
    /// `project` is the identity and `metric` the shared one (its own resample arithmetic applies).
    var isIdentity = false

    func score(_ shared: [Double]) -> M.Score { metric.score(totals: project(shared)) }

    /// ``headlines`` applied to shared-layout totals.
    var sharedLayoutHeadlines: [(String, Significance.Scorer)] {
        if isIdentity { return headlines }
        return headlines.map { key, headline in (key, { [project] in headline(project($0)) }) }
    }
}

/// Scores one or more systems against shared references and adds confidence intervals and paired tests.
public enum CorpusScorer {
    /// Scores systems from statistics computed earlier (the first is the baseline), through the same code path
    /// as texts: the corpus scores, intervals and paired tests equal those of scoring the texts again.
    /// - Parameter options: the stored options of the metric (``SystemScore/options``).
    public static func score(
        statistics: [(name: String, statistics: SegmentStatistics)], referenceCount: Int,
        options: StoredMetricOptions, configuration: ScoreConfiguration
    ) throws -> ScoreOutcome {
        precondition(!statistics.isEmpty)
        var c = try options.configuration()
        c.confidence = configuration.confidence
        c.confidenceLevel = configuration.confidenceLevel
        c.resamples = configuration.resamples
        c.pairedTest = configuration.pairedTest
        c.randomizationTrials = configuration.randomizationTrials
        c.seed = configuration.seed
        c.threads = configuration.threads
        c.precomputedStatistics = statistics.map(\.statistics)
        let count = statistics[0].statistics.count
        let references = [[String]](repeating: [String](repeating: "", count: referenceCount), count: count)
        let systems = statistics.map { SystemInput(name: $0.name, hypotheses: []) }
        return try score(metric: options.metric, systems: systems, references: references, configuration: c)
    }

    /// Scores `systems` (the first is the baseline) against `references[i]` for segment `i`.
    public static func score(metric: MetricName, systems: [SystemInput], references: [[String]],
                             configuration c: ScoreConfiguration) throws -> ScoreOutcome {
        precondition(!systems.isEmpty)
        let nrefs = references.first?.count ?? 0
        for (i, r) in references.enumerated() where r.count != nrefs {
            throw MetricInputError.referenceCountMismatch(segment: i, expected: nrefs, found: r.count)
        }
        switch metric {
        case .bleu:
            let bleu = BLEU(tokenizer: c.tokenize, lowercase: c.lowercase, smoothing: c.smoothing,
                            effectiveOrder: c.effectiveOrder ?? c.sentence)
            return run(bleu, name: "BLEU", options: StoredMetricOptions(metric: .bleu, configuration: c), systems: systems, references: references, c: c,
                       fields: { s in
                           [("name", .string("BLEU")), ("score", .double(s.score)),
                            ("counts", .array(s.counts.map { .int($0) })), ("totals", .array(s.totals.map { .int($0) })),
                            ("precisions", .array(s.precisions.map { .double($0) })), ("bp", .double(s.bp)),
                            ("sys_len", .int(s.sysLen)), ("ref_len", .int(s.refLen)), ("ratio", .double(s.ratio))]
                       }, human: { $0.formatted() },
                       headlines: [("score", { bleu.score(totals: $0).score })],
                       storedName: "bleu",
                       // Per-example scores are sentence BLEU, which needs the effective order (as sacrebleu's sentence_bleu).
                       sentenceHeadlines: [("score", { [sentence = BLEU(tokenizer: c.tokenize, lowercase: c.lowercase, smoothing: c.smoothing, effectiveOrder: true)] in sentence.score(totals: $0).score })])
        case .chrf:
            let chrf = CHRF(charOrder: c.charOrder, wordOrder: c.wordOrder, beta: c.beta, lowercase: c.lowercase,
                            whitespace: c.whitespace, epsSmoothing: c.epsSmoothing)
            return run(chrf, name: "chrF", options: StoredMetricOptions(metric: .chrf, configuration: c), systems: systems, references: references, c: c,
                       fields: { s in
                           [("name", .string(s.name)), ("score", .double(s.score)), ("stats", .array(s.stats.map { .int($0) }))]
                       }, human: { $0.formatted() },
                       headlines: [("score", { chrf.score(totals: $0).score })], storedName: c.wordOrder > 0 ? "chrf++" : "chrf")
        case .ter:
            let ter = TER(normalized: c.normalized, noPunct: c.noPunct, asianSupport: c.asianSupport,
                          caseSensitive: c.caseSensitive)
            return run(ter, name: "TER", options: StoredMetricOptions(metric: .ter, configuration: c), systems: systems, references: references, c: c,
                       fields: { s in
                           [("name", .string("TER")), ("score", .double(s.score)), ("num_edits", .double(s.numEdits)),
                            ("ref_length", .double(s.refLength))]
                       }, human: { $0.formatted() },
                       headlines: [("score", { ter.score(totals: $0).score })], storedName: "ter")
        case .rouge:
            let rouge = ROUGE(types: c.rougeTypes, useStemmer: c.stemmer, tokenizer: c.rougeTokenizer)
            var outcome = run(rouge, name: "ROUGE", options: StoredMetricOptions(metric: .rouge, configuration: c), systems: systems, references: references, c: c,
                              fields: { s in [("scores", rougeScores(s.means, types: s.types))] },
                              human: { s in
                                  s.types.map { t in
                                      let m = s.means[t]!
                                      return "\(t.rawValue): P = \(fmt(m.precision * 100)) R = \(fmt(m.recall * 100)) F = \(fmt(m.fmeasure * 100))"
                                  }.joined(separator: "\n")
                              },
                              headlines: c.rougeTypes.map { t in (t.rawValue, { rouge.score(totals: $0).means[t]!.fmeasure }) })
            if c.rougeTokenizer == .rougeScore {
                let texts = systems.flatMap(\.hypotheses) + references.flatMap { $0 }
                let lossy = texts.filter { ROUGE.droppedCharacterShare($0) > 0.3 }.count
                if lossy > 0 {
                    outcome.warnings.append(
                        "the rouge-score tokenizer drops non-ASCII letters: \(lossy) of \(texts.count) texts lose more than 30% of their characters; consider --tokenizer unicode")
                }
            }
            return outcome
        case .accuracy:
            let truth = references.map { $0[0] }
            // One column layout over every system's labels, so that paired resampling compares the same
            // rows; the paired macro-F1 test therefore averages over that common label set. Statistics read
            // back from the store bring their layout with them.
            let common = c.classificationLabels.map { Classification(labels: $0) }
                ?? Classification(labels: truth + systems.flatMap(\.hypotheses))
            // Each system is reported over its own labels (truth ∪ its predictions), as scikit-learn's
            // classification_report(y_true, y_pred) for that system alone; its bootstrap interval of
            // macro-F1 keeps that label set fixed in every resample, so it is the interval of that number.
            let own = systems.map { Classification(labels: truth + $0.hypotheses) }
            return run(common, name: "accuracy",
                       options: StoredMetricOptions(metric: .accuracy, configuration: c, labels: common.labels),
                       systems: systems, references: references.map { [$0[0]] }, c: c,
                       fields: { r in classificationFields(r) },
                       human: { r in
                           "accuracy = \(fmt(r.accuracy * 100)) (\(r.correct)/\(r.total))  macro F1 = \(fmt(r.macro.f1 * 100))  weighted F1 = \(fmt(r.weighted.f1 * 100))"
                       },
                       headlines: [("accuracy", { common.score(totals: $0).accuracy }),
                                   ("macro_f1", { common.macroF1(totals: $0) })],
                       systemView: { s in
                           let metric = own[s]
                           return SystemView(metric: metric, project: { common.totals($0, in: metric) },
                                             headlines: [("accuracy", { metric.score(totals: $0).accuracy }),
                                                         ("macro_f1", { metric.macroF1(totals: $0) })])
                       },
                       finish: { system, fields in
                           guard c.precomputedStatistics == nil else { return fields }
                           // The confusion matrix is not a sum of per-segment statistics; it comes from the full report.
                           let full = ClassificationReport.evaluate(truth: truth, predicted: system.hypotheses)
                           return fields + [("confusion", .object([
                               ("labels", .array(full.labels.map { .string($0) })),
                               ("matrix", .array(full.confusion.map { .array($0.map { .int($0) }) })),
                           ]))]
                       })
        case .exactMatch:
            let em = ExactMatch(normalization: c.normalization)
            return run(em, name: "exact-match", options: StoredMetricOptions(metric: .exactMatch, configuration: c),
                       systems: systems, references: references, c: c,
                       fields: { s in
                           [("exact_match", .double(s.exactMatch)), ("f1", .double(s.f1)), ("n", .int(s.count)),
                            ("normalization", .string(em.normalizationName))]
                       },
                       human: { s in "exact match = \(fmt(s.exactMatch * 100))  token F1 = \(fmt(s.f1 * 100))  (n = \(s.count))" },
                       headlines: [("exact_match", { em.score(totals: $0).exactMatch }), ("f1", { em.score(totals: $0).f1 })])
        }
    }

    private static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }

    static func rougeScores(_ means: [ROUGE.RougeType: PRF], types: [ROUGE.RougeType]) -> JSONValue {
        .object(types.map { t in
            let m = means[t]!
            return (t.rawValue, .object([("precision", .double(m.precision)), ("recall", .double(m.recall)),
                                         ("fmeasure", .double(m.fmeasure))]))
        })
    }

    static func classificationFields(_ r: ClassificationReport) -> [(String, JSONValue)] {
        func avg(_ a: ClassificationReport.Average) -> JSONValue {
            .object([("precision", .double(a.precision)), ("recall", .double(a.recall)), ("f1", .double(a.f1))])
        }
        return [
            ("accuracy", .double(r.accuracy)), ("correct", .int(r.correct)), ("total", .int(r.total)),
            ("averages", .object([("macro", avg(r.macro)), ("micro", avg(r.micro)), ("weighted", avg(r.weighted))])),
            ("per_class", .array(r.perClass.map { m in
                .object([("label", .string(m.label)), ("precision", .double(m.precision)), ("recall", .double(m.recall)),
                         ("f1", .double(m.f1)), ("support", .int(m.support))])
            })),
        ]
    }

    private static func intervalJSON(_ ci: ConfidenceInterval, seed: UInt64?) -> JSONValue {
        .object([("level", .double(ci.confidence)), ("resamples", .int(ci.resamples)),
                 ("seed", seed.map { .int(Int($0)) } ?? .null), ("mean", .double(ci.mean)),
                 ("half_width", .double(ci.halfWidth)), ("low", .double(ci.lower)), ("high", .double(ci.upper))])
    }

    /// The shared path of every metric: statistics per system, corpus (or sentence) scores, intervals, paired tests.
    private static func run<M: SegmentMetric>(
        _ metric: M, name: String, options: StoredMetricOptions, systems: [SystemInput], references: [[String]], c: ScoreConfiguration,
        fields: (M.Score) -> [(String, JSONValue)], human: (M.Score) -> String,
        headlines: [(String, Significance.Scorer)],
        storedName: String? = nil,
        sentenceHeadlines: [(String, Significance.Scorer)]? = nil,
        systemView: ((Int) -> SystemView<M>)? = nil,
        finish: (SystemInput, [(String, JSONValue)]) -> [(String, JSONValue)] = { $1 }
    ) -> ScoreOutcome {
        let nrefs = references.first?.count ?? 0
        let signature = metric.signature(referenceCount: nrefs)
        let stats = c.precomputedStatistics
            ?? systems.map { metric.statistics(hypotheses: $0.hypotheses, references: references, options: c.scoringOptions) }
        // Statistics read back from the store have no texts to take a system's own view from: they are scored in
        // their stored layout.
        let views = systems.indices.map { s in
            (c.precomputedStatistics == nil ? systemView?(s) : nil)
                ?? SystemView(metric: metric, project: { $0 }, headlines: headlines, isIdentity: true)
        }
        let signatures = views.map { $0.metric.signature(referenceCount: nrefs) }

        if c.sentence {
            var rows: [JSONValue] = []
            for i in 0..<references.count {
                for (s, system) in systems.enumerated() {
                    var row: [(String, JSONValue)] = []
                    if systems.count > 1 { row.append(("system", .string(system.name))) }
                    row.append(("index", .int(i)))
                    row += fields(views[s].score(stats[s].row(i)))
                    row.append(("signature", .string(signatures[s])))
                    rows.append(.object(row))
                }
            }
            return ScoreOutcome(json: .array(rows), text: rows.map(\.compact), sentences: rows, warnings: [])
        }

        var systemObjects: [JSONValue] = []
        var systemScores: [SystemScore] = []
        var text: [String] = []
        let baselineStats = stats[0]
        for (s, system) in systems.enumerated() {
            let view = views[s]
            let totals = stats[s].totals()
            let result = view.score(totals)
            var object = fields(result)
            object.append(("signature", .string(signatures[s])))
            if c.confidence && stats[s].count > 0 {
                var intervals: [(String, JSONValue)] = []
                for (key, headline) in view.sharedLayoutHeadlines {
                    // A single headline is the metric's own, scored with its sacrebleu resample arithmetic.
                    let ci = view.headlines.count == 1 && view.isIdentity
                        ? Significance.bootstrapInterval(metric: metric, statistics: stats[s], resamples: c.resamples,
                                                         confidence: c.confidenceLevel, seed: c.seed, options: c.scoringOptions)
                        : Significance.bootstrapInterval(stats[s], resamples: c.resamples, confidence: c.confidenceLevel,
                                                         seed: c.seed, options: c.scoringOptions, score: headline)
                    intervals.append((key, intervalJSON(ci, seed: c.seed)))
                }
                object.append(("confidence", headlines.count == 1 ? intervals[0].1 : .object(intervals)))
            }
            var pairedResults: [(String, PairedTestResult)] = []
            if s > 0, let test = c.pairedTest ?? (systems.count > 1 ? .bootstrap : nil) {
                var tests: [(String, JSONValue)] = []
                for (key, headline) in headlines {
                    let r: PairedTestResult
                    switch (test, headlines.count == 1) {
                    case (.bootstrap, true):
                        r = Significance.pairedBootstrap(metric: metric, baseline: baselineStats, system: stats[s],
                                                         resamples: c.resamples, confidence: c.confidenceLevel, seed: c.seed,
                                                         options: c.scoringOptions).system
                    case (.bootstrap, false):
                        r = Significance.pairedBootstrap(baseline: baselineStats, system: stats[s], resamples: c.resamples,
                                                         confidence: c.confidenceLevel, seed: c.seed,
                                                         options: c.scoringOptions, score: headline).system
                    case (.approximateRandomization, true):
                        r = Significance.approximateRandomization(metric: metric, baseline: baselineStats, system: stats[s],
                                                                  trials: c.randomizationTrials, seed: c.seed,
                                                                  options: c.scoringOptions)
                    case (.approximateRandomization, false):
                        r = Significance.approximateRandomization(baseline: baselineStats, system: stats[s],
                                                                  trials: c.randomizationTrials, seed: c.seed,
                                                                  options: c.scoringOptions, score: headline)
                    }
                    var members: [(String, JSONValue)] = [("test", .string(test.rawValue)), ("p_value", .double(r.pValue)),
                                                          ("significant", .bool(r.isSignificant))]
                    if let d = r.difference {
                        members += [("difference", .double(d.score)), ("difference_low", .double(d.lower)),
                                    ("difference_high", .double(d.upper))]
                    }
                    tests.append((key, .object(members)))
                    pairedResults.append((key, r))
                }
                object.append(("paired", headlines.count == 1 ? tests[0].1 : .object(tests)))
            }
            object = finish(system, object)
            let jsonObject = JSONValue.object(object)
            systemObjects.append(jsonObject)
            systemScores.append(systemScore(system: system, signature: signatures[s], options: options, stats: stats[s],
                                            totals: totals, paired: pairedResults, confidenceLevel: c.confidenceLevel,
                                            headlines: view.sharedLayoutHeadlines, storedTotals: view.project(totals),
                                            storedName: storedName,
                                            sentenceHeadlines: sentenceHeadlines ?? view.sharedLayoutHeadlines,
                                            json: jsonObject, collectSegments: c.collectSegmentScores))

            var line = human(result)
            if systems.count > 1 { line = "\(system.name): " + line.replacingOccurrences(of: "\n", with: "\n  ") }
            text.append(line)
            if case let .object(ci)? = jsonObject["confidence"] {
                let pairs: [(String, JSONValue)] = headlines.count == 1 ? [(headlines[0].0, .object(ci))] : ci
                for (key, value) in pairs {
                    if case let .double(lo)? = value["low"], case let .double(hi)? = value["high"],
                       case let .double(mean)? = value["mean"], case let .double(hw)? = value["half_width"] {
                        let scale = name == "BLEU" || name == "chrF" || name == "TER" ? 1.0 : 100.0
                        text.append("  \(Int((c.confidenceLevel * 100).rounded()))% CI \(key): [\(fmt(lo * scale)), \(fmt(hi * scale))] (μ = \(fmt(mean * scale)) ± \(fmt(hw * scale)), \(c.resamples) resamples)")
                    }
                }
            }
            if case let .object(paired)? = jsonObject["paired"] {
                let pairs: [(String, JSONValue)] = headlines.count == 1 ? [(headlines[0].0, .object(paired))] : paired
                for (key, value) in pairs {
                    if case let .double(p)? = value["p_value"], case let .bool(sig)? = value["significant"] {
                        text.append("  vs \(systems[0].name) (\(key)): p = \(String(format: "%.4f", p))\(sig ? " *significant*" : "")")
                    }
                }
            }
        }
        if Set(signatures).count <= 1 {
            text.append("signature: \(signatures.first ?? signature)")
        } else {
            for (system, systemSignature) in zip(systems, signatures) { text.append("signature (\(system.name)): \(systemSignature)") }
        }
        let json: JSONValue
        if systems.count == 1 {
            json = systemObjects[0]
        } else {
            json = .object([
                ("metric", .string(name)), ("baseline", .string(systems[0].name)),
                ("systems", .array(zip(systems, systemObjects).map { system, object in
                    if case let .object(members) = object { return .object([("system", .string(system.name))] + members) }
                    return object
                })),
            ])
        }
        return ScoreOutcome(json: json, text: text, sentences: [], warnings: [], systems: systemScores)
    }

    private static func systemScore(
        system: SystemInput, signature: String, options: StoredMetricOptions, stats: SegmentStatistics, totals: [Double],
        paired: [(String, PairedTestResult)], confidenceLevel: Double,
        headlines: [(String, Significance.Scorer)], storedTotals: [Double],
        storedName: String?, sentenceHeadlines: [(String, Significance.Scorer)], json: JSONValue, collectSegments: Bool
    ) -> SystemScore {
        let names = headlines.map { key, _ in key == "score" ? (storedName ?? key) : key }
        var scores: [HeadlineScore] = []
        for ((_, headline), name) in zip(headlines, names) {
            var interval: JSONValue?
            if let confidence = json["confidence"] {
                interval = headlines.count == 1 ? confidence : confidence[headlines[scores.count].0]
            }
            var low: Double?, high: Double?
            if case let .double(l)? = interval?["low"] { low = l }
            if case let .double(h)? = interval?["high"] { high = h }
            scores.append(HeadlineScore(metric: name, value: headline(totals), low: low, high: high))
        }
        var segments: [String: [Double]] = [:]
        if collectSegments {
            for ((_, headline), name) in zip(sentenceHeadlines, names) {
                segments[name] = (0..<stats.count).map { headline(stats.row($0)) }
            }
        }
        return SystemScore(system: system.name, signature: signature, headlines: scores, totals: storedTotals,
                           segmentCount: stats.count, details: json, segmentScores: segments, statistics: stats,
                           options: options,
                           paired: paired.map { key, result in (key == "score" ? (storedName ?? key) : key, result) },
                           confidenceLevel: json["confidence"] == nil ? nil : confidenceLevel)
    }
}
