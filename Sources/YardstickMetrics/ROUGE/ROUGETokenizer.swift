/// Tokens of one text as UTF-8 bytes, with the `"\n"`-separated line each one came from.
///
/// Tokens never span a `"\n"` (it is a separator in both tokenizers), so tokenizing a text once
/// and remembering line numbers gives exactly what rouge-score gets by tokenizing every line of
/// ROUGE-Lsum separately.
struct RawTokens {
    var bytes: [UInt8] = []
    /// End offset (exclusive) of token `i` in `bytes`; token `i` starts where token `i - 1` ends.
    var ends: [Int] = []
    /// The `"\n"`-line of token `i`.
    var lines: [Int32] = []
    /// Whether token `i` is pure ASCII (only those are stemmed).
    var ascii: [Bool] = []

    var count: Int { ends.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        ascii.removeAll(keepingCapacity: true)
    }

    func start(of i: Int) -> Int { i == 0 ? 0 : ends[i - 1] }

    /// Closes the token being built, if any.
    @inline(__always)
    mutating func close(_ open: inout Bool, line: Int32, ascii isASCII: Bool) {
        if open {
            ends.append(bytes.count)
            lines.append(line)
            ascii.append(isASCII)
            open = false
        }
    }

    /// Token `i` as a string (for inspection; scoring works on bytes).
    func string(_ i: Int) -> String { String(decoding: bytes[start(of: i)..<ends[i]], as: UTF8.self) }
}

