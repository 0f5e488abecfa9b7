import Foundation

/// Number parsing straight from UTF-8 bytes, so bulk CSV and JSON parsing never builds a `String` per cell.
enum NumberParsing {
    /// Powers of ten that are exact in binary64: a mantissa below 2^53 scaled by one of them is correctly rounded
    /// after a single IEEE multiply or divide (Clinger's fast path).
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// The bytes without leading and trailing spaces and tabs.
    static func trimmed(_ p: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0
        var hi = p.count
        while lo < hi, isBlank(p[lo]) { lo += 1 }
        while hi > lo, isBlank(p[hi - 1]) { hi -= 1 }
        if lo == 0 && hi == p.count { return p }
        return UnsafeBufferPointer(rebasing: p[lo..<hi])
    }

    /// Parses the whole buffer as a floating-point number, correctly rounded; nil when it is not one.
    /// Accepts what Swift's `Double(String)` accepts (decimal, hex floats) and the NaN/infinity text of
    /// ``nonFinite(_:)``.
    static func double(_ p: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = p.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var truncated = false
        while i < n, isDigit(p[i]) {
            sawDigit = true
            let d = UInt64(p[i] &- 48)
            if mantissa == 0 && d == 0 {
                // leading zero: contributes nothing
            } else if digits < 19 {
                mantissa = mantissa &* 10 &+ d
                digits += 1
            } else {
                exponent += 1
                truncated = true
            }
            i += 1
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, isDigit(p[i]) {
                sawDigit = true
                let d = UInt64(p[i] &- 48)
                if mantissa == 0 && d == 0 {
                    exponent -= 1
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ d
                    digits += 1
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        guard sawDigit else { return nonFinite(p) ?? slowDouble(p) }
        if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < n, p[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if i < n, p[i] == UInt8(ascii: "+") { i += 1 }
            guard i < n, isDigit(p[i]) else { return nil }
            var e = 0
            while i < n, isDigit(p[i]) {
                if e < 100_000 { e = e * 10 + Int(p[i] &- 48) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return slowDouble(p) }
        if mantissa == 0 { return truncated ? slowDouble(p) : (negative ? -0.0 : 0.0) }
        if !truncated && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= exactPowersOfTen[-exponent] } else { value *= exactPowersOfTen[exponent] }
            return negative ? -value : value
        }
        return slowDouble(p)
    }

    /// Swift's own correctly rounded parser, for the rare inputs outside the fast path.
    private static func slowDouble(_ p: UnsafeBufferPointer<UInt8>) -> Double? {
        Double(String(decoding: p, as: UTF8.self))
    }

    /// Parses the whole buffer as a decimal integer (optional sign); nil on anything else or overflow.
    static func int64(_ p: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = p.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        guard i < n else { return nil }
        var value: Int64 = 0
        while i < n {
            let b = p[i]
            guard isDigit(b) else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let d = Int64(b &- 48)
            let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            value = s
            i += 1
        }
        return value
    }

    /// A step number: an integer, or a float with no fractional part (pandas writes `10.0` once a column has gaps).
    static func step(_ p: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let i = int64(p) { return i }
        guard let d = double(p) else { return nil }
        return integral(d)
    }

    /// `d` as an `Int64` when it is a whole number in range.
    static func integral(_ d: Double) -> Int64? {
        guard d.isFinite, d.rounded(.towardZero) == d, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else {
            return nil
        }
        return Int64(d)
    }

    /// Cell texts that mean "no value", compared case-insensitively: empty, `NA`, `N/A`, `null`, and the `None` /
    /// `#N/A` that Python f-strings and spreadsheets write. NaN text is not among them: a loss that went NaN is the
    /// clearest sign of divergence and is kept as a value (see ``nonFinite(_:)``).
    static func isMissingText(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        switch p.count {
        case 0: return true
        case 2: return lower(p[0]) == 0x6E && lower(p[1]) == 0x61  // na
        case 3: return lower(p[0]) == 0x6E && p[1] == 0x2F && lower(p[2]) == 0x61  // n/a
        case 4:
            let s = (lower(p[0]), lower(p[1]), lower(p[2]), lower(p[3]))
            return s == (0x6E, 0x75, 0x6C, 0x6C) || s == (0x6E, 0x6F, 0x6E, 0x65)  // null, none
                || s == (0x23, 0x6E, 0x2F, 0x61)  // #n/a
        default: return false
        }
    }

    /// NaN and infinity written as text, compared case-insensitively with an optional sign: `nan`, `inf`,
    /// `infinity` (so `NaN`, `-nan`, `Inf`, `-Infinity`, …). Nil for anything else.
    static func nonFinite(_ p: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var negative = false
        if let first = p.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i = 1
        }
        func matches(_ word: StaticString) -> Bool {
            guard p.count - i == word.utf8CodeUnitCount else { return false }
            return word.withUTF8Buffer { w in w.indices.allSatisfy { lower(p[i + $0]) == w[$0] } }
        }
        if matches("nan") { return .nan }
        if matches("inf") || matches("infinity") { return negative ? -.infinity : .infinity }
        return nil
    }

    /// ``nonFinite(_:)`` for a `String` (JSON string values).
    static func nonFinite(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { nonFinite(trimmed($0)) }
    }

    /// ``isMissingText(_:)`` for a `String` (JSON string values).
    static func isMissingText(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isMissingText(trimmed($0)) }
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }
}
