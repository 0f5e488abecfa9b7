import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickStore

@Suite struct RunFilterParsingTests {
    func parse(_ text: String) throws -> FilterExpression? { try RunFilter(parsing: text).expression }

    let lr = FilterExpression.compare(.param("lr"), .greater, .number(0.1, text: "0.1"))
    let bleu = FilterExpression.compare(.metric("bleu"), .greaterOrEqual, .number(30, text: "30"))
    let stage = FilterExpression.compare(.tag("stage"), .equal, .string("final"))

    @Test func andBindsTighterThanOr() throws {
        #expect(try parse("params.lr > 0.1 or metrics.bleu >= 30 and tags.stage = 'final'") == .or(lr, .and(bleu, stage)))
        #expect(try parse("params.lr > 0.1 and metrics.bleu >= 30 or tags.stage = 'final'") == .or(.and(lr, bleu), stage))
    }

    @Test func parenthesesOverridePrecedence() throws {
        #expect(try parse("(params.lr > 0.1 or metrics.bleu >= 30) and tags.stage = 'final'") == .and(.or(lr, bleu), stage))
        #expect(try parse("((params.lr > 0.1))") == lr)
    }

    @Test func notBindsTighterThanAndAndChains() throws {
        #expect(try parse("not params.lr > 0.1 and metrics.bleu >= 30") == .and(.not(lr), bleu))
        #expect(try parse("NOT NOT (params.lr > 0.1)") == .not(.not(lr)))
    }

