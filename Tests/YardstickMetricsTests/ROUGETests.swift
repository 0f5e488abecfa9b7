import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickMetrics

/// Fixture plumbing shared by the ROUGE tests.
private enum RougeFixtures {
    static let stemSettings: [(name: String, stem: Bool)] = [("nostem", false), ("stem", true)]
    static let leads = ["lead1", "lead3"]

    /// `descriptions.jsonl` rows by id.
    static func descriptions() throws -> [[String: Any]] {
        try Fixtures.jsonLines("metrics/summary/descriptions.jsonl")
    }

    /// Compares a score with an expected `[P, R, F]` triple; returns the number of values checked.
    @discardableResult
    static func expectTriple(_ got: PRF?, _ want: Any?, _ name: String, floats: FixtureFloats) -> Int {
        guard let got, let want = Fixtures.doubles(want), want.count == 3 else {
            Issue.record("\(name): missing score (got \(String(describing: got)), want \(String(describing: want)))")
            return 0
        }
        floats.exact(got.precision, want[0], "\(name): precision")
        floats.exact(got.recall, want[1], "\(name): recall")
        floats.exact(got.fmeasure, want[2], "\(name): fmeasure")
        return 3
    }
}

@Suite struct ROUGETests {
    @Test func everyDescriptionPairMatchesRougeScoreForBothLeadsStemmingModesAndTypes() throws {
        let rows = try RougeFixtures.descriptions()
        let expected = try Fixtures.jsonLines("metrics/summary/descriptions.rouge.expected.jsonl")
        try #require(rows.count == expected.count && rows.count == 700)
        var cases = 0
        let floats = FixtureFloats("ROUGE")
        for (row, want) in zip(rows, expected) {
            let id = try #require(row["id"] as? String)
            try #require(want["id"] as? String == id, "row order differs at \(id)")
            let reference = try #require(row["reference"] as? String)
            for lead in RougeFixtures.leads {
                let prediction = try #require(row[lead] as? String)
                let byStem = try #require(want[lead] as? [String: Any])
                for setting in RougeFixtures.stemSettings {
                    let rouge = ROUGE(useStemmer: setting.stem)
                    let got = rouge.score(target: reference, prediction: prediction)
                    let byType = try #require(byStem[setting.name] as? [String: Any])
                    for type in ROUGE.RougeType.allCases {
                        RougeFixtures.expectTriple(got[type], byType[type.rawValue], "\(id)/\(lead)/\(setting.name)/\(type.rawValue)",
                                                   floats: floats)
                        cases += 1
                    }
                }
            }
        }
        #expect(cases == 700 * 2 * 2 * 4)
        floats.report("descriptions per pair")
    }

