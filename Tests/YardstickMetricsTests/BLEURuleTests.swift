import Foundation
import Testing
import YardstickMetrics
import YardstickTestSupport

/// Focused checks of single sacrebleu 2.6.0 rules (expected values produced by sacrebleu).
@Suite struct BLEUTokenizerRuleTests {
    let thirteenA = BLEU(tokenizer: .thirteenA)
    let zh = BLEU(tokenizer: .zh)
    let intl = BLEU(tokenizer: .intl)

    @Test func thirteenATokenizerKeepsDecimalNumbersWhole() {
        #expect(thirteenA.tokenize("1,5 and 1.2.3 in 2009.") == "1,5 and 1.2.3 in 2009 .")
    }

    @Test func thirteenATokenizerSplitsDashOnlyAfterDigit() {
        #expect(thirteenA.tokenize("4-5 x-y 3-") == "4 - 5 x-y 3 -")
    }

    @Test func thirteenATokenizerDecodesEntitiesSequentially() {
        #expect(thirteenA.tokenize("&amp;lt;b&amp;gt; &quot;x&quot; &amp;quot; a&b")
            == "< b > \" x \" & quot ; a & b")
    }

    @Test func thirteenATokenizerRemovesSkippedMarkersAndJoinsHyphenatedLineBreaks() {
        #expect(thirteenA.tokenize("foo<skipped>bar co-\noperate\nnext") == "foobar cooperate next")
    }

    @Test func thirteenATokenizerNeverSplitsApostrophes() {
        #expect(thirteenA.tokenize("l'état don't") == "l'état don't")
    }

    @Test func thirteenARegexPassesDoNotReuseConsumedCharacters() {
        #expect(thirteenA.tokenize("a..b ,,x 1..2 .5") == "a . . b , , x 1 . . 2 . 5")
    }

    @Test func thirteenATokenizerSplitsASCIISymbols() {
        #expect(thirteenA.tokenize("(a) [b] {c} $5 50% e@x.org") == "( a ) [ b ] { c } $ 5 50 % e @ x . org")
    }

    @Test func zhTokenizerSplitsGeneralPunctuationButNotSupplementaryIdeographs() {
        #expect(zh.tokenize("“中文”𠀀a… 2009.") == "“ 中 文 ” 𠀀a … 2009.")
    }

    @Test func zhTokenizerSplitsPeriodAfterNumberOnlyInsideTheLine() {
        #expect(zh.tokenize("2009. 中文。") == "2009 . 中 文 。")
    }

    @Test func intlTokenizerConsumesPunctuationNeighbourInFirstPass() {
        #expect(intl.tokenize("x “%2$s” y") == "x “ %2 $ s ” y")
    }

    @Test func intlTokenizerKeepsNumberSeparatorsAndSplitsApostrophes() {
        #expect(intl.tokenize("1,5 2009. l'état") == "1,5 2009 . l ' état")
        #expect(intl.tokenize("€5 a+b") == "€ 5 a + b")
    }

    @Test func charTokenizerJoinsEveryCodePointOfTheRstrippedLine() {
        #expect(BLEU(tokenizer: .char).tokenize("ab c  ") == "a b   c")
    }

    @Test func noneTokenizerOnlyRstrips() {
        #expect(BLEU(tokenizer: .none).tokenize("  a\tb  \n") == "  a\tb")
    }

    @Test func lowercaseFollowsPythonStrLower() {
        #expect(BLEU(lowercase: true).tokenize("İSTANBUL ΟΔΟΣ") == "i\u{307}stanbul οδος")
    }
}

@Suite struct BLEUScoringRuleTests {
    func stats(_ bleu: BLEU, _ hypothesis: String, _ references: [String]) -> [Double] {
        var row = [Double](repeating: 0, count: bleu.statisticsWidth)
        bleu.segmentStatistics(hypothesis: hypothesis, references: references, into: &row)
        return row
    }

    @Test func referenceCountsAreTheMaximumOverReferences() {
        let row = stats(BLEU(), "a a a", ["a", "a a"])
        #expect(row == [3, 2, 2, 1, 0, 0, 3, 2, 1, 0])
    }

    @Test func closestReferenceLengthTiesGoToTheShorterReference() {
        #expect(stats(BLEU(), "a b c", ["a b", "a b c d"])[1] == 2)
        #expect(stats(BLEU(), "a b c", ["a b c d", "a b"])[1] == 2)
    }