    @Test func keywordsAreCaseInsensitiveAndOperatorsHaveAliases() throws {
        #expect(try parse("params.lr > 0.1 AND metrics.bleu >= 30 Or tags.stage = 'final'") == .or(.and(lr, bleu), stage))
        #expect(try parse("tags.stage == \"final\"") == stage)
        #expect(try parse("status <> 'failed'") == .compare(.attribute(.status), .notEqual, .string("failed")))
        #expect(try parse("status != 'failed'") == .compare(.attribute(.status), .notEqual, .string("failed")))
        for (op, comparison) in [("<", FilterComparison.less), ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual), ("=", .equal)] {
            #expect(try parse("metrics.x \(op) -1.5e-3") == .compare(.metric("x"), comparison, .number(-1.5e-3, text: "-1.5e-3")), "operator \(op)")
        }
    }

    @Test func fieldsAcceptPrefixesAttributesAndQuotedKeys() throws {
        #expect(try parse("metrics.`eval/loss` < 2") == .compare(.metric("eval/loss"), .less, .number(2, text: "2")))
        #expect(try parse("metrics.eval/loss < 2") == .compare(.metric("eval/loss"), .less, .number(2, text: "2")))
        #expect(try parse("params.\"my key\" = 'x'") == .compare(.param("my key"), .equal, .string("x")))
        #expect(try parse("params.`a``b` = 'x'") == .compare(.param("a`b"), .equal, .string("x")))
        #expect(try parse("param.lr > 0.1") == lr)
        #expect(try parse("attributes.status = 'x'") == .compare(.attribute(.status), .equal, .string("x")))
        #expect(try parse("attributes.run_name = 'x'") == .compare(.attribute(.name), .equal, .string("x")))
        #expect(try parse("job_id = 'ftjob-1'") == .compare(.attribute(.jobID), .equal, .string("ftjob-1")))
        #expect(try parse("created >= '2024-05'") == .compare(.attribute(.created), .greaterOrEqual, .string("2024-05")))
        #expect(try parse("tags.note = 'it''s'") == .compare(.tag("note"), .equal, .string("it's")))
    }

    @Test func likeInAndNullForms() throws {
        #expect(try parse("name LIKE 'gpt-%'") == .like(.attribute(.name), pattern: "gpt-%", caseSensitive: true, negated: false))
        #expect(try parse("name not ilike '%Mini%'") == .like(.attribute(.name), pattern: "%Mini%", caseSensitive: false, negated: true))
        #expect(try parse("status IN ('a', \"b\", 3)") == .inList(.attribute(.status), [.string("a"), .string("b"), .number(3, text: "3")], negated: false))
        #expect(try parse("params.n NOT IN (1,2)") == .inList(.param("n"), [.number(1, text: "1"), .number(2, text: "2")], negated: true))
        #expect(try parse("metrics.bleu IS NULL") == .isNull(.metric("bleu"), negated: false))
        #expect(try parse("tags.x is not null") == .isNull(.tag("x"), negated: true))
    }

    @Test func blankFilterMatchesEverything() throws {
        #expect(try parse("") == nil)
        #expect(try parse("   ") == nil)
    }

    /// Every malformed filter names the 1-based column of the mistake and what was expected.
    @Test func errorsReportTheColumnAndWhatWasExpected() throws {
        let cases: [(String, String, Int)] = [
            ("params.learning_rate >= 0.1 and metrics.bleu >=", "expected a value after '>='", 48),
            ("params.lr >= and x", "expected a value after '>='", 14),
            ("params.lr 0.1", "expected an operator", 11),
            ("(params.lr > 1", "expected ')' to close the '(' at column 1", 15),
            ("params.lr > 1)", "unmatched ')'", 14),
            ("params.lr > 1 metrics.x > 2", "expected 'and', 'or' or the end of the filter", 15),
            ("foo = 1", "unknown field 'foo'", 1),
            ("status = 1 and bogus.x = 2", "unknown field 'bogus.x'", 16),
            ("params. = 1", "expected a key name after 'params.'", 8),
            ("name = 'abc", "unterminated string", 8),
            ("metrics.`x < 1", "unterminated backquoted name", 9),
            ("status IN 'a'", "expected '(' after 'IN'", 11),
            ("status IN ('a' 'b')", "expected ',' or ')' in the IN list", 16),
            ("status IN ()", "expected a value after '('", 12),
            ("name LIKE 5", "expected a quoted pattern after 'LIKE'", 11),
            ("metrics.bleu LIKE '3%'", "LIKE needs a text field", 14),
            ("metrics.bleu > 'high'", "metrics.bleu is a number", 16),
            ("status IS 'x'", "expected NULL after 'status IS'", 11),
            ("name NOT = 'x'", "expected LIKE, ILIKE or IN after 'name NOT'", 10),
            ("and", "expected a field", 1),
            ("status = 'a' and", "expected a field", 17),
            ("status ! 'a'", "unexpected character '!'", 8),
            ("params.x > 7b", "malformed number '7b'", 12),
        ]
        for (text, message, column) in cases {
            do {
                _ = try RunFilter(parsing: text)
                Issue.record("\(text): parsed, expected an error")
            } catch let error as FilterError {
                #expect(error.message.hasPrefix(message), "\(text): message '\(error.message)' should start with '\(message)'")
                #expect(error.column == column, "\(text): column \(error.column), expected \(column) (\(error))")
            }
        }
    }

    @Test func errorDescriptionReadsLikeTheCommandLineMessage() throws {
        let text = "params.learning_rate >= 0.1 and metrics.bleu >="
        #expect(throws: FilterError(message: "expected a value after '>='", column: 48, found: "the end of the filter")) {
            try RunFilter(parsing: text)
        }
        do { _ = try RunFilter(parsing: "metrics.x >= and") } catch let error as FilterError {
            #expect(error.description == "expected a value after '>=' at column 14 (found 'and')")
        }
    }

    @Test func sortParsesKeyAndDirection() throws {
        #expect(try RunSort(parsing: "metrics.bleu desc") == RunSort(field: .metric("bleu"), descending: true))
        #expect(try RunSort(parsing: "params.lr ASC") == RunSort(field: .param("lr"), descending: false))
        #expect(try RunSort(parsing: "created") == RunSort(field: .attribute(.created), descending: false))
        #expect(throws: FilterError(message: "expected 'asc' or 'desc' after the sort key", column: 14, found: "'down'")) {
            try RunSort(parsing: "metrics.bleu down")
        }
    }
}

