import Foundation

/// Word-level differences between a prediction and its reference, for highlighting: the words outside their
/// longest common subsequence.
public enum WordDiff {
    /// One word or run of whitespace, and whether it belongs to the common subsequence (whitespace always does).
    public struct Token: Sendable, Equatable {
        public var text: String
        public var common: Bool
    }

    /// Tokens of both texts. Long pairs (more than a million word pairs) fall back to "the word occurs in the
    /// other text", so a huge example never stalls the report.
    public static func diff(_ a: String, _ b: String) -> (a: [Token], b: [Token]) {
        let ta = tokens(a), tb = tokens(b)
        let wa = ta.indices.filter { !isSpace(ta[$0]) }, wb = tb.indices.filter { !isSpace(tb[$0]) }
        var ca = [Bool](repeating: false, count: ta.count), cb = [Bool](repeating: false, count: tb.count)
        if wa.count * wb.count <= 1_000_000 {
            let n = wa.count, m = wb.count
            var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    table[i * (m + 1) + j] = ta[wa[i]] == tb[wb[j]]
                        ? table[(i + 1) * (m + 1) + j + 1] + 1
                        : max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1])
                }
            }
            var i = 0, j = 0
            while i < n && j < m {
                if ta[wa[i]] == tb[wb[j]] {
                    ca[wa[i]] = true
                    cb[wb[j]] = true
                    i += 1
                    j += 1
                } else if table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1] {
                    i += 1
                } else {
                    j += 1
                }
            }
        } else {
            let setA = Set(wa.map { ta[$0] }), setB = Set(wb.map { tb[$0] })
            for i in wa where setB.contains(ta[i]) { ca[i] = true }
            for j in wb where setA.contains(tb[j]) { cb[j] = true }
        }
        return (zip(ta, ca).map { Token(text: $0, common: $1 || isSpace($0)) }, zip(tb, cb).map { Token(text: $0, common: $1 || isSpace($0)) })
    }

    static func isSpace(_ s: String) -> Bool { s.first?.isWhitespace ?? true }

    static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var currentIsSpace = false
        for ch in text {
            let space = ch.isWhitespace
            if !current.isEmpty && space != currentIsSpace {
                out.append(current)
                current = ""
            }
            current.append(ch)
            currentIsSpace = space
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
