import Foundation
import Testing
import YardstickRunner
import YardstickStore
import YardstickTestSupport

@Suite struct HeldOutSetTests {
    func read(_ text: String, path: String = "set.jsonl", _ options: HeldOutSet.Options = .init()) throws -> HeldOutSet {
        try HeldOutSet.read(data: Data(text.utf8), path: path, options: options)
    }

    @Test func promptCompletionRowsGiveRequestAndReferenceWithIdsOrLineNumbers() throws {
        let set = try read("""
            {"prompt": "2+2 ->", "completion": " 4"}

            {"id": "q7", "completion": "9", "prompt": "3*3 ->"}
            """)
        #expect(set.format == .promptCompletion)
        #expect(set.examples.map(\.id) == ["1", "q7"])
        #expect(set.examples.map(\.line) == [1, 3])
        #expect(set.examples[0].prompt == "2+2 ->" && set.examples[0].references == [" 4"])
    }

    @Test func chatRowsUseTheLastAssistantMessageAsTheReference() throws {
        let set = try read("""
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris"}]}
            """)
        #expect(set.format == .chat)
        #expect(set.examples[0].messages?.map(\.role) == ["system", "user"])
        #expect(set.examples[0].references == ["Paris"])
        #expect(set.examples[0].inputText == "system: Be brief.\nuser: Capital of France?")
    }

    @Test func anyFieldsWithNumbersAndReferenceArrays() throws {
        let set = try read("""
            {"q": "how many?", "gold": 3}
            {"q": "which?", "gold": ["a", "b"]}
            """, HeldOutSet.Options(inputField: "q", referenceField: "gold"))
        #expect(set.format == .fields)
        #expect(set.examples.map(\.references) == [["3"], ["a", "b"]])
    }

    @Test func csvAndTsvWithAHeaderAndQuotedLineBreaks() throws {
        let csv = try read("id,text,label\nr1,\"two\nlines, quoted\",pos\nr2,plain,neg\n", path: "set.csv")
        #expect(csv.format == .csv)
        #expect(csv.examples.map(\.id) == ["r1", "r2"] && csv.examples.map(\.line) == [2, 4])
        #expect(csv.examples[0].prompt == "two\nlines, quoted" && csv.examples[0].references == ["pos"])
        let tsv = try read("input\treference\nhello\tbonjour\n", path: "set.tsv")
        #expect(tsv.examples[0].prompt == "hello" && tsv.examples[0].references == ["bonjour"])
    }

    @Test func everyErrorNamesTheFileAndLine() throws {
        #expect(throws: HeldOutError(file: "bad.jsonl", line: 2, message: "invalid JSON")) {
            try read("{\"prompt\": \"a\", \"completion\": \"b\"}\n{oops\n", path: "bad.jsonl")
        }
        #expect(throws: HeldOutError(file: "bad.jsonl", line: 2, message: "field 'completion' must be a string, a number or a non-empty array of strings")) {
            try read("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"c\", \"completion\": null}\n", path: "bad.jsonl")
        }
        #expect(throws: HeldOutError(file: "bad.jsonl", line: 2, message: "duplicate id 'x' (first on line 1)")) {
            try read("{\"id\": \"x\", \"prompt\": \"a\", \"completion\": \"b\"}\n{\"id\": \"x\", \"prompt\": \"c\", \"completion\": \"d\"}\n", path: "bad.jsonl")
        }
        #expect(throws: HeldOutError(file: "bad.csv", line: 3, message: "row has 2 fields, the header has 3")) {
            try read("id,text,label\n1,a,b\n2,c\n", path: "bad.csv")
        }
    }

    @Test func theSameExamplesInJSONLinesAndCSVAreTheSameDataset() throws {
        let jsonl = try read("{\"text\": \"a b\", \"label\": \"x\"}\r\n{\"label\": \"y\", \"text\": \"c\"}\r\n",
                             HeldOutSet.Options(inputField: "text", referenceField: "label"))
        let csv = try read("text,label\na b,x\nc,y\n", path: "same.csv")
        #expect(jsonl.content.contentSHA256 == csv.content.contentSHA256)
        let other = try read("text,label\na b,x\nc,z\n", path: "other.csv")
        #expect(other.content.contentSHA256 != csv.content.contentSHA256)
    }
}

@Suite struct SplitAndCheckTests {
    func sections() throws -> HeldOutSet {
        try HeldOutSet.read(path: Fixtures.url("metrics/classification/sections.jsonl").path,
                            options: HeldOutSet.Options(inputField: "text", referenceField: "label"))
    }

    @Test func splitsAreDeterministicDisjointAndCoverTheSet() throws {
        let set = try sections()
        let parts = DatasetSplit.split(set.examples, fractions: [("train", 0.8), ("valid", 0.1), ("test", 0.1)], seed: 42)
        #expect(parts.map { $0.indices.count } == [1503, 188, 188])
        #expect(Set(parts.flatMap(\.indices)).count == set.examples.count)
        let again = DatasetSplit.split(set.examples, fractions: [("train", 0.8), ("valid", 0.1), ("test", 0.1)], seed: 42)
        #expect(again == parts)
        let other = DatasetSplit.split(set.examples, fractions: [("train", 0.8), ("valid", 0.1), ("test", 0.1)], seed: 7)
        #expect(other[2].indices != parts[2].indices)
    }

