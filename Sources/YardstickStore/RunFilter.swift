import Foundation

/// A `--where` or `--sort` text the store could not understand, with the 1-based column of the problem.
public struct FilterError: Error, Equatable, CustomStringConvertible {
    /// What was wrong or expected, e.g. `expected a value after '>='`.
    public var message: String
    /// 1-based column (in characters) where the problem starts; one past the end for a missing piece.
    public var column: Int
    /// What stood where something else was expected (`'and'`, `the end of the filter`), when that helps.
    public var found: String?

    /// Creates an error at a 1-based column.
    public init(message: String, column: Int, found: String? = nil) {
        self.message = message
        self.column = column
        self.found = found
    }

    /// `expected a value after '>=' at column 31 (found the end of the filter)`.
    public var description: String {
        "\(message) at column \(column)" + (found.map { " (found \($0))" } ?? "")
    }
}

/// A run attribute usable in filters and sorting.
public enum RunAttribute: String, Sendable, CaseIterable {
    case id, name, status, provider, experiment, created, started, ended, notes
    case jobID = "job_id"
    case baseModel = "base_model"
    case fineTunedModel = "fine_tuned_model"

    /// Other spellings accepted (MLflow's `run_id`, `run_name`, `start_time`, …).
    static let aliases: [String: RunAttribute] = [
        "run_id": .id, "run_name": .name, "created_at": .created, "creation_time": .created,
        "start_time": .started, "started_at": .started, "end_time": .ended, "ended_at": .ended,
        "job": .jobID, "jobid": .jobID, "model": .baseModel,
    ]

    /// The attribute a (case-insensitive) name refers to.
    public init?(named name: String) {
        let lower = name.lowercased()
        if let exact = RunAttribute(rawValue: lower) { self = exact }
        else if let alias = RunAttribute.aliases[lower] { self = alias }
        else { return nil }
    }

    var column: String {
        switch self {
        case .id: return "r.id"
        case .name: return "r.name"
        case .status: return "r.status"
        case .provider: return "r.provider"
        case .experiment: return "e.name"
        case .created: return "r.created_at"
        case .started: return "r.started_at"
        case .ended: return "r.ended_at"
        case .notes: return "r.notes"
        case .jobID: return "r.job_id"
        case .baseModel: return "r.base_model"
        case .fineTunedModel: return "r.fine_tuned_model"
        }
    }

    var isTime: Bool { self == .created || self == .started || self == .ended }
}

/// Something a filter condition or a sort looks at.
public enum FilterField: Sendable, Hashable, CustomStringConvertible {
    /// `params.X`: numbers compare numerically when the param is an int or float, text otherwise.
    case param(String)
    /// `metrics.X`: the evaluation score named X when the run has one, else the final value of history X.
    case metric(String)
    /// `tags.X`: text.
    case tag(String)
    /// A run attribute (`name`, `status`, `created`, …).
    case attribute(RunAttribute)

    /// The field as the filter language spells it (`params.lr`, ``metrics.`eval/loss` ``, `status`).
    public var description: String {
        switch self {
        case let .param(key): return "params.\(FilterField.quoted(key))"
        case let .metric(key): return "metrics.\(FilterField.quoted(key))"
        case let .tag(key): return "tags.\(FilterField.quoted(key))"
        case let .attribute(attribute): return attribute.rawValue
        }
    }

    private static func quoted(_ key: String) -> String {
        key.unicodeScalars.allSatisfy(FilterLexer.isNameScalar) ? key : "`" + key.replacingOccurrences(of: "`", with: "``") + "`"
    }
}

/// A literal in a filter.
public enum FilterValue: Sendable, Equatable {
    case string(String)
    /// A number, with its spelling (used when the field holds text).
    case number(Double, text: String)

    /// The literal as text.
    public var text: String {
        switch self {
        case let .string(s): return s
        case let .number(_, text): return text
        }
    }

    /// The literal as a number: a number, or a string that reads as a finite number (`'0.001'`).
    public var numeric: Double? {
        switch self {
        case let .number(value, _): return value
        case let .string(s):
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.allSatisfy({ "0123456789+-.eE".contains($0) }),
                  let value = Double(trimmed), value.isFinite else { return nil }
            return value
        }
    }
}

