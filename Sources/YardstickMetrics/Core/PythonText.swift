/// Python `str` semantics that the reference implementations rely on.
///
/// sacrebleu and rouge-score run on CPython 3.11, whose `unicodedata` is Unicode 14.0. Swift's own
/// tables are newer and its `lowercased()` has no final-sigma rule, so every metric goes through
/// these helpers instead of Foundation's to stay bit-compatible.
public enum PythonText {
    /// The Unicode version of CPython 3.11's character database.
    public static let unicodeVersion: (major: Int, minor: Int) = (14, 0)

    /// Python's `str.isspace()` for one code point.
    @inlinable
    public static func isSpace(_ v: UInt32) -> Bool {
        if v < 0x80 {
            return v == 0x20 || (v >= 0x09 && v <= 0x0D) || (v >= 0x1C && v <= 0x1F)
        }
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// True when CPython 3.11 knows the code point (assigned in Unicode 14.0 or earlier).
    @inlinable
    public static func isKnown(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < unicodeVersion.major
            || (age.major == unicodeVersion.major && age.minor <= unicodeVersion.minor)
    }

    /// Python's `str.lower()`: full Unicode mapping (`İ` → `i̇`) and the final-sigma rule.
    public static func lower(_ cps: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(cps.count)
        var i = 0
        while i < cps.count {
            let v = cps[i]
            if v < 0x80 {
                out.append((v >= 0x41 && v <= 0x5A) ? v + 32 : v)
            } else if v == 0x3A3 {
                out.append(isFinalSigma(cps, at: i) ? 0x3C2 : 0x3C3)
            } else if let s = Unicode.Scalar(v), isKnown(s) {
                let mapped = s.properties.lowercaseMapping
                if mapped.unicodeScalars.count == 1, mapped.unicodeScalars.first == s {
                    out.append(v)
                } else {
                    for m in mapped.unicodeScalars { out.append(m.value) }
                }
            } else {
                out.append(v)
            }
            i += 1
        }
        return out
    }

    /// Python's `str.lower()` on a `String`.
    public static func lower(_ s: String) -> String {
        var ascii = true
        for b in s.utf8 where b >= 0x80 { ascii = false; break }
        if ascii { return s.lowercased() }
        return string(lower(codePoints(s)))
    }

    /// CPython's `handle_capital_sigma`: Σ is final when a cased letter precedes it and none
    /// follows it (case-ignorable characters skipped on both sides).
    static func isFinalSigma(_ cps: [UInt32], at i: Int) -> Bool {
        var j = i - 1
        var precededByCased = false
        while j >= 0 {
            guard let s = Unicode.Scalar(cps[j]) else { break }
            if isKnown(s) && s.properties.isCaseIgnorable { j -= 1; continue }
            precededByCased = isKnown(s) && s.properties.isCased
            break
        }
        if !precededByCased { return false }
        j = i + 1
        while j < cps.count {
            guard let s = Unicode.Scalar(cps[j]) else { break }
            if isKnown(s) && s.properties.isCaseIgnorable { j += 1; continue }
            return !(isKnown(s) && s.properties.isCased)
        }
        return true
    }

    /// The code points of a string.
    @inlinable
    public static func codePoints(_ s: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars { out.append(u.value) }
        return out
    }

    /// A string from code points (invalid values are skipped; they cannot come from a `String`).
    public static func string<C: Collection>(_ cps: C) -> String where C.Element == UInt32 {
        var s = String.UnicodeScalarView()
        for v in cps { if let u = Unicode.Scalar(v) { s.append(u) } }
        return String(s)
    }

    /// Python's `str.split()` with no argument: runs of whitespace, no empty tokens.
    /// Returns half-open ranges into `cps`.
    public static func splitRanges(_ cps: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = -1
        for i in 0..<cps.count {
            if isSpace(cps[i]) {
                if start >= 0 { out.append(start..<i); start = -1 }
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { out.append(start..<cps.count) }
        return out
    }

    /// Python's `str.split()` as strings.
    public static func split(_ s: String) -> [String] {
        let cps = codePoints(s)
        return splitRanges(cps).map { string(cps[$0]) }
    }

    /// Python's `str.rstrip()` with no argument.
    public static func rstrip(_ cps: [UInt32]) -> ArraySlice<UInt32> {
        var end = cps.count
        while end > 0 && isSpace(cps[end - 1]) { end -= 1 }
        return cps[0..<end]
    }

    /// Python's `str.strip()` with no argument.
    public static func strip(_ cps: [UInt32]) -> ArraySlice<UInt32> {
        var end = cps.count
        while end > 0 && isSpace(cps[end - 1]) { end -= 1 }
        var start = 0
        while start < end && isSpace(cps[start]) { start += 1 }
        return cps[start..<end]
    }
}
