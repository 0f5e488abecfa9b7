extension TER {
    /// sacrebleu's `TercomTokenizer` (after the metric's `rstrip()`), as code-point scanners.
    ///
    /// Each regular expression of `tokenizer_ter.py` is one left-to-right pass with Python `re.sub`
    /// semantics: matches do not overlap and a code point consumed by one match cannot start the
    /// next. `[0-9]` is ASCII only.
    struct Tokenizer: Sendable {
        let normalized: Bool
        let noPunct: Bool
        let asianSupport: Bool
        let caseSensitive: Bool

        /// The words TER aligns: the tokenizer output split on whitespace, as code points.
        func words(_ text: String) -> [ArraySlice<UInt32>] {
            let s = tokenize(PythonText.codePoints(text))
            return PythonText.splitRanges(s).map { s[$0] }
        }

        /// The words of a reference. sacrebleu tokenizes references twice (once when caching
        /// them, once more when extracting their words); only `normalized` is not idempotent,
        /// e.g. `.,2` → `. ,2` → `. , 2`.
        func referenceWords(_ text: String) -> [ArraySlice<UInt32>] {
            let once = tokenize(PythonText.codePoints(text))
            // The tokenizer returns `" ".join(s.split())`, which is what the second pass sees.
            var joined: [UInt32] = []
            joined.reserveCapacity(once.count)
            for range in PythonText.splitRanges(once) {
                if !joined.isEmpty { joined.append(0x20) }
                joined.append(contentsOf: once[range])
            }
            let s = tokenize(joined)
            return PythonText.splitRanges(s).map { s[$0] }
        }

        /// The tokenizer's string before its final whitespace collapse.
        func tokenize(_ text: [UInt32]) -> [UInt32] {
            var s = Array(PythonText.rstrip(text))
            if s.isEmpty { return [] }
            if !caseSensitive { s = PythonText.lower(s) }
            if normalized {
                s = Self.normalizeGeneralAndWestern(s)
                if asianSupport { s = Self.normalizeAsian(s) }
            }
            if noPunct {
                s.removeAll(where: Self.isTercomPunctuation)
                if asianSupport {
                    s.removeAll(where: Self.isAsianPunctuation)
                    s.removeAll(where: Self.isFullWidthPunctuation)
                }
            }
            return s
        }

        // MARK: Character classes

        @inline(__always) static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

        /// `[{-~[-` -&(-+:-@/]`: ASCII punctuation and space, except `'` `,` `-` `.`.
        static func isWesternPunctuation(_ c: UInt32) -> Bool {
            (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26)
                || (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == 0x2F
        }

        /// `[\.,\?:;!\"\(\)]`, removed by `no_punct`.
        static func isTercomPunctuation(_ c: UInt32) -> Bool {
            switch c {
            case 0x2E, 0x2C, 0x3F, 0x3A, 0x3B, 0x21, 0x22, 0x28, 0x29: return true
            default: return false
            }
        }

        /// `ASIAN_PUNCT`.
        static func isAsianPunctuation(_ c: UInt32) -> Bool {
            c == 0x3001 || c == 0x3002 || (c >= 0x3008 && c <= 0x3011) || (c >= 0x3014 && c <= 0x301F)
                || (c >= 0xFF61 && c <= 0xFF65) || c == 0x30FB
        }

        /// `FULL_WIDTH_PUNCT`.
        static func isFullWidthPunctuation(_ c: UInt32) -> Bool {
            switch c {
            case 0xFF0E, 0xFF0C, 0xFF1F, 0xFF1A, 0xFF1B, 0xFF01, 0xFF02, 0xFF08, 0xFF09: return true
            default: return false
            }
        }

        // MARK: Normalisation

        static func normalizeGeneralAndWestern(_ input: [UInt32]) -> [UInt32] {
            let newline: UInt32 = 0x0A, space: UInt32 = 0x20
            // End-of-line hyphenation ("\n-") is joined, then remaining newlines become spaces.
            var s = replacing(input, [newline, 0x2D], with: [])
            for k in s.indices where s[k] == newline { s[k] = space }
            s = replacing(s, Array("&quot;".unicodeScalars.map(\.value)), with: [0x22])
            s = replacing(s, Array("&amp;".unicodeScalars.map(\.value)), with: [0x26])
            s = replacing(s, Array("&lt;".unicodeScalars.map(\.value)), with: [0x3C])
            s = replacing(s, Array("&gt;".unicodeScalars.map(\.value)), with: [0x3E])
            s = [space] + s + [space]
            s = padding(s, where: isWesternPunctuation)
            // Possessives: "'s " → " 's ", then "'s" at the end of the string.
            let apostropheS: [UInt32] = [0x27, 0x73]
            s = replacing(s, apostropheS + [space], with: [space] + apostropheS + [space])
            s = replacingAtEnd(s, apostropheS, with: [space] + apostropheS)
            // Period and comma unless preceded by a digit: ([^0-9])([\.,]) → "\1 \2 ".
            s = pairPass(s) { a, b in !isDigit(a) && (b == 0x2E || b == 0x2C) } replace: { a, b in [a, space, b, space] }
            // Period and comma unless followed by a digit: ([\.,])([^0-9]) → " \1 \2".
            s = pairPass(s) { a, b in (a == 0x2E || a == 0x2C) && !isDigit(b) } replace: { a, b in [space, a, space, b] }
            // Dash after a digit: ([0-9])(-) → "\1 \2 ".
            s = pairPass(s) { a, b in isDigit(a) && b == 0x2D } replace: { a, b in [a, space, b, space] }
            return s
        }

        static func normalizeAsian(_ input: [UInt32]) -> [UInt32] {
            var s = input
            // CJK Unified Ideographs and Extension A.
            s = padding(s) { (0x4E00...0x9FFF).contains($0) || (0x3400...0x4DBF).contains($0) }
            // CJK Strokes, CJK Radicals Supplement.
            s = padding(s) { (0x31C0...0x31EF).contains($0) || (0x2E80...0x2EFF).contains($0) }
            // CJK Compatibility, Compatibility Ideographs, Compatibility Forms.
            s = padding(s) {
                (0x3300...0x33FF).contains($0) || (0xF900...0xFAFF).contains($0) || (0xFE30...0xFE4F).contains($0)
            }
            // Enclosed CJK Letters and Months (the source's range runs to U+3F22).
            s = padding(s) { (0x3200...0x3F22).contains($0) }
            // Hiragana, Katakana, Katakana Phonetic Extensions.
            s = wholeRunPadding(s, 0x3040...0x309F)
            s = wholeRunPadding(s, 0x30A0...0x30FF)
            s = wholeRunPadding(s, 0x31F0...0x31FF)
            s = padding(s, where: isAsianPunctuation)
            s = padding(s, where: isFullWidthPunctuation)
            return s
        }

        // MARK: Passes

        /// Every non-overlapping occurrence of `pattern`, left to right, replaced.
        static func replacing(_ s: [UInt32], _ pattern: [UInt32], with replacement: [UInt32]) -> [UInt32] {
            let m = pattern.count
            guard m > 0, s.count >= m else { return s }
            var out: [UInt32] = []
            out.reserveCapacity(s.count + 8)
            var i = 0
            while i < s.count {
                if i + m <= s.count && s[i] == pattern[0] && s[i..<(i + m)].elementsEqual(pattern) {
                    out.append(contentsOf: replacement)
                    i += m
                } else {
                    out.append(s[i])
                    i += 1
                }
            }
            return out
        }

        /// `re.sub(pattern + "$", …)`: Python's `$` matches at the very end and before a final
        /// newline.
        static func replacingAtEnd(_ s: [UInt32], _ pattern: [UInt32], with replacement: [UInt32]) -> [UInt32] {
            let m = pattern.count
            var end = s.count
            if !s.isEmpty && s[s.count - 1] == 0x0A && s.count - 1 >= m
                && s[(s.count - 1 - m)..<(s.count - 1)].elementsEqual(pattern) {
                end = s.count - 1
            }
            guard end >= m, s[(end - m)..<end].elementsEqual(pattern) else { return s }
            return Array(s[..<(end - m)]) + replacement + Array(s[end...])
        }

        /// `re.sub("([class])", " \\1 ", s)`.
        static func padding(_ s: [UInt32], where matches: (UInt32) -> Bool) -> [UInt32] {
            var out: [UInt32] = []
            out.reserveCapacity(s.count + 16)
            for c in s {
                if matches(c) {
                    out.append(0x20)
                    out.append(c)
                    out.append(0x20)
                } else {
                    out.append(c)
                }
            }
            return out
        }

        /// A two-code-point pattern `(A)(B)` replaced left to right without overlaps.
        static func pairPass(
            _ s: [UInt32], _ matches: (UInt32, UInt32) -> Bool, replace: (UInt32, UInt32) -> [UInt32]
        ) -> [UInt32] {
            var out: [UInt32] = []
            out.reserveCapacity(s.count + 16)
            var i = 0
            while i < s.count {
                if i + 1 < s.count && matches(s[i], s[i + 1]) {
                    out.append(contentsOf: replace(s[i], s[i + 1]))
                    i += 2
                } else {
                    out.append(s[i])
                    i += 1
                }
            }
            return out
        }

        /// `(^|^[R])([R]+)(?=$|^[R])` → `\1 \2 `. Without MULTILINE `^` only matches at 0 and the
        /// `^[R]` alternative of the lookahead can never hold, so this only fires when the whole
        /// string (before an optional final newline) is a run of `R`, which is then padded.
        static func wholeRunPadding(_ s: [UInt32], _ range: ClosedRange<UInt32>) -> [UInt32] {
            var end = s.count
            if end > 0 && s[end - 1] == 0x0A { end -= 1 }
            guard end > 0, s[0..<end].allSatisfy({ range.contains($0) }) else { return s }
            return [0x20] + Array(s[0..<end]) + [0x20] + Array(s[end...])
        }
    }
}