    @Test func stratifiedSplitsKeepEachLabelsShare() throws {
        let set = try sections()
        let parts = DatasetSplit.split(set.examples, fractions: [("train", 0.8), ("test", 0.2)], seed: 42, stratify: "label")
        var byLabel: [String: [Int]] = [:]
        for (p, part) in parts.enumerated() {
            for i in part.indices { byLabel[set.examples[i].fields["label"]!, default: [0, 0]][p] += 1 }
        }
        for (label, counts) in byLabel {
            let total = counts[0] + counts[1]
            #expect(abs(Double(counts[1]) - 0.2 * Double(total)) <= 1, "\(label): \(counts)")
        }
    }

    @Test func checkFindsPlantedLeaksEmptyFieldsAndDuplicates() throws {
        let set = try sections()
        let parts = DatasetSplit.split(set.examples, fractions: [("train", 0.9), ("test", 0.1)], seed: 1)
        var train = HeldOutSet(path: "train", format: .fields, examples: parts[0].indices.map { set.examples[$0] })
        let test = HeldOutSet(path: "test", format: .fields, examples: parts[1].indices.map { set.examples[$0] })
        let cleanLeaks = DatasetCheck(set: test, problems: [], training: train).exactLeaks.count
        // Plant two test examples in the training data: one verbatim, one with different case and punctuation.
        var planted = test.examples[0]
        planted.prompt = planted.prompt!.uppercased() + "!"
        train.examples += [test.examples[5], planted]
        let check = DatasetCheck(set: test, problems: [], training: train)
        #expect(check.exactLeaks.count == cleanLeaks + 2)
        #expect(check.exactLeaks.contains { $0.line == test.examples[5].line })
        #expect(check.exactLeaks.contains { $0.line == test.examples[0].line })
        #expect(check.failed)
        #expect(!check.labels.isEmpty && check.labels.map(\.count).reduce(0, +) == test.examples.count)

        let broken = HeldOutSet(path: "b", format: .fields, examples: [
            HeldOutExample(id: "1", line: 1, prompt: "a", references: ["x"]),
            HeldOutExample(id: "2", line: 2, prompt: " ", references: ["y"]),
            HeldOutExample(id: "3", line: 3, prompt: "a", references: ["x"]),
            HeldOutExample(id: "4", line: 4, prompt: "A.", references: ["z"]),
        ])
        let result = DatasetCheck(set: broken, problems: [])
        #expect(result.errors.map(\.line) == [2])
        #expect(result.duplicates.map(\.line) == [3] && result.conflicts.map(\.line) == [4])
    }

    @Test func nearDuplicatesShowTheirOverlap() throws {
        let training = HeldOutSet(path: "t", format: .fields, examples: [
            HeldOutExample(id: "1", line: 1, prompt: "the quick brown fox jumps over the lazy dog near the river bank", references: ["a"]),
        ])
        let test = HeldOutSet(path: "h", format: .fields, examples: [
            HeldOutExample(id: "1", line: 1, prompt: "the quick brown fox jumps over the lazy dog near the river", references: ["a"]),
            HeldOutExample(id: "2", line: 2, prompt: "an entirely different sentence about compilers and parsers", references: ["b"]),
        ])
        let check = DatasetCheck(set: test, problems: [], training: training, nearThreshold: 0.8, ngram: 5)
        #expect(check.exactLeaks.isEmpty)
        #expect(check.nearLeaks.map(\.line) == [1] && check.nearLeaks[0].overlap == 1)
        #expect(!check.failed, "near-duplicates are reported, not fatal")
    }
}

@Suite struct CacheKeyTests {
    @Test func theKeyChangesWithEverySettingAndNeverWithTheAPIKey() throws {
        let example = HeldOutExample(id: "1", line: 1, prompt: "Hello", references: ["x"])
        func key(model: String = "m", base: String = "http://127.0.0.1:1/v1", key: String? = "k1",
                 _ change: (inout GenerationSettings) -> Void = { _ in }) -> String {
            var settings = GenerationSettings()
            change(&settings)
            let provider = OpenAIProvider(model: model, baseURL: URL(string: base)!, apiKey: key)
            return EvaluationRunner(provider: provider, settings: settings, options: RunnerOptions()).cacheKey(example)
        }
        let base = key()
        #expect(key(key: "another-key") == base && key(key: nil) == base, "the API key is not part of the key")
        let changed = [
            key(model: "m2"), key(base: "http://127.0.0.1:2/v1"), key { $0.temperature = 0 }, key { $0.maxTokens = 5 },
            key { $0.stop = ["\n"] }, key { $0.system = "Be brief." }, key { $0.promptTemplate = "{prompt} ->" },
            key { $0.endpoint = .completions },
        ]
        #expect(Set(changed + [base]).count == changed.count + 1)
        let runner = EvaluationRunner(provider: OpenAIProvider(model: "m", baseURL: URL(string: "http://h/v1")!, apiKey: "secret-key"),
                                      settings: GenerationSettings(), options: RunnerOptions())
        #expect(!runner.cacheParts(example).serialized().contains("secret-key"))
    }
}
