import Testing
@testable import YardstickMetrics

// Expected strings and F1 values were produced in /work/dev/venv with SQuAD's `normalize_answer`
// and v2 `compute_f1` (punctuation set widened to string.punctuation ∪ Unicode P*), e.g.
// f1("The cat sat on the mat.", "a cat on a mat") == 0.8571428571428571.

@Test func lowercaseNormalizationUsesPythonLower() {
    let metric = ExactMatch(normalization: .lowercase)
    #expect(metric.normalize("ΟΔΟΣ İx ABC") == "οδος i\u{307}x abc")
}

@Test func whitespaceNormalizationCollapsesPythonWhitespace() {
    let metric = ExactMatch(normalization: .whitespace)
    #expect(metric.normalize(" a \u{3000} b\n\tc\u{200B}d ") == "a b c\u{200B}d")
}

@Test func punctuationNormalizationStripsUnicodePunctuationAndAsciiSymbols() {
    let metric = ExactMatch(normalization: .punctuation)
    #expect(metric.normalize("¿Qué? “quoted” $5 a_b — ok!") == "Qué quoted 5 ab  ok")
    #expect(metric.normalize("x+y=z <tag> ^~|`") == "xyz tag ")
    #expect(metric.normalize("€100 © 1°") == "€100 © 1°", "currency and other symbols stay")
}

@Test func articleNormalizationRemovesWholeWordsOnly() {
    let metric = ExactMatch(normalization: .articles)
    // re.sub(r'\b(a|an|the)\b', ' ', "the cat, a dog an apple theater the_x thé a1 a")
    #expect(metric.normalize("the cat, a dog an apple theater the_x thé a1 a") == "  cat,   dog   apple theater the_x thé a1  ")
    #expect(metric.normalize("The A") == "The A", "case-sensitive without lowercase")
}

@Test func squadNormalizationAppliesAllFourInSquadOrder() {
    let metric = ExactMatch(normalization: .squad)
    #expect(metric.normalize("¿Qué? “quoted” $5 a_b — The  Theater, an apple!") == "qué quoted 5 ab theater apple")
    #expect(ExactMatch.Normalization.squad == [.lowercase, .whitespace, .punctuation, .articles])
}

@Test func exactMatchWithoutNormalizationIsStrict() {
    let strict = ExactMatch()
    #expect(strict.sentenceScore(hypothesis: "Paris", references: ["paris"]).exactMatch == 0)
    #expect(strict.sentenceScore(hypothesis: "Paris", references: ["London", "Paris"]).exactMatch == 1)
    // Code points, not canonical equivalence.
    #expect(strict.sentenceScore(hypothesis: "\u{E9}", references: ["e\u{301}"]).exactMatch == 0)
    let squad = ExactMatch(normalization: .squad)
    #expect(squad.sentenceScore(hypothesis: "The Paris!", references: ["paris"]).exactMatch == 1)
}

@Test func tokenF1FollowsSquad() {
    let squad = ExactMatch(normalization: .squad)
    let cases: [(String, [String], Double)] = [
        ("The cat sat on the mat.", ["a cat on a mat"], 0.8571428571428571),
        ("Barack Obama", ["President Barack H. Obama"], 0.6666666666666666),
        ("x y z", ["p q"], 0),
        ("", ["the"], 1),  // both normalise to no tokens
        ("cat", ["the"], 0),  // one side empty
        ("Barack Obama", ["Obama", "Barack Obama"], 1),  // best reference
    ]
    for (hyp, refs, want) in cases {
        let got = squad.sentenceScore(hypothesis: hyp, references: refs).f1
        #expect(got == want, "\(hyp) vs \(refs): \(got) vs \(want)")
    }
    // Repeated tokens count as a multiset: common = min(3, 1) + min(1, 2) = 2.
    let plain = ExactMatch()
    let f1 = plain.sentenceScore(hypothesis: "a a a b", references: ["a b b"]).f1
    #expect(f1 == (2 * 0.5 * (2.0 / 3.0)) / (0.5 + 2.0 / 3.0), "multiset F1 \(f1)")
}

@Test func corpusScoresAreFractionsOverSegments() {
    let metric = ExactMatch(normalization: .squad)
    let score = metric.corpusScore(
        hypotheses: ["Paris", "the moon", "42"], references: [["paris"], ["Moon", "the sun"], ["forty two"]])
    #expect(score.count == 3)
    #expect(score.exactMatch == 2.0 / 3.0)
    #expect(score.f1 == (1.0 + 1.0 + 0.0) / 3.0)
    #expect(metric.headline(score) == score.exactMatch)
    #expect(metric.signature(referenceCount: 2) == "nrefs:2|norm:squad|version:\(Yardstick.signatureVersion)")
    #expect(ExactMatch().signature(referenceCount: 1).contains("norm:none"))
    let empty = metric.score(totals: [0, 0, 0])
    #expect(empty == ExactMatchScore(exactMatch: 0, f1: 0, count: 0))
}