/// Comparison operators (`==` and `<>` are read as `=` and `!=`).
public enum FilterComparison: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// A parsed `--where` expression.
///
/// Conditions are two-valued: a comparison, `LIKE` or `IN` on a field the run does not have is false
/// (so `params.x != 1` and `params.x NOT IN (1)` also need `x` to exist), and `not` negates that.
/// `IS NULL` tests for a missing field.
public indirect enum FilterExpression: Sendable, Equatable {
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)
    case compare(FilterField, FilterComparison, FilterValue)
    /// `LIKE` (case-sensitive) or `ILIKE` (ASCII case-insensitive); `%` matches any run of characters, `_` one.
    case like(FilterField, pattern: String, caseSensitive: Bool, negated: Bool)
    case inList(FilterField, [FilterValue], negated: Bool)
    case isNull(FilterField, negated: Bool)
}

/// The `--where` language: MLflow's `search_runs` filter plus `or`, `not` and parentheses.
///
/// ```
/// params.learning_rate >= 1e-4 and (metrics.bleu > 30 or tags.stage = 'final')
/// not status IN ('failed', 'killed') and metrics.`eval/loss` IS NOT NULL
/// name LIKE 'gpt-%' and created >= '2024-05-01'
/// ```
/// Fields: `params.X`, `metrics.X`, `tags.X` (singular prefixes work too), `attributes.X` or a bare
/// attribute (`id`, `name`, `status`, `provider`, `job_id`, `base_model`, `fine_tuned_model`, `experiment`,
/// `created`, `started`, `ended`, `notes`); keys with other characters go in backquotes or double quotes
/// after the prefix. Operators: `= == != <> < <= > >=`, `[NOT] LIKE`, `[NOT] ILIKE`, `[NOT] IN (…)`,
/// `IS [NOT] NULL`; `and` binds tighter than `or`, `not` tighter than both; keywords are
/// case-insensitive. Time attributes compare as ISO-8601 text with a string (`'2024-05'`) and as Unix
/// seconds with a number.
public struct RunFilter: Sendable, Equatable {
    /// The condition; nil matches every run.
    public var expression: FilterExpression?

    /// A filter from an already built expression.
    public init(_ expression: FilterExpression?) { self.expression = expression }

    /// Parses filter text; blank text matches every run.
    public init(parsing text: String) throws {
        var parser = try FilterParser(text)
        expression = try parser.parseFilter()
    }
}

/// A `--sort` order: a field and a direction (ascending unless `desc` follows). Runs without the field
/// come last either way.
public struct RunSort: Sendable, Equatable {
    /// What to sort by.
    public var field: FilterField
    /// Largest first when true.
    public var descending: Bool

    /// A sort on `field`.
    public init(field: FilterField, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    /// Parses `KEY [asc|desc]`, e.g. `metrics.bleu desc`.
    public init(parsing text: String) throws {
        var parser = try FilterParser(text)
        (field, descending) = try parser.parseSort()
    }
}

// MARK: - Lexer

struct FilterToken: Equatable {
    enum Kind: Equatable {
        case word(String)
        case quotedName(String)
        case string(String)
        case number(Double, String)
        case symbol(String)
        case end
    }
    var kind: Kind
    /// 0-based scalar offsets.
    var start: Int
    var end: Int
    /// The source text of the token, for messages.
    var text: String
}

enum FilterLexer {
    static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
        if s.properties.isAlphabetic { return true }
        switch s {
        case "0"..."9", "_", ".", "-", "/", ":", "@": return true
        default: return false
        }
    }

