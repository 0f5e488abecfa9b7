import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickMetrics

// Expected strings and F1 values follow the SQuAD v1.1 script's `normalize_answer` and `f1_score`
// (the `-unicode` variants widen its punctuation set to string.punctuation ∪ Unicode P*), e.g.
// f1("The cat sat on the mat.", "a cat on a mat") == 0.8571428571428571. The fixture test below checks
// the official functions' output on real text.

@Test func lowercaseNormalizationUsesPythonLower() {
    let metric = ExactMatch(normalization: .lowercase)
    #expect(metric.normalize("ΟΔΟΣ İx ABC") == "οδος i\u{307}x abc")
}

@Test func whitespaceNormalizationCollapsesPythonWhitespace() {
    let metric = ExactMatch(normalization: .whitespace)
    #expect(metric.normalize(" a \u{3000} b\n\tc\u{200B}d ") == "a b c\u{200B}d")
}

@Test func punctuationNormalizationStripsOnlyPythonsASCIIStringPunctuation() {
    let metric = ExactMatch(normalization: .punctuation)
    #expect(metric.normalize("¿Qué? “quoted” $5 a_b — ok!") == "¿Qué “quoted” 5 ab — ok")
    #expect(metric.normalize("x+y=z <tag> ^~|`") == "xyz tag ")
    #expect(metric.normalize("«a» „b“ c…") == "«a» „b“ c…", "non-ASCII punctuation stays, as in SQuAD")
}

@Test func unicodePunctuationNormalizationAlsoStripsUnicodePunctuation() {
    let metric = ExactMatch(normalization: .unicodePunctuation)
    #expect(metric.normalize("¿Qué? “quoted” $5 a_b — ok!") == "Qué quoted 5 ab  ok")
    #expect(metric.normalize("x+y=z <tag> ^~|`") == "xyz tag ")
    #expect(metric.normalize("«a» „b“ c…") == "a b c")
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
    #expect(metric.normalize("¿Qué? “quoted” $5 a_b — The  Theater, an apple!") == "¿qué “quoted” 5 ab — theater apple")
    #expect(ExactMatch.Normalization.squad == [.lowercase, .whitespace, .punctuation, .articles])
    let unicode = ExactMatch(normalization: .squadUnicode)
    #expect(unicode.normalize("¿Qué? “quoted” $5 a_b — The  Theater, an apple!") == "qué quoted 5 ab theater apple")
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
        ("", ["the"], 0),  // both normalise to no tokens: SQuAD v1.1's f1_score has no common token → 0
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
    #expect(metric.signature(referenceCount: 2) == "nrefs:2|norm:squad-v1.1|version:\(Yardstick.signatureVersion)")
    #expect(ExactMatch().signature(referenceCount: 1).contains("norm:none"))
    let empty = metric.score(totals: [0, 0, 0])
    #expect(empty == ExactMatchScore(exactMatch: 0, f1: 0, count: 0))
}

@Test func signatureNamesWhichPunctuationSetWasStripped() {
    func norm(_ n: ExactMatch.Normalization) -> String { ExactMatch(normalization: n).normalizationName }
    #expect(norm(.squad) == "squad-v1.1")
    #expect(norm(.squadUnicode) == "squad-unicode")
    #expect(norm(ExactMatch.Normalization.squad.union(.unicodePunctuation)) == "squad-unicode")
    #expect(norm([.lowercase, .punctuation]) == "lc+punct-ascii")
    #expect(norm([.unicodePunctuation, .whitespace]) == "punct-unicode+ws")
    #expect(norm([]) == "none")
    #expect(ExactMatch(normalization: .squadUnicode).signature(referenceCount: 1)
        == "nrefs:1|norm:squad-unicode|version:\(Yardstick.signatureVersion)")
}

/// Tests/Fixtures/metrics/squad: the official SQuAD v1.1 functions on punct.jsonl and edge.jsonl.
@Test func squadNormalizationExactMatchAndF1EqualTheOfficialV11ScriptOnRealText() throws {
    let rows = try Fixtures.jsonLines("metrics/squad/squad_v11.expected.jsonl")
    let summary = try #require((try Fixtures.json("metrics/squad/squad_v11.expected.json") as? [String: Any])?["sets"]
        as? [String: [String: Any]])
    #expect(rows.count == 393)
    let squad = ExactMatch(normalization: .squad)
    let floats = FixtureFloats("exact-match (SQuAD v1.1)")
    var unicodeDiffers = 0
    for row in rows {
        let id = row["id"] as! String
        let prediction = row["prediction"] as! String, truth = row["ground_truth"] as! String
        #expect(squad.normalize(prediction) == row["normalized_prediction"] as! String, "\(id): prediction")
        #expect(squad.normalize(truth) == row["normalized_ground_truth"] as! String, "\(id): ground truth")
        let got = squad.sentenceScore(hypothesis: prediction, references: [truth])
        floats.exact(got.exactMatch, (row["exact_match"] as! Bool) ? 1 : 0, "\(id): exact match")
        floats.exact(got.f1, Fixtures.double(row["f1"])!, "\(id): f1")
        if ExactMatch(normalization: .squadUnicode).normalize(prediction) != squad.normalize(prediction) { unicodeDiffers += 1 }
    }
    #expect(unicodeDiffers > 100, "the text has non-ASCII punctuation that only squad-unicode strips: \(unicodeDiffers)")
    for set in ["punct", "edge"] {
        let setRows = rows.filter { ($0["id"] as! String).hasPrefix(set + ":") }
        let want = try #require(summary[set])
        #expect(setRows.count == want["n"] as? Int)
        let corpus = squad.corpusScore(hypotheses: setRows.map { $0["prediction"] as! String },
                                       references: setRows.map { [$0["ground_truth"] as! String] })
        floats.exact(corpus.exactMatch, Fixtures.double(want["exact_match"])!, "\(set): corpus exact match")
        floats.exact(corpus.f1, Fixtures.double(want["f1"])!, "\(set): corpus f1")
    }
    floats.report("punct + edge")
}