    @Test func effectiveOrderStopsAtTheFirstOrderWithoutNgrams() {
        // README worked example (cjk_zh:00000, 13a).
        let row: [Double] = [3, 4, 2, 1, 0, 0, 3, 2, 1, 0]
        let eff = BLEU(effectiveOrder: true).score(totals: row)
        #expect(eff.score == 39.43223765116288, "\(eff.score)")
        #expect(eff.precisions[2] == 50.0 && eff.precisions[3] == 0.0)
        #expect(BLEU().score(totals: row).score == 0)
    }

    @Test func addKReportsCountsWithKAdded() {
        let s = BLEU(smoothing: .addK(1)).score(totals: [3, 3, 2, 1, 0, 0, 3, 2, 1, 0])
        #expect(s.counts == [2, 2, 1, 1])
        #expect(s.totals == [3, 3, 2, 1])
        #expect(s.formatted() == "BLEU = 68.66 66.7/66.7/50.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 3 ref_len = 3)")
    }

    @Test func noMatchesGiveZeroWithBrevityPenaltyStillReported() {
        let s = BLEU().score(totals: [2, 4, 0, 0, 0, 0, 2, 1, 0, 0])
        #expect(s.score == 0 && s.precisions == [0, 0, 0, 0])
        #expect(s.bp == exp(1 - 2.0), "\(s.bp)")
    }

    @Test func emptyHypothesisHasZeroBrevityPenaltyAndRatio() {
        let s = BLEU().sentenceScore(hypothesis: "", references: ["a b"])
        #expect(s.bp == 0 && s.ratio == 0 && s.sysLen == 0 && s.refLen == 2)
        #expect(BLEU().sentenceScore(hypothesis: "a", references: [""]).ratio == 0)
    }

    @Test func segmentsWithManyDistinctTokensAreCountedExactly() {
        // More than 65536 distinct tokens takes the wide n-gram key path.
        let words = (0..<70_000).map { "w\($0)" }
        let hypothesis = words.joined(separator: " ")
        let reference = words[0..<69_000].joined(separator: " ") + " x " + words[69_000...].joined(separator: " ")
        let row = stats(BLEU(), hypothesis, [reference])
        #expect(row == [70_000, 70_001, 70_000, 69_998, 69_996, 69_994, 70_000, 69_999, 69_998, 69_997])
    }

    @Test func smoothingNamesAndDefaultsFollowSacrebleu() {
        #expect(BLEU.Smoothing(name: "floor", value: nil) == .floor(0.1))
        #expect(BLEU.Smoothing(name: "add-k", value: nil) == .addK(1))
        #expect(BLEU.Smoothing(name: "exp", value: 3) == .exp)
        #expect(BLEU.Smoothing(name: "none", value: nil) == BLEU.Smoothing.none)
        #expect(BLEU.Smoothing(name: "linear", value: nil) == nil)
        #expect(BLEU.Smoothing.addK(2).name == "add-k")
    }

    @Test func signatureListsSettingsWithSmoothingValue() {
        let v = Yardstick.signatureVersion
        #expect(BLEU().signature(referenceCount: 1) == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:\(v)")
        #expect(BLEU(tokenizer: .zh, lowercase: true, smoothing: .floor(0.1), effectiveOrder: true)
            .signature(referenceCount: 2) == "nrefs:2|case:lc|eff:yes|tok:zh|smooth:floor[0.10]|version:\(v)")
        #expect(BLEU(smoothing: .addK(1)).signature(referenceCount: -1)
            == "nrefs:var|case:mixed|eff:no|tok:13a|smooth:add-k[1.00]|version:\(v)")
    }

    @Test func corpusStatisticsDoNotDependOnThreadCount() {
        let hyps = (0..<600).map { "the cat \($0 % 7) sat on the mat." }
        let refs = (0..<600).map { ["the cat \($0 % 5) sat on a mat ."] }
        let one = BLEU().statistics(hypotheses: hyps, references: refs, options: ScoringOptions(threads: 1))
        let two = BLEU().statistics(hypotheses: hyps, references: refs, options: ScoringOptions(threads: 2))
        #expect(one.values == two.values)
    }
}