enum ROUGETokenization {
    /// rouge-score's `tokenize.tokenize` without the stemming: Python `lower()`, then every maximal
    /// run of `[a-z0-9]` is a token. Everything else, every non-ASCII letter included, separates.
    static func rougeScore(_ text: String, into out: inout RawTokens) {
        out.removeAll()
        var text = text
        text.makeContiguousUTF8()
        text.utf8.withContiguousStorageIfAvailable { buffer in
            var line: Int32 = 0
            var open = false
            var i = 0
            let n = buffer.count
            while i < n {
                let b = buffer[i]
                if b < 0x80 {
                    if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) {
                        out.bytes.append(b)
                        open = true
                    } else if b >= 0x41 && b <= 0x5A {
                        out.bytes.append(b &+ 0x20)
                        open = true
                    } else {
                        out.close(&open, line: line, ascii: true)
                        if b == 0x0A { line += 1 }
                    }
                    i += 1
                    continue
                }
                let (scalar, length) = decodeScalar(buffer, at: i)
                i += length
                // A non-ASCII character survives only through a lowercase mapping that yields ASCII
                // (KELVIN SIGN → k, İ → i + U+0307); anything else is a separator.
                guard let s = Unicode.Scalar(scalar), s.properties.changesWhenLowercased else {
                    out.close(&open, line: line, ascii: true)
                    continue
                }
                for m in PythonText.lower([scalar]) {
                    if (m >= 0x61 && m <= 0x7A) || (m >= 0x30 && m <= 0x39) {
                        out.bytes.append(UInt8(m))
                        open = true
                    } else {
                        out.close(&open, line: line, ascii: true)
                    }
                }
            }
            out.close(&open, line: line, ascii: true)
        }
    }

    /// The opt-in Unicode tokenizer: Python `lower()`; letters and numbers (general category L*, N*)
    /// form tokens, and a combining mark (Mn, Mc) directly after a token character stays in that
    /// token; everything else separates. A CJK ideograph, kana or Hangul syllable is a token of its
    /// own, since those scripts do not separate words with spaces.
    static func unicode(_ text: String, into out: inout RawTokens) {
        out.removeAll()
        let cps = PythonText.lower(PythonText.codePoints(text))
        var line: Int32 = 0
        var open = false
        var openIsSingle = false  // the open token is a CJK character that only accepts marks
        var tokenASCII = true
        for v in cps {
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    if openIsSingle { out.close(&open, line: line, ascii: tokenASCII) }
                    if !open { tokenASCII = true; openIsSingle = false }
                    out.bytes.append(UInt8(v))
                    open = true
                } else {
                    out.close(&open, line: line, ascii: tokenASCII)
                    if v == 0x0A { line += 1 }
                }
                continue
            }
            guard let s = Unicode.Scalar(v) else {
                out.close(&open, line: line, ascii: tokenASCII)
                continue
            }
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .decimalNumber, .letterNumber, .otherNumber:
                if isUnspacedScriptCharacter(v) {
                    out.close(&open, line: line, ascii: tokenASCII)
                    appendUTF8(v, to: &out.bytes)
                    open = true
                    openIsSingle = true
                    tokenASCII = false
                } else {
                    if openIsSingle { out.close(&open, line: line, ascii: tokenASCII) }
                    if !open { openIsSingle = false }
                    appendUTF8(v, to: &out.bytes)
                    open = true
                    tokenASCII = false
                }
            case .nonspacingMark, .spacingMark:
                if open {
                    appendUTF8(v, to: &out.bytes)
                    tokenASCII = false
                }
            default:
                out.close(&open, line: line, ascii: tokenASCII)
            }
        }
        out.close(&open, line: line, ascii: tokenASCII)
    }

    /// Code points of scripts written without spaces between words, each of which becomes a token:
    /// CJK ideographs (all blocks and extensions, compatibility ideographs, 々〆〇), Hiragana,
    /// Katakana (also half-width and the kana supplements) and Hangul syllables.
    static func isUnspacedScriptCharacter(_ v: UInt32) -> Bool {
        switch v {
        case 0x3005...0x3007, 0x3041...0x3096, 0x309D...0x309F, 0x30A1...0x30FA, 0x30FC...0x30FF,
            0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
            0xFF66...0xFF9F, 0x1B000...0x1B16F, 0x20000...0x323AF:
            return true
        default:
            return false
        }
    }

    /// Share of non-whitespace code points that are letters, numbers or marks the rouge-score
    /// tokenizer drops (no ASCII letter or digit in their Python lowercase mapping).
    static func droppedShare(_ text: String) -> Double {
        var nonSpace = 0
        var dropped = 0
        for s in text.unicodeScalars {
            let v = s.value
            if PythonText.isSpace(v) { continue }
            nonSpace += 1
            if v < 0x80 { continue }
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
                var survives = false
                if s.properties.changesWhenLowercased {
                    for m in PythonText.lower([v]) where (m >= 0x61 && m <= 0x7A) || (m >= 0x30 && m <= 0x39) {
                        survives = true
                    }
                }
                if !survives { dropped += 1 }
            default:
                break
            }
        }
        return nonSpace == 0 ? 0 : Double(dropped) / Double(nonSpace)
    }

    /// Decodes the (valid) UTF-8 sequence starting at `i`.
    @inline(__always)
    static func decodeScalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(b[i])
        if b0 < 0xE0 {
            return (((b0 & 0x1F) << 6) | (UInt32(b[i + 1]) & 0x3F), 2)
        }
        if b0 < 0xF0 {
            return (((b0 & 0x0F) << 12) | ((UInt32(b[i + 1]) & 0x3F) << 6) | (UInt32(b[i + 2]) & 0x3F), 3)
        }
        let v = ((b0 & 0x07) << 18) | ((UInt32(b[i + 1]) & 0x3F) << 12) | ((UInt32(b[i + 2]) & 0x3F) << 6)
            | (UInt32(b[i + 3]) & 0x3F)
        return (v, 4)
    }

    @inline(__always)
    static func appendUTF8(_ v: UInt32, to bytes: inout [UInt8]) {
        if v < 0x80 {
            bytes.append(UInt8(v))
        } else if v < 0x800 {
            bytes.append(UInt8(0xC0 | (v >> 6)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            bytes.append(UInt8(0xE0 | (v >> 12)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            bytes.append(UInt8(0xF0 | (v >> 18)))
            bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}
