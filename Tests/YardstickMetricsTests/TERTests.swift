import Foundation
import Testing
@testable import YardstickMetrics
import YardstickTestSupport

private func ter(_ metric: TER, _ hyp: String, _ refs: [String]) -> TERScore {
    metric.sentenceScore(hypothesis: hyp, references: refs)
}

@Suite("TER (sacrebleu 2.6.0)")
struct TERTests {
    @Test func corpusTERMatchesSacrebleuOnEveryFixtureCase() throws {
        var checked = 0
        let floats = FixtureFloats("TER")
        for set in try ChrfTerFixtures.sets() {
            let doc = try Fixtures.json("metrics/translation/\(set).expected.json") as! [String: Any]
            for c in (doc["corpus_ter"] as? [[String: Any]]) ?? [] {
                let name = "\(set) \(c["case"] as! String)"
                let refs = (c["args"] as! [String: Any])["refs"] as! Int
                let corpus = try ChrfTerFixtures.corpus(set, refs: refs)
                let metric = TER()
                let got = metric.corpusScore(hypotheses: corpus.hyps, references: corpus.refs)
                let wantScore = try #require(Fixtures.double(c["score"]))
                let wantEdits = try #require(Fixtures.double(c["num_edits"]))
                let wantLength = try #require(Fixtures.double(c["ref_length"]))
                floats.exact(got.score, wantScore, "\(name): score")
                floats.exact(got.numEdits, wantEdits, "\(name): num_edits")
                floats.exact(got.refLength, wantLength, "\(name): ref_length")
                #expect(metric.signature(referenceCount: refs) == ChrfTerFixtures.signature(c["signature"]),
                        "\(name): signature \(metric.signature(referenceCount: refs))")
                #expect(got.formatted() == c["formatted"] as! String, "\(name): formatted \(got.formatted())")
                checked += 1
            }
        }
        #expect(checked == 4, "corpus TER cases checked: \(checked)")
        floats.report("corpus")
    }

    @Test func terStatisticsDoNotDependOnThreadCount() throws {
        let corpus = try ChrfTerFixtures.corpus("multiref", refs: 2)
        let one = TER().statistics(hypotheses: corpus.hyps, references: corpus.refs, options: ScoringOptions(threads: 1))
        let two = TER().statistics(hypotheses: corpus.hyps, references: corpus.refs,
                                   options: ScoringOptions(threads: 2, parallelThreshold: 1))
        #expect(one.values == two.values)
    }

    @Test func terCountsABlockShiftAsOneEdit() {
        // Levenshtein needs 2 edits; moving "a" to the front is one shift.
        let s = ter(TER(), "b c a", ["a b c"])
        #expect(s.numEdits == 1)
        #expect(s.refLength == 3)
        #expect(s.score == 100 * (1.0 / 3))
    }

    @Test func terDefaultsLowercaseAndKeepPunctuationAttached() {
        #expect(ter(TER(), "Hello world", ["hello world"]).numEdits == 0)
        #expect(ter(TER(caseSensitive: true), "Hello world", ["hello world"]).numEdits == 1)
        // "hello," is a different word from "hello".
        #expect(ter(TER(), "Hello, world", ["hello world"]).numEdits == 1)
        // One hypothesis word against three reference words: one substitution, two insertions.
        #expect(ter(TER(), "Hello,world", ["hello , world"]).numEdits == 3)
    }

    @Test func terNoPunctRemovesTercomPunctuation() {
        #expect(ter(TER(noPunct: true), "Hello, world!", ["hello world"]).numEdits == 0)
        // CJK full stop only with asianSupport.
        #expect(ter(TER(noPunct: true), "你好。", ["你好"]).numEdits == 1)
        #expect(ter(TER(noPunct: true, asianSupport: true), "你好。", ["你好"]).numEdits == 0)
    }

    @Test func terNormalizedSplitsPunctuationAndDecodesEntities() {
        #expect(ter(TER(normalized: true), "Hello,world", ["hello , world"]).numEdits == 0)
        #expect(ter(TER(normalized: true), "a &amp; b", ["a & b"]).numEdits == 0)
        #expect(ter(TER(normalized: true), "我爱你", ["我 爱 你"]).numEdits == 3)
        #expect(ter(TER(normalized: true, asianSupport: true), "我爱你", ["我 爱 你"]).numEdits == 0)
    }

    @Test func tercomTokenizerFollowsTheNormalizerRules() {
        func tok(_ t: TER.Tokenizer, _ s: String) -> String {
            t.words(s).map { PythonText.string($0) }.joined(separator: " ")
        }
        let normalized = TER.Tokenizer(normalized: true, noPunct: false, asianSupport: false, caseSensitive: false)
        // Possessive split, comma between digits kept, dash split only after a digit, final period split.
        #expect(tok(normalized, "John's car, 1,5 x-y 2-3 end.") == "john 's car , 1,5 x-y 2 - 3 end .")
        // "\n-" joins lines; entities are decoded after lowercasing ("&QUOT;" → "&quot;" → '"').
        #expect(tok(normalized, "line\n-break &QUOT;q&quot; a&lt;b") == "linebreak \" q \" a < b")
        #expect(tok(normalized, "it's") == "it 's")
        let asian = TER.Tokenizer(normalized: true, noPunct: false, asianSupport: true, caseSensitive: false)
        // Ideographs split to characters; kana runs stay whole (the padded string never starts with kana).
        #expect(tok(asian, "東京タワー、ひらがな（テスト）") == "東 京 タワー 、 ひらがな （ テスト ）")
        let noPunct = TER.Tokenizer(normalized: false, noPunct: true, asianSupport: true, caseSensitive: false)
        #expect(tok(noPunct, "東京タワー、ひらがな（テスト）. (a)") == "東京タワーひらがなテスト a")
        // Trailing whitespace is stripped first; an empty line has no words.
        #expect(tok(TER.Tokenizer(normalized: true, noPunct: false, asianSupport: false, caseSensitive: false), " \t ").isEmpty)
    }

    @Test func terUsesTheBestReferenceAndTheAverageReferenceLength() {
        let s = ter(TER(), "a b", ["a b", "a b c d"])
        #expect(s.numEdits == 0)
        #expect(s.refLength == 3)
        #expect(TER().signature(referenceCount: 2)
                == "nrefs:2|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:\(Yardstick.signatureVersion)")
    }

    @Test func terScoresEditsAgainstAnEmptyReferenceAsFullError() {
        let s = ter(TER(), "a b", [""])
        #expect(s.numEdits == 2)
        #expect(s.refLength == 0)
        #expect(s.score == 100)
        #expect(s.formatted() == "TER = 100.00")
        #expect(ter(TER(), "", [""]).score == 0)
    }

    @Test func terSignatureNamesEveryOption() {
        let metric = TER(normalized: true, noPunct: true, asianSupport: true, caseSensitive: true)
        #expect(metric.signature(referenceCount: 1)
                == "nrefs:1|case:mixed|tok:tercom|norm:yes|punct:no|asian:yes|version:\(Yardstick.signatureVersion)")
    }

    @Test func terTokenizesReferencesTwiceLikeSacrebleu() {
        // sacrebleu runs the tokenizer over references twice. With normalisation the second pass is
        // not a no-op: the hypothesis ".,2" becomes ". ,2" (the comma follows the consumed period and
        // precedes a digit), while the reference goes on to ". , 2" (now the comma follows a space).
        // Hypothesis [".", ",2"] vs reference [".", ",", "2"]: one substitution and one insertion.
        let s = ter(TER(normalized: true), ".,2", [".,2"])
        #expect(s.numEdits == 2)
        #expect(s.refLength == 3)
        #expect(ter(TER(), ".,2", [".,2"]).numEdits == 0)
    }
}