@Suite struct RunFilterEvaluationTests {
    /// Five runs covering numeric/string params, histories vs evaluations, tags and attributes.
    func makeStore(_ folder: TemporaryFolder, _ backend: Backend) throws -> Store {
        let store = try folder.store(backend)
        func run(_ name: String, experiment: String = "sweep", status: String = "finished", params: [(String, ParamValue)],
                 tags: [(String, String)] = [], metrics: [(String, Double)] = [], scores: [(String, Double)] = [],
                 job: String? = nil, created: Double) throws {
            let r = try store.createRun(experiment: experiment, name: name, params: params.map { ($0.0, $0.1) },
                                        tags: tags.map { ($0.0, $0.1) }, jobID: job, baseModel: "gpt-4o-mini",
                                        status: status, createdAt: Date(timeIntervalSince1970: created))
            var points: [MetricPoint] = []
            for (key, final) in metrics {
                points.append(MetricPoint(key: key, step: 1, value: final + 10))
                points.append(MetricPoint(key: key, step: 2, value: final))
            }
            try store.logMetrics(run: r.id, points)
            if !scores.isEmpty { try store.recordScores(run: r.id, scores) }
        }
        try run("a", params: [("lr", .double(0.001)), ("epochs", .int(3)), ("optimizer", .string("adam"))],
                tags: [("stage", "final")], metrics: [("loss", 0.5), ("eval/loss", 0.7)], scores: [("bleu", 31)], job: "ftjob-a", created: 1_714_521_600) // 2024-05-01
        try run("b", params: [("lr", .double(0.01)), ("epochs", .int(10)), ("optimizer", .string("sgd"))],
                metrics: [("loss", 0.2), ("bleu", 12)], scores: [], created: 1_717_200_000) // 2024-06-01
        try run("c", status: "failed", params: [("lr", .string("auto")), ("epochs", .int(2))],
                tags: [("stage", "draft")], metrics: [("loss", 2.5)], created: 1_704_067_200) // 2024-01-01
        try run("gpt-Mini", params: [("lr", .double(0.0001))], tags: [("stage", "Final")], scores: [("bleu", 40)], created: 1_719_792_000) // 2024-07-01
        try run("other", experiment: "elsewhere", status: "running", params: [("epochs", .int(3))], created: 1_722_470_400)
        return store
    }

    @Test(arguments: Backend.available) func everyFilterSelectsTheExpectedRuns(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        let cases: [(String, [String])] = [
            ("params.lr < 0.005", ["a", "gpt-Mini"]),
            ("params.lr < '0.005'", ["a", "gpt-Mini"]),
            ("params.lr = 'auto'", ["c"]),
            ("params.epochs >= 3", ["a", "b", "other"]),
            ("params.epochs > 9", ["b"]),
            ("params.epochs = 3.0", ["a", "other"]),
            ("params.optimizer != 'adam'", ["b"]),
            ("not params.optimizer = 'adam'", ["b", "c", "gpt-Mini", "other"]),
            ("params.optimizer IS NULL", ["c", "gpt-Mini", "other"]),
            ("metrics.loss < 1", ["a", "b"]),
            ("metrics.bleu > 30", ["a", "gpt-Mini"]),
            ("metrics.bleu < 20", ["b"]),
            ("metrics.`eval/loss` = 0.7", ["a"]),
            ("metrics.bleu IS NULL", ["c", "other"]),
            ("tags.stage = 'final'", ["a"]),
            ("tags.stage LIKE 'F%'", ["gpt-Mini"]),
            ("tags.stage ILIKE 'f%'", ["a", "gpt-Mini"]),
            ("tags.stage NOT LIKE 'f%'", ["c", "gpt-Mini"]),
            ("name LIKE 'gpt-_ini'", ["gpt-Mini"]),
            ("name LIKE '%i%'", ["gpt-Mini"]),
            ("name ILIKE '%MINI'", ["gpt-Mini"]),
            ("status IN ('failed', 'running')", ["c", "other"]),
            ("status NOT IN ('failed', 'running')", ["a", "b", "gpt-Mini"]),
            ("params.epochs IN (2, 10)", ["b", "c"]),
            ("params.epochs NOT IN (2, 10)", ["a", "other"]),
            ("experiment = 'elsewhere'", ["other"]),
            ("job_id = 'ftjob-a'", ["a"]),
            ("job_id IS NOT NULL", ["a"]),
            ("base_model = 'gpt-4o-mini'", ["a", "b", "c", "gpt-Mini", "other"]),
            ("created >= '2024-06'", ["b", "gpt-Mini", "other"]),
            ("created < 1714521601", ["a", "c"]),
            ("params.lr < 0.005 or tags.stage = 'draft'", ["a", "c", "gpt-Mini"]),
            ("(params.lr < 0.005 or tags.stage = 'draft') and metrics.bleu > 35", ["gpt-Mini"]),
            ("params.lr < 0.005 or tags.stage = 'draft' and metrics.bleu > 35", ["a", "gpt-Mini"]),
            ("not (status = 'finished' or status = 'failed')", ["other"]),
            ("params.missing = 1 or not params.missing = 1", ["a", "b", "c", "gpt-Mini", "other"]),
            ("params.missing != 1", []),
        ]
        for (filter, expected) in cases {
            let got = try store.listRuns(where: filter).map(\.run.name).sorted()
            #expect(got == expected.sorted(), "\(filter): got \(got), expected \(expected)")
        }
    }