    static func tokenize(_ text: String) throws -> [FilterToken] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [FilterToken] = []
        var i = 0
        func source(_ a: Int, _ b: Int) -> String {
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[a..<b])
            return String(out)
        }
        func isDigit(_ index: Int) -> Bool { index < scalars.count && ("0"..."9").contains(scalars[index]) }
        while i < scalars.count {
            let c = scalars[i]
            if c.properties.isWhitespace { i += 1; continue }
            let start = i
            if c == "'" || c == "\"" || c == "`" {
                var value = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < scalars.count {
                    let d = scalars[i]
                    if d == c {
                        if i + 1 < scalars.count && scalars[i + 1] == c { value.append(c); i += 2; continue }
                        closed = true
                        i += 1
                        break
                    }
                    if d == "\\" && c != "`" && i + 1 < scalars.count && (scalars[i + 1] == c || scalars[i + 1] == "\\") {
                        value.append(scalars[i + 1])
                        i += 2
                        continue
                    }
                    value.append(d)
                    i += 1
                }
                guard closed else {
                    let what = c == "`" ? "backquoted name" : "string"
                    throw FilterError(message: "unterminated \(what) (missing closing \(c))", column: start + 1)
                }
                let kind: FilterToken.Kind = c == "`" ? .quotedName(String(value)) : .string(String(value))
                tokens.append(FilterToken(kind: kind, start: start, end: i, text: source(start, i)))
                continue
            }
            if isDigit(i) || ((c == "-" || c == "+" || c == ".") && (isDigit(i + 1) || (scalars.count > i + 2 && scalars[i + 1] == "." && isDigit(i + 2) && c != "."))) {
                if c == "-" || c == "+" { i += 1 }
                while isDigit(i) { i += 1 }
                if i < scalars.count && scalars[i] == "." { i += 1; while isDigit(i) { i += 1 } }
                if i < scalars.count && (scalars[i] == "e" || scalars[i] == "E") {
                    var j = i + 1
                    if j < scalars.count && (scalars[j] == "+" || scalars[j] == "-") { j += 1 }
                    if isDigit(j) { i = j; while isDigit(i) { i += 1 } }
                }
                var end = i
                while end < scalars.count && isNameScalar(scalars[end]) { end += 1 }
                let spelled = source(start, end)
                guard end == i, let value = Double(spelled) else {
                    throw FilterError(message: "malformed number '\(spelled)' (quote text values)", column: start + 1)
                }
                tokens.append(FilterToken(kind: .number(value, spelled), start: start, end: i, text: spelled))
                continue
            }
            if isNameScalar(c) {
                while i < scalars.count && isNameScalar(scalars[i]) { i += 1 }
                let word = source(start, i)
                tokens.append(FilterToken(kind: .word(word), start: start, end: i, text: word))
                continue
            }
            let two = i + 1 < scalars.count ? source(i, i + 2) : ""
            if ["==", "!=", "<>", "<=", ">="].contains(two) {
                i += 2
                tokens.append(FilterToken(kind: .symbol(two), start: start, end: i, text: two))
                continue
            }
            if ["=", "<", ">", "(", ")", ","].contains(String(c)) {
                i += 1
                tokens.append(FilterToken(kind: .symbol(String(c)), start: start, end: i, text: String(c)))
                continue
            }
            throw FilterError(message: "unexpected character '\(String(c))'", column: start + 1)
        }
        tokens.append(FilterToken(kind: .end, start: scalars.count, end: scalars.count, text: ""))
        return tokens
    }
}

// MARK: - Parser

struct FilterParser {
    let tokens: [FilterToken]
    var position = 0

    init(_ text: String) throws { tokens = try FilterLexer.tokenize(text) }

    var current: FilterToken { tokens[position] }
    var column: Int { current.start + 1 }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    func isKeyword(_ keyword: String, _ token: FilterToken? = nil) -> Bool {
        if case let .word(w) = (token ?? current).kind { return w.lowercased() == keyword }
        return false
    }

    func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    var isEnd: Bool { current.kind == .end }

    /// How the current token reads in a message.
    var found: String { isEnd ? "the end of the filter" : "'\(current.text)'" }

    mutating func parseFilter() throws -> FilterExpression? {
        if isEnd { return nil }
        let expression = try parseOr()
        guard isEnd else {
            if isSymbol(")") { throw FilterError(message: "unmatched ')'", column: column) }
            throw FilterError(message: "expected 'and', 'or' or the end of the filter", column: column, found: found)
        }
        return expression
    }

