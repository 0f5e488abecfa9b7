import Foundation
import Testing
import YardstickMetrics
import YardstickTestSupport

/// The translation fixture sets (Tests/Fixtures/metrics/translation).
let bleuFixtureSets = [
    "tr_de", "tr_fr", "tr_es", "tr_it", "var_pt", "var_en", "cjk_zh", "cjk_ja", "multiref", "punct", "edge",
]

/// Hypotheses and reference lists of one fixture set, in file order.
struct BLEUFixtureRows {
    var ids: [String] = []
    var hypotheses: [String] = []
    var references: [[String]] = []

    init(set: String) throws {
        for row in try Fixtures.jsonLines("metrics/translation/\(set).jsonl") {
            ids.append(row["id"] as! String)
            hypotheses.append(row["hyp"] as! String)
            references.append(row["refs"] as! [String])
        }
    }
}

/// Compares every BLEU field sacrebleu reports; returns the number of values checked.
@discardableResult
func expectBLEU(_ got: BLEUScore, _ want: [String: Any], _ name: String, floats: FixtureFloats,
                sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    var checked = 0
    func number(_ key: String, _ value: Double) {
        guard let expected = Fixtures.double(want[key]) else {
            Issue.record("\(name): missing \(key)", sourceLocation: sourceLocation)
            return
        }
        floats.exact(value, expected, "\(name): \(key)", sourceLocation: sourceLocation)
        checked += 1
    }
    func integers(_ key: String, _ value: [Int]) {
        let raw = want[key]
        let expected = (Fixtures.doubles(raw) ?? Fixtures.double(raw).map { [$0] } ?? []).map { Int($0) }
        #expect(value == expected, "\(name): \(key) \(value) vs \(expected)", sourceLocation: sourceLocation)
        checked += 1
    }
    number("score", got.score)
    integers("counts", got.counts)
    integers("totals", got.totals)
    let precisions = Fixtures.doubles(want["precisions"]) ?? []
    #expect(precisions.count == got.precisions.count, "\(name): precision count", sourceLocation: sourceLocation)
    for (k, (a, b)) in zip(got.precisions, precisions).enumerated() {
        floats.exact(a, b, "\(name): precisions[\(k)]", sourceLocation: sourceLocation)
    }
    checked += 1
    number("bp", got.bp)
    integers("sys_len", [got.sysLen])
    integers("ref_len", [got.refLen])
    number("ratio", got.ratio)
    if let formatted = want["formatted"] as? String {
        #expect(got.formatted() == formatted, "\(name): formatted \(got.formatted()) vs \(formatted)",
                sourceLocation: sourceLocation)
        checked += 1
    }
    return checked
}

/// sacrebleu's signature with its version field replaced by ours.
func expectedSignature(_ want: [String: Any]) -> String {
    (want["signature"] as? String ?? "").replacingOccurrences(
        of: "version:2.6.0", with: "version:" + Yardstick.signatureVersion)
}