    @Test(arguments: Backend.available) func dialectSensitiveMatchingAndOrderingAreTheSameOnBothBackends(_ backend: Backend) throws {
        // What SQLite and PostgreSQL do differently by default: LIKE's case and escape character, ILIKE beyond ASCII,
        // text order (byte order, not the server's locale), params of mixed types, NULLs when sorting.
        let folder = try TemporaryFolder()
        let store = try folder.store(backend)
        let runs: [(String, ParamValue?)] = [("Zed", .double(2)), ("alpha", .string("auto")), ("Étoile", .int(10)),
                                             ("b\\c", .double(0.5)), ("a_b", nil), ("aXb", .string("Auto"))]
        for (name, lr) in runs {
            try store.createRun(experiment: "e", name: name, params: lr.map { [("lr", $0)] } ?? [])
        }
        func names(_ filter: String) throws -> [String] { try store.listRuns(where: filter).map(\.run.name).sorted() }
        #expect(try names("name LIKE 'z%'") == [])
        #expect(try names("name ILIKE 'z%'") == ["Zed"])
        #expect(try names("name ILIKE 'étoile'") == [], "only ASCII letters fold, as in SQLite")
        #expect(try names("name ILIKE 'Étoile'") == ["Étoile"])
        #expect(try names("name LIKE 'b\\c'") == ["b\\c"], "a backslash is an ordinary character")
        #expect(try names("name LIKE 'a_b'") == ["aXb", "a_b"])
        #expect(try names("params.lr = 'auto'") == ["alpha"], "text compares case-sensitively")
        #expect(try names("params.lr > 1") == ["Zed", "aXb", "alpha", "Étoile"], "numbers as numbers, text params as text: 'auto' > '1'")
        #expect(try store.listRuns(experiment: "e", sort: "name").map(\.run.name) == ["Zed", "aXb", "a_b", "alpha", "b\\c", "Étoile"],
                "byte order: uppercase before lowercase, non-ASCII last")
        #expect(try store.listRuns(experiment: "e", sort: "params.lr").map(\.run.name) == ["b\\c", "Zed", "Étoile", "aXb", "alpha", "a_b"],
                "numbers first in numeric order, then text in byte order, then runs without the param")
        #expect(try store.listRuns(experiment: "e", sort: "params.lr desc").map(\.run.name) == ["alpha", "aXb", "Étoile", "Zed", "b\\c", "a_b"])
    }

    @Test(arguments: Backend.available) func userTextNeverReachesTheSQL(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        let hostile = "name = 'x''); DROP TABLE runs; --' or tags.`a'; DELETE FROM runs; --` = 'y'"
        #expect(try store.listRuns(where: hostile).isEmpty)
        #expect(try store.count("runs") == 5)
    }

    @Test(arguments: Backend.available) func sortAndLimitOrderRunsAndPutMissingValuesLast(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(try store.listRuns(sort: "metrics.bleu desc").map(\.run.name) == ["gpt-Mini", "a", "b", "other", "c"])
        #expect(try store.listRuns(sort: "metrics.bleu asc").map(\.run.name) == ["b", "a", "gpt-Mini", "other", "c"])
        #expect(try store.listRuns(sort: "params.epochs desc", limit: 2).map(\.run.name) == ["b", "other"])
        #expect(try store.listRuns(experiment: "sweep", sort: "name").map(\.run.name) == ["a", "b", "c", "gpt-Mini"])
        #expect(try store.listRuns().map(\.run.name) == ["other", "gpt-Mini", "b", "a", "c"], "newest first by default")
        #expect(try store.listRuns(where: "params.epochs >= 3", sort: "created desc", limit: 1).map(\.run.name) == ["other"])
    }
}
