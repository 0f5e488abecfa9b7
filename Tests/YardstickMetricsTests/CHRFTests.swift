import Foundation
import Testing
import YardstickMetrics
import YardstickTestSupport

/// The translation fixture sets (`translation/<set>.jsonl`), found from the expected-value files.
enum ChrfTerFixtures {
    static func sets() throws -> [String] {
        let dir = Fixtures.url("metrics/translation")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".expected.json") }
            .map { String($0.dropLast(".expected.json".count)) }
            .sorted()
    }

    /// Hypotheses and the references of each segment (first `refs` of every row).
    static func corpus(_ set: String, refs: Int) throws -> (hyps: [String], refs: [[String]]) {
        let rows = try Fixtures.jsonLines("metrics/translation/\(set).jsonl")
        let hyps = rows.map { $0["hyp"] as! String }
        let references = rows.map { Array(($0["refs"] as! [String])[0..<refs]) }
        return (hyps, references)
    }

    /// Rows by id, for the sentence-level files.
    static func rowsByID(_ set: String) throws -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for row in try Fixtures.jsonLines("metrics/translation/\(set).jsonl") { out[row["id"] as! String] = row }
        return out
    }

    /// sacrebleu's signature with our version field.
    static func signature(_ expected: Any?) -> String {
        (expected as! String).replacingOccurrences(of: "version:2.6.0", with: "version:\(Yardstick.signatureVersion)")
    }

    static func ints(_ any: Any?) -> [Int] { (any as! [Any]).map { ($0 as! NSNumber).intValue } }
}

/// Deterministic pseudo-random indices in `0..<bound` (a fixed LCG, so the test data never changes).
private func lcgSequence(count: Int, bound: Int, seed: UInt64) -> [Int] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