    @Test func corpusMeansThroughSegmentStatisticsMatchSequentialMeans() throws {
        let rows = try RougeFixtures.descriptions()
        let expected = try #require(try Fixtures.json("metrics/summary/descriptions.rouge.expected.json") as? [String: Any])
        let means = try #require(expected["means"] as? [String: Any])
        let references = try rows.map { [try #require($0["reference"] as? String)] }
        var cases = 0
        let floats = FixtureFloats("ROUGE")
        for lead in RougeFixtures.leads {
            let hypotheses = try rows.map { try #require($0[lead] as? String) }
            for setting in RougeFixtures.stemSettings {
                let rouge = ROUGE(useStemmer: setting.stem)
                let statistics = rouge.statistics(
                    hypotheses: hypotheses, references: references, options: ScoringOptions(threads: 2, parallelThreshold: 1))
                let score = rouge.score(totals: statistics.totals())
                #expect(score.count == rows.count)
                #expect(score.types == ROUGE.RougeType.allCases)
                let byType = try #require((means[lead] as? [String: Any])?[setting.name] as? [String: Any])
                for type in ROUGE.RougeType.allCases {
                    let name = "\(lead)/\(setting.name)/\(type.rawValue)"
                    let want = try #require(byType[type.rawValue] as? [String: Any])
                    let got = try #require(score.means[type])
                    for (field, value) in [("precision", got.precision), ("recall", got.recall), ("fmeasure", got.fmeasure)] {
                        let w = try #require(Fixtures.double(want[field]))
                        floats.exact(value, w, "\(name): mean \(field)")
                    }
                    cases += 1
                }
            }
        }
        #expect(cases == 2 * 2 * 4)
        floats.report("descriptions means")
    }

    @Test(arguments: ["nonascii_descriptions", "nonascii_translations"])
    func nonASCIITextTokenizesAndScoresLikeRougeScore(set: String) throws {
        let rows = try Fixtures.jsonLines("metrics/summary/\(set).jsonl")
        let expected = try Fixtures.jsonLines("metrics/summary/\(set).rouge.expected.jsonl")
        try #require(rows.count == expected.count && !rows.isEmpty)
        var cases = 0
        let floats = FixtureFloats("ROUGE")
        for (row, want) in zip(rows, expected) {
            let id = try #require(want["id"] as? String)
            try #require(row["id"] as? String == id, "row order differs at \(id)")
            let targetField = try #require(want["target_field"] as? String)
            let predictionField = try #require(want["prediction_field"] as? String)
            let target = try #require(row[targetField] as? String)
            let prediction = try #require(row[predictionField] as? String)
            let tokens = try #require(want["tokens"] as? [String: Any])
            let scores = try #require(want["scores"] as? [String: Any])
            for setting in RougeFixtures.stemSettings {
                let rouge = ROUGE(useStemmer: setting.stem)
                let wantTokens = try #require(tokens[setting.name] as? [String: [String]])
                #expect(rouge.tokenize(target) == wantTokens["target"], "\(id)/\(setting.name): target tokens")
                #expect(rouge.tokenize(prediction) == wantTokens["prediction"], "\(id)/\(setting.name): prediction tokens")
                let got = rouge.score(target: target, prediction: prediction)
                let byType = try #require(scores[setting.name] as? [String: Any])
                for type in ROUGE.RougeType.allCases {
                    RougeFixtures.expectTriple(got[type], byType[type.rawValue], "\(id)/\(setting.name)/\(type.rawValue)",
                                               floats: floats)
                }
                cases += 1
            }
        }
        #expect(cases == rows.count * 2)
        floats.report(set)
    }

    @Test func rougeScoreTokenizerKeepsOnlyLowercaseMappingsThatYieldASCII() {
        let rouge = ROUGE()
        #expect(rouge.tokenize("Günther's naïve café") == ["g", "nther", "s", "na", "ve", "caf"])
        #expect(rouge.tokenize("\u{212A}elvin İstanbul") == ["kelvin", "i", "stanbul"])
        #expect(rouge.tokenize("中文文本") == [])
        #expect(rouge.tokenize("  Hello,\n\nWORLD 42!\t") == ["hello", "world", "42"])
    }

    @Test func stemmingTokenizerStemsOnlyTokensLongerThanThreeCharacters() {
        let rouge = ROUGE(useStemmer: true)
        #expect(rouge.tokenize("The dies ties flies running ran runs") == ["the", "die", "tie", "fli", "run", "ran", "run"])
    }

    @Test func unicodeTokenizerKeepsLettersOfEveryScript() {
        let rouge = ROUGE(tokenizer: .unicode)
        #expect(rouge.tokenize("Kann nicht geöffnet werden") == ["kann", "nicht", "geöffnet", "werden"])
        #expect(rouge.tokenize("无法打开文件") == ["无", "法", "打", "开", "文", "件"])
        #expect(rouge.tokenize("ファイルを開けません。") == ["フ", "ァ", "イ", "ル", "を", "開", "け", "ま", "せ", "ん"])
        #expect(rouge.tokenize("한국어 텍스트") == ["한", "국", "어", "텍", "스", "트"])
        #expect(rouge.tokenize("ΟΔΟΣ ΚΑΛΗ") == ["οδος", "καλη"])
        // Latin letters next to CJK start a new token; a combining mark stays with its letter.
        #expect(rouge.tokenize("USB接続 cafe\u{301}") == ["usb", "接", "続", "cafe\u{301}"])
        #expect(rouge.tokenize("\u{301}abc") == ["abc"])
        #expect(rouge.tokenize("x²=1,5 km") == ["x²", "1", "5", "km"])
    }

    @Test func unicodeTokenizerStemsOnlyPureASCIITokens() {
        let rouge = ROUGE(useStemmer: true, tokenizer: .unicode)
        #expect(rouge.tokenize("Running für cafés connections") == ["run", "für", "cafés", "connect"])
    }

    @Test func unicodeTokenizerScoresNonEnglishTextWhereRougeScoreGivesZero() {
        let pairs: [(target: String, prediction: String)] = [
            ("无法打开文件", "不能打开文件"),
            ("ファイルを開けません", "ファイルが開けません"),
            ("파일을 열 수 없습니다", "파일을 열지 못했습니다"),
            ("не удалось открыть файл", "не могу открыть файл"),
            ("αδύνατο άνοιγμα αρχείου", "αδύνατο άνοιγμα"),
        ]
        for pair in pairs {
            let rougeScore = ROUGE().score(target: pair.target, prediction: pair.prediction)
            let unicode = ROUGE(tokenizer: .unicode).score(target: pair.target, prediction: pair.prediction)
            for type in ROUGE.RougeType.allCases {
                #expect(rougeScore[type]?.fmeasure == 0, "\(pair.target): rouge-score tokenizer \(type)")
                #expect((unicode[type]?.fmeasure ?? 0) > 0, "\(pair.target): unicode tokenizer \(type)")
            }
        }
        // 无法打开文件 vs 不能打开文件: 4 of 6 characters in common, in order.
        let zh = ROUGE(tokenizer: .unicode).score(target: "无法打开文件", prediction: "不能打开文件")
        #expect(zh[.rouge1] == PRF(precision: 4.0 / 6, recall: 4.0 / 6, fmeasure: 2 * (4.0 / 6) * (4.0 / 6) / (8.0 / 6)))
        #expect(zh[.rouge2]?.precision == 3.0 / 5)
        #expect(zh[.rougeL]?.recall == 4.0 / 6)
    }

    @Test func unicodeTokenizerKeepsGermanWordsWhole() {
        // German always keeps some ASCII fragments, so rouge-score rarely gives 0 there; instead the
        // fragments match words that differ only in their umlauts ("size" vs "greetings").
        let target = "Größe übergeben"
        let prediction = "Grüße geben"
        let rougeScore = ROUGE().score(target: target, prediction: prediction)
        let unicode = ROUGE(tokenizer: .unicode).score(target: target, prediction: prediction)
        // [gr, e, bergeben] vs [gr, e, geben], as rouge-score 0.1.2 scores it.
        #expect(rougeScore[.rouge1]?.fmeasure == 2.0 / 3)
        #expect(rougeScore[.rouge2]?.fmeasure == 0.5)
        #expect(unicode[.rouge1]?.fmeasure == 0)
        let same = ROUGE(tokenizer: .unicode).score(target: "Größe übergeben", prediction: "Größe ändern")
        #expect(same[.rouge1] == PRF(precision: 0.5, recall: 0.5, fmeasure: 0.5))
    }

    @Test func droppedCharacterShareCountsNonASCIILettersOnly() {
        #expect(ROUGE.droppedCharacterShare("") == 0)
        #expect(ROUGE.droppedCharacterShare("  \n") == 0)
        #expect(ROUGE.droppedCharacterShare("Hello, world! (42)") == 0)
        #expect(ROUGE.droppedCharacterShare("无法打开文件") == 1)
        #expect(ROUGE.droppedCharacterShare("无法，打开") == 0.8)
        #expect(ROUGE.droppedCharacterShare("Größe") == 0.4)
        // KELVIN SIGN and İ lowercase to ASCII, so the tokenizer keeps them.
        #expect(ROUGE.droppedCharacterShare("\u{212A}İ") == 0)
        #expect(ROUGE.droppedCharacterShare("a\u{A0}é") == 0.5)
    }

    @Test func summaryLevelLCSUsesNewlineSeparatedLinesOnly() {
        let rouge = ROUGE(types: [.rougeL, .rougeLsum])
        let target = "the cat sat\non the mat"
        let prediction = "on the mat\nthe cat sat"
        let scores = rouge.score(target: target, prediction: prediction)
        // Whole-text LCS is 3 of 6; line by line every token is recovered.
        #expect(scores[.rougeL] == PRF(precision: 0.5, recall: 0.5, fmeasure: 0.5))
        #expect(scores[.rougeLsum] == PRF(precision: 1, recall: 1, fmeasure: 1))
        // Empty lines and lines without tokens change nothing; empty sides score 0.
        #expect(rouge.score(target: target + "\n\n--\n", prediction: "\n" + prediction)[.rougeLsum] == scores[.rougeLsum])
        #expect(rouge.score(target: "", prediction: prediction)[.rougeLsum] == .zero)
        #expect(rouge.score(target: target, prediction: "!!!\n...")[.rougeL] == .zero)
    }

    @Test func severalTargetsPickTheBestFMeasurePerTypeFirstOnTies() {
        let rouge = ROUGE(useStemmer: true)
        let prediction = "the quick brown fox jumps over the lazy dog"
        let targets = ["a quick brown dog", "the fox jumps over a lazy dog", "the quick brown dog"]
        let each = targets.map { rouge.score(target: $0, prediction: prediction) }
        let multi = rouge.score(targets: targets, prediction: prediction)
        for type in ROUGE.RougeType.allCases {
            var best = 0
            for k in 1..<targets.count where each[k][type]!.fmeasure > each[best][type]!.fmeasure { best = k }
            #expect(multi[type] == each[best][type], "\(type)")
        }
        #expect(rouge.score(targets: [], prediction: prediction)[.rouge1] == .zero)
        let tie = rouge.score(targets: ["fox dog", "dog fox"], prediction: "fox dog")
        #expect(tie[.rouge2]?.fmeasure == 1)
    }

    @Test func segmentStatisticsHoldCountThenPRFPerTypeInOrder() {
        let rouge = ROUGE(types: [.rougeL, .rouge1])
        #expect(rouge.statisticsWidth == 7)
        let row = rouge.sentenceScore(hypothesis: "a b c d", references: ["a c x"])
        #expect(row.count == 1)
        #expect(row.types == [.rougeL, .rouge1])
        #expect(row.means[.rougeL] == PRF(precision: 0.5, recall: 2.0 / 3, fmeasure: 2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3)))
        #expect(rouge.headline(row) == row.means[.rougeL]!.fmeasure)
        let empty = rouge.score(totals: [0, 0, 0, 0, 0, 0, 0])
        #expect(empty.count == 0 && empty.means[.rouge1] == .zero)
    }

    @Test func statisticsDoNotDependOnThreadCount() {
        let hypotheses = (0..<600).map { "prediction number \($0) with words like running and connections \($0 % 7)" }
        let references = (0..<600).map { ["reference \($0 % 11) running connection words\nsecond line \($0)"] }
        let rouge = ROUGE(useStemmer: true)
        let one = rouge.statistics(hypotheses: hypotheses, references: references, options: ScoringOptions(threads: 1))
        let two = rouge.statistics(hypotheses: hypotheses, references: references, options: ScoringOptions(threads: 2, parallelThreshold: 1))
        #expect(one.values == two.values)
    }

    @Test func signatureNamesReferencesTokenizerStemmingAndLsumSplitting() {
        #expect(ROUGE(useStemmer: true).signature(referenceCount: 1)
            == "nrefs:1|tok:rouge-score|stem:yes|lsum:newline|version:\(Yardstick.signatureVersion)")
        #expect(ROUGE(tokenizer: .unicode).signature(referenceCount: 2)
            == "nrefs:2|tok:unicode|stem:no|lsum:newline|version:\(Yardstick.signatureVersion)")
    }
}