    mutating func parseSort() throws -> (FilterField, Bool) {
        guard !isEnd else { throw FilterError(message: "expected a sort key (params.X, metrics.X, tags.X or an attribute)", column: column) }
        let field = try parseField()
        var descending = false
        if isKeyword("desc") { descending = true; advance() }
        else if isKeyword("asc") { advance() }
        guard isEnd else { throw FilterError(message: "expected 'asc' or 'desc' after the sort key", column: column, found: found) }
        return (field, descending)
    }

    mutating func parseOr() throws -> FilterExpression {
        var left = try parseAnd()
        while isKeyword("or") {
            advance()
            left = .or(left, try parseAnd())
        }
        return left
    }

    mutating func parseAnd() throws -> FilterExpression {
        var left = try parseNot()
        while isKeyword("and") {
            advance()
            left = .and(left, try parseNot())
        }
        return left
    }

    mutating func parseNot() throws -> FilterExpression {
        if isKeyword("not") {
            advance()
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws -> FilterExpression {
        if isSymbol("(") {
            let open = column
            advance()
            let inner = try parseOr()
            guard isSymbol(")") else {
                throw FilterError(message: "expected ')' to close the '(' at column \(open)", column: column, found: found)
            }
            advance()
            return inner
        }
        return try parseCondition()
    }

    static let keywords: Set<String> = ["and", "or", "not", "like", "ilike", "in", "is", "null", "asc", "desc"]

    mutating func parseField() throws -> FilterField {
        let token = current
        guard case let .word(word) = token.kind, !FilterParser.keywords.contains(word.lowercased()) else {
            throw FilterError(message: "expected a field (params.X, metrics.X, tags.X or an attribute such as name or status)", column: column, found: found)
        }
        advance()
        guard let dot = word.firstIndex(of: ".") else {
            guard let attribute = RunAttribute(named: word) else { throw unknownField(word, token) }
            return .attribute(attribute)
        }
        let prefix = word[..<dot].lowercased()
        var key = String(word[word.index(after: dot)...])
        if key.isEmpty {
            // `params.` followed directly by a quoted name: params.`eval/loss` or params."my key".
            switch current.kind {
            case let .quotedName(name) where current.start == token.end, let .string(name) where current.start == token.end:
                key = name
                advance()
            default:
                throw FilterError(message: "expected a key name after '\(word)'", column: token.end + 1)
            }
        }
        guard !key.isEmpty else { throw FilterError(message: "empty key name after '\(word)'", column: token.end + 1) }
        switch prefix {
        case "params", "param": return .param(key)
        case "metrics", "metric": return .metric(key)
        case "tags", "tag": return .tag(key)
        case "attributes", "attribute", "attr", "run":
            guard let attribute = RunAttribute(named: key) else { throw unknownField(word, token) }
            return .attribute(attribute)
        default:
            throw unknownField(word, token)
        }
    }

    func unknownField(_ word: String, _ token: FilterToken) -> FilterError {
        let names = RunAttribute.allCases.map(\.rawValue).joined(separator: ", ")
        return FilterError(
            message: "unknown field '\(word)'; use params.KEY, metrics.KEY, tags.KEY or an attribute (\(names))",
            column: token.start + 1)
    }

    mutating func parseValue(after what: String) throws -> FilterValue {
        switch current.kind {
        case let .string(s): advance(); return .string(s)
        case let .number(n, text): advance(); return .number(n, text: text)
        default: throw FilterError(message: "expected a value after '\(what)'", column: column, found: found)
        }
    }

    /// Metrics hold numbers only, so a text literal that is not a number is a mistake worth reporting.
    func checkNumeric(_ value: FilterValue, for field: FilterField, at valueColumn: Int) throws {
        if case .metric = field, value.numeric == nil {
            throw FilterError(message: "\(field) is a number; '\(value.text)' is not", column: valueColumn)
        }
    }

    mutating func parseCondition() throws -> FilterExpression {
        let field = try parseField()
        let fieldText = field.description
        if case let .symbol(symbol) = current.kind, let comparison = FilterParser.comparison(symbol) {
            advance()
            let valueColumn = column
            let value = try parseValue(after: symbol)
            try checkNumeric(value, for: field, at: valueColumn)
            return .compare(field, comparison, value)
        }
        var negated = false
        var notText = ""
        if isKeyword("not") {
            negated = true
            notText = "NOT "
            advance()
            guard isKeyword("like") || isKeyword("ilike") || isKeyword("in") else {
                throw FilterError(message: "expected LIKE, ILIKE or IN after '\(fieldText) NOT'", column: column, found: found)
            }
        }
        if isKeyword("like") || isKeyword("ilike") {
            let caseSensitive = isKeyword("like")
            let operatorText = notText + (caseSensitive ? "LIKE" : "ILIKE")
            let operatorColumn = column
            advance()
            if case .metric = field {
                throw FilterError(message: "\(operatorText) needs a text field; \(fieldText) is a number", column: operatorColumn)
            }
            guard case let .string(pattern) = current.kind else {
                throw FilterError(message: "expected a quoted pattern after '\(operatorText)'", column: column, found: found)
            }
            advance()
            return .like(field, pattern: pattern, caseSensitive: caseSensitive, negated: negated)
        }
        if isKeyword("in") {
            advance()
            guard isSymbol("(") else {
                throw FilterError(message: "expected '(' after '\(notText)IN'", column: column, found: found)
            }
            advance()
            var values: [FilterValue] = []
            var previous = "("
            while true {
                let valueColumn = column
                let value = try parseValue(after: previous)
                try checkNumeric(value, for: field, at: valueColumn)
                values.append(value)
                if isSymbol(",") { previous = ","; advance(); continue }
                if isSymbol(")") { advance(); break }
                throw FilterError(message: "expected ',' or ')' in the IN list", column: column, found: found)
            }
            return .inList(field, values, negated: negated)
        }
        if isKeyword("is") {
            advance()
            var notNull = false
            if isKeyword("not") { notNull = true; advance() }
            guard isKeyword("null") else {
                throw FilterError(message: "expected NULL after '\(fieldText) IS\(notNull ? " NOT" : "")'", column: column, found: found)
            }
            advance()
            return .isNull(field, negated: notNull)
        }
        throw FilterError(
            message: "expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL) after '\(fieldText)'",
            column: column, found: found)
    }

    static func comparison(_ symbol: String) -> FilterComparison? {
        switch symbol {
        case "=", "==": return .equal
        case "!=", "<>": return .notEqual
        case "<": return .less
        case "<=": return .lessOrEqual
        case ">": return .greater
        case ">=": return .greaterOrEqual
        default: return nil
        }
    }
}

// MARK: - SQL

/// SQL text with its bound values, built left to right so placeholders and values stay in step.
/// User text only ever reaches the database as a bound value.
struct SQLBuilder {
    var sql = ""
    var values: [SQLValue] = []
    /// The database the SQL is for: SQLite and PostgreSQL spell a few things differently, with the same results.
    var dialect: SQLDialect = .sqlite
    /// The false literal for `COALESCE(condition, …)`: SQLite's conditions are integers, PostgreSQL's booleans.
    var falseLiteral: String { dialect == .postgres ? "false" : "0" }
    /// A real-valued cast: `REAL` is 8 bytes in SQLite, 4 in PostgreSQL.
    var realType: String { dialect == .postgres ? "DOUBLE PRECISION" : "REAL" }
    /// What each `metrics.X` of the filter reads: the evaluation metric and the datasets it may come from
    /// (resolved by the store before the SQL is built).
    var metricTargets: [String: MetricTarget] = [:]

    mutating func add(_ text: String) { sql += text }

    mutating func bind(_ value: SQLValue) {
        sql += "?"
        values.append(value)
    }
}

enum FilterSQL {
    /// Appends a condition on `runs r` joined with `experiments e`, true (1) or false (0), never NULL.
    static func condition(_ expression: FilterExpression, into b: inout SQLBuilder) {
        switch expression {
        case let .and(left, right):
            b.add("(")
            condition(left, into: &b)
            b.add(" AND ")
            condition(right, into: &b)
            b.add(")")
        case let .or(left, right):
            b.add("(")
            condition(left, into: &b)
            b.add(" OR ")
            condition(right, into: &b)
            b.add(")")
        case let .not(inner):
            b.add("(NOT ")
            condition(inner, into: &b)
            b.add(")")
        case let .compare(field, op, value):
            compare(field, op, value, into: &b)
        case let .like(field, pattern, caseSensitive, negated):
            if negated {
                b.add("(")
                valueExpression(field, into: &b)
                b.add(" IS NOT NULL AND NOT ")
            }
            b.add("COALESCE(")
            if b.dialect == .postgres {
                // LIKE is case-sensitive in PostgreSQL and its `\\` escapes; SQLite's LIKE has no escape character
                // and folds ASCII letters only, which translate() reproduces exactly (ILIKE would fold all of Unicode).
                if !caseSensitive { b.add("translate(") }
                b.add("CAST(")
                valueExpression(field, into: &b)
                b.add(" AS TEXT)")
                if !caseSensitive { b.add(", \(FilterSQL.upper), \(FilterSQL.lower))") }
                b.add(" LIKE ")
                if !caseSensitive { b.add("translate(") }
                b.bind(.text(pattern))
                if !caseSensitive { b.add(", \(FilterSQL.upper), \(FilterSQL.lower))") }
                b.add(" ESCAPE ''")
            } else {
                valueExpression(field, into: &b)
                if caseSensitive {
                    b.add(" GLOB ")
                    b.bind(.text(globPattern(fromLike: pattern)))
                } else {
                    b.add(" LIKE ")
                    b.bind(.text(pattern))
                }
            }
            b.add(", \(b.falseLiteral))")
            if negated { b.add(")") }
        case let .inList(field, values, negated):
            if negated {
                b.add("(")
                valueExpression(field, into: &b)
                b.add(" IS NOT NULL AND NOT ")
            }
            b.add("(")
            for (i, value) in values.enumerated() {
                if i > 0 { b.add(" OR ") }
                compare(field, .equal, value, into: &b)
            }
            b.add(")")
            if negated { b.add(")") }
        case let .isNull(field, negated):
            b.add("(")
            valueExpression(field, into: &b)
            b.add(negated ? " IS NOT NULL)" : " IS NULL)")
        }
    }

    static let upper = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", lower = "'abcdefghijklmnopqrstuvwxyz'"

    /// LIKE's `%` and `_` as GLOB's `*` and `?`, with GLOB's own special characters made literal;
    /// GLOB is SQLite's case-sensitive matcher.
    static func globPattern(fromLike pattern: String) -> String {
        var out = ""
        for c in pattern {
            switch c {
            case "%": out += "*"
            case "_": out += "?"
            case "*": out += "[*]"
            case "?": out += "[?]"
            case "[": out += "[[]"
            default: out.append(c)
            }
        }
        return out
    }

    static func paramLookup(_ key: String, into b: inout SQLBuilder) {
        b.add(" FROM params p WHERE p.run_pk = r.pk AND p.key = ")
        b.bind(.text(key))
        b.add(")")
    }

    static let paramIsNumber = "p.value_type IN ('int', 'float')"

    /// The field's value for the run, NULL when it has none.
    static func valueExpression(_ field: FilterField, into b: inout SQLBuilder) {
        switch field {
        case let .attribute(attribute):
            b.add(attribute.column)
        case let .param(key):
            b.add("(SELECT p.value")
            paramLookup(key, into: &b)
        case let .tag(key):
            b.add("(SELECT t.value FROM tags t WHERE t.run_pk = r.pk AND t.key = ")
            b.bind(.text(key))
            b.add(")")
        case let .metric(key):
            let target = b.metricTargets[key] ?? MetricTarget(name: key, datasets: nil)
            b.add("COALESCE((SELECT m.score FROM evaluation_metrics m JOIN evaluations ev ON ev.id = m.evaluation_id")
            b.add(" WHERE ev.run_pk = r.pk AND m.name = ")
            b.bind(.text(target.name))
            if let datasets = target.datasets {
                b.add(" AND ev.dataset_id IN (\(datasets.map(String.init).joined(separator: ",")))")
            }
            b.add(" ORDER BY ev.id DESC, m.id DESC LIMIT 1), (SELECT mp.value FROM metric_points mp WHERE mp.run_pk = r.pk")
            b.add(" AND mp.key_id = (SELECT mk.id FROM metric_keys mk WHERE mk.key = ")
            b.bind(.text(key))
            b.add(") ORDER BY mp.step DESC, mp.seq DESC LIMIT 1))")
        }
    }

    /// The keys used for sorting: numeric params as numbers, everything else as stored. SQLite orders a column
    /// of mixed types numbers first, then text; PostgreSQL needs one type per key, so there the order is spelled
    /// out as (is text, number, text). Each key is followed by `direction`.
    static func sortKeys(_ field: FilterField, direction: String, into b: inout SQLBuilder) {
        guard case let .param(key) = field else {
            valueExpression(field, into: &b)
            b.add(direction)
            return
        }
        if b.dialect == .postgres {
            b.add("(SELECT CASE WHEN \(paramIsNumber) THEN 0 ELSE 1 END")
            paramLookup(key, into: &b)
            b.add(direction + ", ")
            b.add("(SELECT CASE WHEN \(paramIsNumber) THEN CAST(p.value AS DOUBLE PRECISION) END")
            paramLookup(key, into: &b)
            b.add(direction + ", ")
            b.add("(SELECT CASE WHEN \(paramIsNumber) THEN NULL ELSE p.value END")
            paramLookup(key, into: &b)
            b.add(direction)
        } else {
            b.add("(SELECT CASE WHEN \(paramIsNumber) THEN CAST(p.value AS REAL) ELSE p.value END")
            paramLookup(key, into: &b)
            b.add(direction)
        }
    }

    static func compare(_ field: FilterField, _ op: FilterComparison, _ value: FilterValue, into b: inout SQLBuilder) {
        let sqlOp = " \(op.rawValue) "
        b.add("COALESCE(")
        switch field {
        case let .param(key):
            if let number = value.numeric {
                b.add("(SELECT CASE WHEN \(paramIsNumber) THEN CAST(p.value AS \(b.realType))\(sqlOp)")
                b.bind(.real(number))
                b.add(" ELSE p.value\(sqlOp)")
                b.bind(.text(value.text))
                b.add(" END")
            } else {
                b.add("(SELECT p.value\(sqlOp)")
                b.bind(.text(value.text))
            }
            paramLookup(key, into: &b)
        case .metric:
            valueExpression(field, into: &b)
            b.add(sqlOp)
            b.bind(.real(value.numeric ?? .nan))
        case let .attribute(attribute) where attribute.isTime:
            if case let .number(seconds, _) = value {
                if b.dialect == .postgres {
                    b.add("CAST(floor(extract(epoch FROM CAST(\(attribute.column) AS timestamptz))) AS BIGINT)\(sqlOp)")
                } else {
                    b.add("CAST(strftime('%s', \(attribute.column)) AS INTEGER)\(sqlOp)")
                }
                b.bind(.real(seconds))
            } else {
                b.add(attribute.column + sqlOp)
                b.bind(.text(value.text))
            }
        case .attribute, .tag:
            valueExpression(field, into: &b)
            b.add(sqlOp)
            b.bind(.text(value.text))
        }
        b.add(", \(b.falseLiteral))")
    }
}

/// The evaluation metric a `metrics.X` reads; `datasets` nil = any (the metric exists on one dataset at most).
struct MetricTarget: Equatable {
    var name: String
    var datasets: [Int64]?
}

extension FilterExpression {
    /// Every `metrics.X` key the expression mentions.
    var metricKeys: [String] {
        switch self {
        case let .and(a, b), let .or(a, b): return a.metricKeys + b.metricKeys
        case let .not(a): return a.metricKeys
        case let .compare(field, _, _), let .like(field, _, _, _), let .inList(field, _, _), let .isNull(field, _):
            if case let .metric(key) = field { return [key] }
            return []
        }
    }
}
