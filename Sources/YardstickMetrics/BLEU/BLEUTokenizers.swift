/// A line being tokenized and a spare buffer of the same capacity for the next pass's output.
///
/// Every pass reads `line[0..<count]`, writes `spare`, then ``commit(_:)`` swaps the two, so a
/// whole segment is tokenized without allocating. The capacity must cover the longest
/// intermediate line (see ``BLEUTokenization/capacity(forCodePoints:)``).
struct BLEULineBuffers {
    var line: UnsafeMutablePointer<UInt32>
    var spare: UnsafeMutablePointer<UInt32>
    var count: Int

    @inline(__always)
    mutating func commit(_ newCount: Int) {
        swap(&line, &spare)
        count = newCount
    }

    /// One global, non-overlapping substitution `(X)(Y)` → `\1 \2 ` (or ` \1 \2` with
    /// `spaceFirst`), where `matches(x, y)` says whether a pair of neighbours is a match.
    @inline(__always)
    mutating func splitPairs(spaceFirst: Bool, _ matches: (UInt32, UInt32) -> Bool) {
        let src = line, dst = spare, n = count
        var out = 0
        var i = 0
        while i < n {
            let c = src[i]
            if i + 1 < n && matches(c, src[i + 1]) {
                if spaceFirst {
                    dst[out] = 0x20; dst[out + 1] = c; dst[out + 2] = 0x20; dst[out + 3] = src[i + 1]
                } else {
                    dst[out] = c; dst[out + 1] = 0x20; dst[out + 2] = src[i + 1]; dst[out + 3] = 0x20
                }
                out += 4
                i += 2
            } else {
                dst[out] = c
                out += 1
                i += 1
            }
        }
        commit(out)
    }
}

/// sacrebleu's BLEU tokenizers as scanners over code points.
///
/// Every regex substitution of the reference is a global, left-to-right, non-overlapping
/// replacement whose pattern matches one or two code points. Such a substitution is reproduced
/// exactly by a scanner that, at each position, either consumes a whole match or copies one code
/// point and moves on, so no regex engine is needed.
enum BLEUTokenization {
    /// Buffer capacity that holds every intermediate line of any tokenizer for an input of `n`
    /// code points: passes only insert spaces, at most two per code point for the CJK/symbol
    /// passes and at most four per period or comma (13a passes b and c), and those sets are disjoint.
    @inline(__always)
    static func capacity(forCodePoints n: Int) -> Int { 5 * n + 8 }

    // MARK: Character classes

    @inline(__always)
    static func isASCIIDigit(_ c: UInt32) -> Bool { c &- 0x30 < 10 }