@Suite struct BLEUFixtureTests {
    @Test(arguments: bleuFixtureSets)
    func corpusBLEUMatchesSacrebleuOnEveryGridCase(set: String) throws {
        let rows = try BLEUFixtureRows(set: set)
        let expected = try #require(try Fixtures.json("metrics/translation/\(set).expected.json") as? [String: Any])
        let cases = try #require(expected["corpus_bleu"] as? [[String: Any]])
        #expect(!cases.isEmpty)
        let floats = FixtureFloats("BLEU")
        for c in cases {
            let name = "\(set) \(c["case"] as? String ?? "?")"
            let args = try #require(c["args"] as? [String: Any], "\(name): args")
            let tokenizer = try #require(BLEU.Tokenizer(rawValue: args["tokenize"] as? String ?? ""), "\(name): tokenize")
            let smoothing = try #require(
                BLEU.Smoothing(name: args["smooth_method"] as? String ?? "", value: Fixtures.double(args["smooth_value"])),
                "\(name): smoothing")
            let refCount = try #require(Fixtures.double(args["refs"]).map { Int($0) }, "\(name): refs")
            let bleu = BLEU(tokenizer: tokenizer, lowercase: args["lowercase"] as? Bool ?? false,
                            smoothing: smoothing, effectiveOrder: args["use_effective_order"] as? Bool ?? false)
            let references = rows.references.map { Array($0[0..<refCount]) }
            let score = bleu.corpusScore(hypotheses: rows.hypotheses, references: references)
            expectBLEU(score, c, name, floats: floats)
            #expect(bleu.signature(referenceCount: refCount) == expectedSignature(c),
                    "\(name): signature \(bleu.signature(referenceCount: refCount))")
        }
        print("BLEU corpus cases checked for \(set): \(cases.count)")
        floats.report("corpus \(set)")
    }

    @Test(arguments: bleuFixtureSets)
    func sentenceBLEUAndTokenizersMatchSacrebleuOnEveryRow(set: String) throws {
        let rows = try BLEUFixtureRows(set: set)
        var rowIndex: [String: Int] = [:]
        for (i, id) in rows.ids.enumerated() { rowIndex[id] = i }
        let variants: [(key: String, metric: BLEU)] = [
            ("sentence_bleu", BLEU(effectiveOrder: true)),
            ("sentence_bleu_no_eff", BLEU()),
            ("sentence_bleu_zh", BLEU(tokenizer: .zh, effectiveOrder: true)),
            ("sentence_bleu_char", BLEU(tokenizer: .char, effectiveOrder: true)),
        ]
        let tokenizers: [(key: String, metric: BLEU)] = [
            ("13a", BLEU(tokenizer: .thirteenA)), ("intl", BLEU(tokenizer: .intl)), ("zh", BLEU(tokenizer: .zh)),
        ]
        let lines = try Fixtures.jsonLines("metrics/translation/\(set).sentence.expected.jsonl")
        #expect(!lines.isEmpty)
        var scoresChecked = 0
        let floats = FixtureFloats("BLEU")
        var tokenizationsChecked = 0
        for line in lines {
            let id = try #require(line["id"] as? String)
            let i = try #require(rowIndex[id], "\(id): row not in \(set).jsonl")
            let hypothesis = rows.hypotheses[i]
            let references = rows.references[i]
            #expect(Fixtures.double(line["n_refs"]).map { Int($0) } == references.count, "\(id): n_refs")
            var sawVariant = false
            for (key, metric) in variants {
                guard let want = line[key] as? [String: Any] else { continue }
                sawVariant = true
                let got = metric.sentenceScore(hypothesis: hypothesis, references: references)
                expectBLEU(got, want, "\(id) \(key)", floats: floats)
                #expect(metric.signature(referenceCount: references.count) == expectedSignature(want),
                        "\(id) \(key): signature \(metric.signature(referenceCount: references.count))")
                scoresChecked += 1
            }
            #expect(sawVariant, "\(id): no sentence BLEU entries")

            let tokenized = try #require(line["tokenized"] as? [String: Any], "\(id): tokenized")
            let hypTokens = try #require(tokenized["hyp"] as? [String: String], "\(id): tokenized.hyp")
            let refTokens = try #require(tokenized["refs"] as? [[String: String]], "\(id): tokenized.refs")
            #expect(refTokens.count == references.count, "\(id): tokenized refs count")
            for (key, metric) in tokenizers {
                let want = try #require(hypTokens[key], "\(id): tokenized.hyp.\(key)")
                let got = metric.tokenize(hypothesis)
                #expect(got == want, "\(id) hyp \(key): \(got.debugDescription) vs \(want.debugDescription)")
                tokenizationsChecked += 1
                for (r, (reference, wanted)) in zip(references, refTokens).enumerated() {
                    let want = try #require(wanted[key], "\(id): tokenized.refs[\(r)].\(key)")
                    let got = metric.tokenize(reference)
                    #expect(got == want, "\(id) ref \(r) \(key): \(got.debugDescription) vs \(want.debugDescription)")
                    tokenizationsChecked += 1
                }
            }
        }
        print("BLEU sentence rows checked for \(set): \(lines.count) (\(scoresChecked) scores, \(tokenizationsChecked) tokenizations)")
        floats.report("sentence \(set)")
    }
}