@Suite("chrF / chrF++ (sacrebleu 2.6.0)")
struct CHRFTests {
    @Test func corpusCHRFMatchesSacrebleuOnEveryGridCase() throws {
        let sets = try ChrfTerFixtures.sets()
        #expect(sets.count == 11)
        var checked = 0
        let floats = FixtureFloats("chrF")
        for set in sets {
            let doc = try Fixtures.json("metrics/translation/\(set).expected.json") as! [String: Any]
            for c in doc["corpus_chrf"] as! [[String: Any]] {
                let name = "\(set) \(c["case"] as! String)"
                let a = c["args"] as! [String: Any]
                let metric = CHRF(
                    charOrder: a["char_order"] as! Int, wordOrder: a["word_order"] as! Int, beta: a["beta"] as! Int,
                    lowercase: a["lowercase"] as! Bool, whitespace: a["whitespace"] as! Bool,
                    epsSmoothing: a["eps_smoothing"] as! Bool)
                let refs = a["refs"] as! Int
                let corpus = try ChrfTerFixtures.corpus(set, refs: refs)
                let got = metric.corpusScore(hypotheses: corpus.hyps, references: corpus.refs)
                let wantScore = try #require(Fixtures.double(c["score"]))
                #expect(got.name == c["name"] as! String, "\(name): name \(got.name)")
                floats.exact(got.score, wantScore, "\(name): score")
                #expect(got.stats == ChrfTerFixtures.ints(c["stats"]), "\(name): stats \(got.stats)")
                #expect(metric.signature(referenceCount: refs) == ChrfTerFixtures.signature(c["signature"]),
                        "\(name): signature \(metric.signature(referenceCount: refs))")
                #expect(got.formatted() == c["formatted"] as! String, "\(name): formatted \(got.formatted())")
                checked += 1
            }
        }
        #expect(checked == 120, "corpus chrF cases checked: \(checked)")
        floats.report("corpus")
    }

    @Test func sentenceCHRFAndCHRFppMatchSacrebleuOnEverySampledRow() throws {
        let chrf = CHRF()
        let chrfpp = CHRF(wordOrder: 2)
        var checked = 0
        let floats = FixtureFloats("chrF")
        for set in try ChrfTerFixtures.sets() {
            let rows = try ChrfTerFixtures.rowsByID(set)
            for expected in try Fixtures.jsonLines("metrics/translation/\(set).sentence.expected.jsonl") {
                let id = expected["id"] as! String
                let row = try #require(rows[id], "\(id) missing from \(set).jsonl")
                let refs = row["refs"] as! [String]
                let nRefs = expected["n_refs"] as! Int
                #expect(refs.count == nRefs, "\(id): n_refs")
                for (key, metric) in [("sentence_chrf", chrf), ("sentence_chrfpp", chrfpp)] {
                    let want = expected[key] as! [String: Any]
                    let got = metric.sentenceScore(hypothesis: row["hyp"] as! String, references: refs)
                    let wantScore = try #require(Fixtures.double(want["score"]))
                    #expect(got.name == want["name"] as! String, "\(id) \(key): name \(got.name)")
                    floats.exact(got.score, wantScore, "\(id) \(key): score")
                    #expect(got.stats == ChrfTerFixtures.ints(want["stats"]), "\(id) \(key): stats \(got.stats)")
                    #expect(metric.signature(referenceCount: nRefs) == ChrfTerFixtures.signature(want["signature"]),
                            "\(id) \(key): signature")
                    checked += 1
                }
            }
        }
        #expect(checked == 2 * (10 * 40 + 93), "sentence chrF cases checked: \(checked)")
        floats.report("sentence")
    }

    @Test func corpusCHRFStatisticsDoNotDependOnThreadCount() throws {
        let corpus = try ChrfTerFixtures.corpus("multiref", refs: 2)
        let metric = CHRF(wordOrder: 2, lowercase: true)
        let one = metric.statistics(hypotheses: corpus.hyps, references: corpus.refs,
                                    options: ScoringOptions(threads: 1))
        let two = metric.statistics(hypotheses: corpus.hyps, references: corpus.refs,
                                    options: ScoringOptions(threads: 2, parallelThreshold: 1))
        #expect(one.values == two.values)
    }

    @Test func chrFppSplitsOnePunctuationMarkOffEachWord() {
        // Hypothesis words: "(hi)" → "(hi" ")" (the last mark wins); "a." → "a" "."; "!x" → "!" "x";
        // "?" stays whole: 7 tokens.
        // Reference words: "(hi" → "(" "hi"; ")" "a" "." "!" "x" "?" stay: 8 tokens.
        // Shared: ")" "a" "." "!" "x" "?" = 6 ("(hi" only in the hypothesis, "(" "hi" only in the reference).
        let metric = CHRF(charOrder: 1, wordOrder: 1)
        let s = metric.sentenceScore(hypothesis: "(hi) a. !x ?", references: ["(hi ) a . ! x ?"])
        // Character unigrams ignore whitespace: both sides are the same 9 characters.
        #expect(Array(s.stats[0..<3]) == [9, 9, 9])
        #expect(Array(s.stats[3..<6]) == [7, 8, 6])
        #expect(s.name == "chrF2+")
    }

    @Test func chrFCountsNoHypothesisNgramsForAnOrderTheReferenceLacks() {
        // The reference has 2 characters, so it has no 3-grams; the hypothesis' 3-grams are not counted.
        let s = CHRF(charOrder: 3).sentenceScore(hypothesis: "abc", references: ["ab"])
        #expect(s.stats == [3, 2, 2, 2, 1, 1, 0, 0, 0])
        // Orders 1 and 2 are effective: P = (2/3 + 1/2) / 2, R = (1 + 1) / 2.
        let p = (2.0 / 3.0 + 1.0 / 2.0) / 2, r = 1.0
        var f = 5 * p * r
        f /= 4 * p + r
        #expect(s.score == 100 * f)
    }

    @Test func chrFEpsilonSmoothingAveragesEveryOrder() {
        // Identical one-character texts: order 1 has F = 1, orders 2...6 have no n-grams and add
        // eps = 1e-16 each, which is below half an ulp of 1.0 and vanishes: 100 · 1 / 6.
        let s = CHRF(epsSmoothing: true).sentenceScore(hypothesis: "a", references: ["a"])
        #expect(s.stats == [1, 1, 1] + [Int](repeating: 0, count: 15))
        #expect(s.score == 100.0 / 6)
        #expect(CHRF(epsSmoothing: true).signature(referenceCount: 1)
                == "nrefs:1|case:mixed|eff:no|nc:6|nw:0|space:no|version:\(Yardstick.signatureVersion)")
    }

    @Test func chrFKeepsTheFirstOfEquallyGoodReferences() {
        // Both references score 0 against the hypothesis; the first one's statistics are kept.
        let s = CHRF(charOrder: 1).sentenceScore(hypothesis: "x", references: ["ab", "abc"])
        #expect(s.stats == [1, 2, 0])
        // A strictly better later reference wins.
        let t = CHRF(charOrder: 1).sentenceScore(hypothesis: "ab", references: ["a", "ab"])
        #expect(t.stats == [2, 2, 2])
    }

    @Test func chrFWhitespaceOptionCountsSpacesAsCharacters() {
        let metric = CHRF(charOrder: 2, whitespace: true)
        let s = metric.sentenceScore(hypothesis: "a b", references: ["ab"])
        // Unigrams: a, ␠, b vs a, b; bigrams "a␠", "␠b" vs "ab" → no match.
        #expect(s.stats == [3, 2, 2, 2, 1, 0])
        #expect(metric.signature(referenceCount: 1).contains("|space:yes|"))
    }

    @Test func chrFLowercasesWithPythonRules() {
        // "ΟΔΟΣ" lowercases to "οδος" with a final sigma.
        let s = CHRF(charOrder: 1, lowercase: true).sentenceScore(hypothesis: "ΟΔΟΣ", references: ["οδος"])
        #expect(s.stats == [4, 4, 4])
        let mixed = CHRF(charOrder: 1).sentenceScore(hypothesis: "ΟΔΟΣ", references: ["οδος"])
        #expect(mixed.stats == [4, 4, 0])
    }

    @Test func chrFCountsLongSegmentsWithLargeAlphabetsExactly() {
        // X uses 300 CJK code points, Y 300 Cyrillic ones (disjoint), 1500 characters each. With
        // hyp = X+Y and ref = Y+X every n-gram inside X or inside Y matches and none across a seam,
        // so order n has 3001-n n-grams per side and 2·(1501-n) matches. The alphabet is large enough
        // that the n-gram ids come from the hash-table path.
        let x = lcgSequence(count: 1500, bound: 300, seed: 1).map { Character(Unicode.Scalar(0x4E00 + UInt32($0))!) }
        let y = lcgSequence(count: 1500, bound: 300, seed: 2).map { Character(Unicode.Scalar(0x0400 + UInt32($0))!) }
        let s = CHRF().sentenceScore(hypothesis: String(x + y), references: [String(y + x)])
        let want = (1...6).flatMap { n in [3001 - n, 3001 - n, 2 * (1501 - n)] }
        #expect(s.stats == want)
    }

    @Test func chrFppCountsLongWordSequencesExactly() {
        // Same construction with 400 words from two disjoint vocabularies of 300 words each.
        let x = lcgSequence(count: 400, bound: 300, seed: 3).map { "a\($0)" }
        let y = lcgSequence(count: 400, bound: 300, seed: 4).map { "b\($0)" }
        let s = CHRF(wordOrder: 2).sentenceScore(
            hypothesis: (x + y).joined(separator: " "), references: [(y + x).joined(separator: " ")])
        #expect(Array(s.stats[18..<24]) == [800, 800, 800, 799, 799, 2 * 399])
    }
}