    /// The class `[\{-\~\[-\` -\&\(-\+\:-\@\/]` of the 13a/zh first pass: ASCII punctuation and
    /// symbols (and the space) except `'`, `,`, `-` and `.`.
    @inline(__always)
    static func isSplitSymbol(_ c: UInt32) -> Bool {
        switch c {
        case 0x20...0x26, 0x28...0x2B, 0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    @inline(__always)
    static func isPeriodOrComma(_ c: UInt32) -> Bool { c == 0x2E || c == 0x2C }

    /// sacrebleu's `_is_chinese_char`, including the effect of its string comparisons against the
    /// two-character bounds `"\u{2000}0"`, `"\u{2A6D}6"`, `"\u{2F80}0"` and `"\u{2FA1}d"`, which
    /// turn the intended supplementary-plane ranges into U+2001–U+2A6D and U+2F81–U+2FA1.
    @inline(__always)
    static func isChineseCharacter(_ c: UInt32) -> Bool {
        if c < 0x2001 { return false }
        switch c {
        case 0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A,
             0xFA70...0xFAD9, 0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF,
             0x3000...0x303F, 0x31C0...0x31EF, 0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F,
             0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F, 0x2600...0x26FF, 0x2700...0x27BF,
             0x3200...0x32FF, 0x3300...0x33FF:
            return true
        default:
            return false
        }
    }

    /// Classes of the `intl` tokenizer: `\p{N}`, `\p{P}` and `\p{S}` (general categories, disjoint).
    static let number: UInt8 = 1
    static let punctuation: UInt8 = 2
    static let symbol: UInt8 = 3

    /// The `intl` class of a code point (0 for none of N, P, S). ASCII is answered by a switch
    /// because it dominates most text and the property lookup is comparatively slow.
    @inline(__always)
    static func intlClass(_ c: UInt32) -> UInt8 {
        if c < 0x80 {
            switch c {
            case 0x30...0x39: return number
            case 0x24, 0x2B, 0x3C...0x3E, 0x5E, 0x60, 0x7C, 0x7E: return symbol
            case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return punctuation
            default: return 0
            }
        }
        return intlClassByProperty(c)
    }

    static func intlClassByProperty(_ c: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(c) else { return 0 }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return symbol
        case .unassigned:
            for (range, cls) in unicode17Additions where range.contains(c) { return cls }
            return 0
        default:
            return 0
        }
    }

    /// N, P and S code points that the reference's `regex` module (Unicode 17.0) knows but this
    /// standard library's tables (Unicode 16) leave unassigned; consulted only for unassigned code
    /// points, so newer tables take precedence.
    static let unicode17Additions: [(ClosedRange<UInt32>, UInt8)] = [
        (0x20C2...0x20C4, symbol), (0x2E60...0x2E63, punctuation), (0x10EC9...0x10ECA, symbol),
        (0x1246F...0x1246F, number), (0x12475...0x1247F, number), (0x12550...0x12686, number),
        (0x1CED2...0x1CED4, symbol), (0x1CEDD...0x1CEDF, symbol), (0x1CEF1...0x1CEFD, symbol),
        (0x1D1EB...0x1D1FF, symbol), (0x1D253...0x1D25A, symbol), (0x1D25D...0x1D25E, symbol),
        (0x1D260...0x1D27F, symbol), (0x1DB00...0x1DB1C, symbol), (0x1F1AE...0x1F1AE, symbol),
        (0x1F6D9...0x1F6D9, symbol), (0x1F7DA...0x1F7DB, symbol), (0x1F7F1...0x1F7FF, symbol),
        (0x1FA8B...0x1FA8D, symbol), (0x1FACC...0x1FACC, symbol), (0x1FADD...0x1FADD, symbol),
        (0x1FAEB...0x1FAEB, symbol), (0x1FAF9...0x1FAFA, symbol),
    ]

    // MARK: Literal replacement (13a step 1 and entities)

    private static let skippedMarker: [UInt32] = [0x3C, 0x73, 0x6B, 0x69, 0x70, 0x70, 0x65, 0x64, 0x3E]
    private static let hyphenNewline: [UInt32] = [0x2D, 0x0A]
    private static let quotEntity: [UInt32] = [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B]
    private static let ampEntity: [UInt32] = [0x26, 0x61, 0x6D, 0x70, 0x3B]
    private static let ltEntity: [UInt32] = [0x26, 0x6C, 0x74, 0x3B]
    private static let gtEntity: [UInt32] = [0x26, 0x67, 0x74, 0x3B]

    /// Python's `str.replace(pattern, replacement)` with a replacement of zero or one code point:
    /// trying the pattern at each position and skipping past a match finds the same leftmost
    /// non-overlapping occurrences.
    static func replaceAll(_ b: inout BLEULineBuffers, _ pattern: [UInt32], with replacement: UInt32?) {
        let m = pattern.count
        let n = b.count
        let src = b.line, dst = b.spare
        var out = 0
        var i = 0
        pattern.withUnsafeBufferPointer { p in
            while i < n {
                let c = src[i]
                if c == p[0] && i + m <= n {
                    var k = 1
                    while k < m && src[i + k] == p[k] { k += 1 }
                    if k == m {
                        if let r = replacement { dst[out] = r; out += 1 }
                        i += m
                        continue
                    }
                }
                dst[out] = c
                out += 1
                i += 1
            }
        }
        b.commit(out)
    }

    // MARK: Shared 13a / zh regex passes

    /// Passes a–d of sacrebleu's `TokenizerRegexp` (its final whitespace collapse is left to the
    /// token split). With `pad`, the line is first surrounded by single spaces, as 13a does.
    static func regexpPasses(_ b: inout BLEULineBuffers, pad: Bool) {
        // a. ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "; also notes which later passes can match.
        let src = b.line, dst = b.spare
        let n = b.count
        var out = 0
        if pad { dst[0] = 0x20; out = 1 }
        var sawPeriodOrComma = false
        var sawHyphen = false
        for i in 0..<n {
            let c = src[i]
            if isSplitSymbol(c) {
                dst[out] = 0x20; dst[out + 1] = c; dst[out + 2] = 0x20
                out += 3
            } else {
                if isPeriodOrComma(c) { sawPeriodOrComma = true } else if c == 0x2D { sawHyphen = true }
                dst[out] = c
                out += 1
            }
        }
        if pad { dst[out] = 0x20; out += 1 }
        b.commit(out)

        if sawPeriodOrComma {
            // b. ([^0-9])([.,]) -> "\1 \2 "
            b.splitPairs(spaceFirst: false) { !isASCIIDigit($0) && isPeriodOrComma($1) }
            // c. ([.,])([^0-9]) -> " \1 \2"
            b.splitPairs(spaceFirst: true) { isPeriodOrComma($0) && !isASCIIDigit($1) }
        }

        if sawHyphen {
            // d. ([0-9])(-) -> "\1 \2 "
            b.splitPairs(spaceFirst: false) { isASCIIDigit($0) && $1 == 0x2D }
        }
    }

    // MARK: Tokenizers

    /// mteval-v13a: `<skipped>` and `-\n` removal, `\n` → space, the four entities (only when the
    /// line has an `&`), padding, then the regex passes.
    static func thirteenA(_ b: inout BLEULineBuffers) {
        var hasNewline = false
        var hasLess = false
        var hasAmpersand = false
        for i in 0..<b.count {
            switch b.line[i] {
            case 0x0A: hasNewline = true
            case 0x3C: hasLess = true
            case 0x26: hasAmpersand = true
            default: break
            }
        }
        if hasLess { replaceAll(&b, skippedMarker, with: nil) }
        if hasNewline {
            replaceAll(&b, hyphenNewline, with: nil)
            for i in 0..<b.count where b.line[i] == 0x0A { b.line[i] = 0x20 }
        }
        if hasAmpersand {
            replaceAll(&b, quotEntity, with: 0x22)
            replaceAll(&b, ampEntity, with: 0x26)
            replaceAll(&b, ltEntity, with: 0x3C)
            replaceAll(&b, gtEntity, with: 0x3E)
        }
        regexpPasses(&b, pad: true)
    }

    /// sacrebleu's `zh`: strip, surround every "Chinese character" with spaces, then the regex
    /// passes without padding or 13a's entity/newline steps.
    static func chinese(_ b: inout BLEULineBuffers) {
        let src = b.line, dst = b.spare
        var end = b.count
        while end > 0 && PythonText.isSpace(src[end - 1]) { end -= 1 }
        var start = 0
        while start < end && PythonText.isSpace(src[start]) { start += 1 }
        var out = 0
        for i in start..<end {
            let c = src[i]
            if isChineseCharacter(c) {
                dst[out] = 0x20; dst[out + 1] = c; dst[out + 2] = 0x20
                out += 3
            } else {
                dst[out] = c
                out += 1
            }
        }
        b.commit(out)
        regexpPasses(&b, pad: false)
    }

    /// mteval-v14 international: `(\P{N})(\p{P})` → `\1 \2 `, `(\p{P})(\P{N})` → ` \1 \2`,
    /// `(\p{S})` → ` \1 `.
    static func international(_ b: inout BLEULineBuffers) {
        var sawPunctuation = false
        var sawSymbol = false
        for i in 0..<b.count {
            let k = intlClass(b.line[i])
            if k == punctuation { sawPunctuation = true } else if k == symbol { sawSymbol = true }
        }
        if sawPunctuation {
            b.splitPairs(spaceFirst: false) { intlClass($1) == punctuation && intlClass($0) != number }
            b.splitPairs(spaceFirst: true) { intlClass($0) == punctuation && intlClass($1) != number }
        }
        if sawSymbol {
            let src = b.line, dst = b.spare
            var out = 0
            for i in 0..<b.count {
                let c = src[i]
                if intlClass(c) == symbol {
                    dst[out] = 0x20; dst[out + 1] = c; dst[out + 2] = 0x20
                    out += 3
                } else {
                    dst[out] = c
                    out += 1
                }
            }
            b.commit(out)
        }
    }

    // MARK: Segment preprocessing

    /// An upper bound of the code points a segment has after decoding and optional lowercasing
    /// (a code point takes at least one UTF-8 byte; a lowercase mapping is at most 3 code points).
    @inline(__always)
    static func codePointBound(_ text: String, lowercase: Bool) -> Int {
        lowercase ? 3 * text.utf8.count : text.utf8.count
    }

    /// Decodes a string's UTF-8 into code points at `out` (a `String` is always valid UTF-8) and
    /// returns their number and whether all are ASCII.
    static func decode(_ text: String, into out: UnsafeMutablePointer<UInt32>) -> (count: Int, ascii: Bool) {
        var text = text
        return text.withUTF8 { bytes -> (Int, Bool) in
            let n = bytes.count
            var i = 0
            var o = 0
            var high: UInt8 = 0
            while i < n {
                let b0 = bytes[i]
                high |= b0
                if b0 < 0x80 {
                    out[o] = UInt32(b0)
                    i += 1
                } else if b0 < 0xE0 {
                    out[o] = (UInt32(b0) & 0x1F) << 6 | (UInt32(bytes[i + 1]) & 0x3F)
                    i += 2
                } else if b0 < 0xF0 {
                    out[o] = (UInt32(b0) & 0x0F) << 12 | (UInt32(bytes[i + 1]) & 0x3F) << 6
                        | (UInt32(bytes[i + 2]) & 0x3F)
                    i += 3
                } else {
                    out[o] = (UInt32(b0) & 0x07) << 18 | (UInt32(bytes[i + 1]) & 0x3F) << 12
                        | (UInt32(bytes[i + 2]) & 0x3F) << 6 | (UInt32(bytes[i + 3]) & 0x3F)
                    i += 4
                }
                o += 1
            }
            return (o, high < 0x80)
        }
    }

    /// sacrebleu's `_preprocess_segment` followed by the tokenizer: optional `str.lower()`,
    /// `rstrip()`, tokenizer. The result is left in `b.line[0..<b.count]`; its whitespace-separated
    /// runs are the tokens (for `char`, every non-whitespace code point is a token on its own).
    /// Both buffers need `capacity(forCodePoints: codePointBound(text, lowercase:))` code points.
    static func preprocess(_ text: String, tokenizer: BLEU.Tokenizer, lowercase: Bool, _ b: inout BLEULineBuffers) {
        let (count, ascii) = decode(text, into: b.line)
        b.count = count
        if lowercase {
            if ascii {
                for i in 0..<count where b.line[i] &- 0x41 < 26 { b.line[i] += 32 }
            } else {
                let lowered = PythonText.lower(Array(UnsafeBufferPointer(start: b.line, count: count)))
                precondition(lowered.count <= 3 * count, "lowercase mapping longer than 3 code points")
                for (i, c) in lowered.enumerated() { b.line[i] = c }
                b.count = lowered.count
            }
        }
        while b.count > 0 && PythonText.isSpace(b.line[b.count - 1]) { b.count -= 1 }
        switch tokenizer {
        case .thirteenA: thirteenA(&b)
        case .zh: chinese(&b)
        case .intl: international(&b)
        case .char, .none: break
        }
    }

    /// The tokenizer's output string, as sacrebleu returns it.
    static func tokenizedString(_ text: String, tokenizer: BLEU.Tokenizer, lowercase: Bool) -> String {
        let capacity = capacity(forCodePoints: codePointBound(text, lowercase: lowercase))
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * capacity) { area in
            let base = area.baseAddress!
            var b = BLEULineBuffers(line: base, spare: base + capacity, count: 0)
            preprocess(text, tokenizer: tokenizer, lowercase: lowercase, &b)
            let line = UnsafeBufferPointer(start: b.line, count: b.count)
            var out = String.UnicodeScalarView()
            switch tokenizer {
            case .none:
                for c in line { out.append(Unicode.Scalar(c)!) }
            case .char:
                // " ".join(line): every code point, whitespace included, separated by one space.
                for (i, c) in line.enumerated() {
                    if i > 0 { out.append(" ") }
                    out.append(Unicode.Scalar(c)!)
                }
            case .thirteenA, .zh, .intl:
                // " ".join(line.split())
                var pendingSpace = false
                for c in line {
                    if PythonText.isSpace(c) {
                        pendingSpace = !out.isEmpty
                    } else {
                        if pendingSpace { out.append(" "); pendingSpace = false }
                        out.append(Unicode.Scalar(c)!)
                    }
                }
            }
            return String(out)
        }
    }
}
