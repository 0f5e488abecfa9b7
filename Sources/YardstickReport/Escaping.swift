import Foundation

/// Escaping for every context a user string reaches. Run names, params, inputs and predictions are arbitrary
/// text: a prediction that reads `<script>…</script>` must show as text, never run.
public enum Escape {
    /// Text and double- or single-quoted attribute values in HTML (and SVG/XML): `& < > " '` become entities.
    /// Control characters other than tab and newline, which XML forbids, become U+FFFD.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0xFFFE...0xFFFF).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A GitHub-flavoured Markdown table cell (also fine in running text): pipes, backticks, backslashes and the
    /// characters that start HTML, links or emphasis are backslash-escaped; line breaks become spaces, since a
    /// cell is one line. Plain-text readers see the text with a few backslashes.
    public static func markdown(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "|", "`", "*", "<", ">", "[", "]", "#", "&", "~", "!":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t":
                if !lastWasSpace { out += " " }
                lastWasSpace = true
                continue
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += " " } else { out.unicodeScalars.append(scalar) }
            }
            lastWasSpace = false
        }
        // Leading characters that would make a list item or heading stay text.
        if let first = out.first, "-+=".contains(first) { out = "\\" + out }
        return out
    }

    /// A string inside a Mermaid double-quoted title or label, which has no escape syntax: quotes become `'`,
    /// and line breaks and the characters Mermaid treats as markup are dropped.
    public static func mermaid(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\"": out.append("'")
            case "\n", "\r", "\t": out.append(" ")
            case "`", "<", ">", "#", ";", "{", "}", "\\": continue
            default: out.append(ch)
            }
        }
        return out
    }

    /// A file-name-safe slug of a run name (letters, digits, `-`, `_`), never empty.
    public static func slug(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" {
                out.unicodeScalars.append(scalar)
            } else if !out.hasSuffix("-") {
                out += "-"
            }
            if out.count >= 48 { break }
        }
        let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "run" : trimmed
    }
}

/// Number formatting shared by the charts and tables: few digits, no exponent for ordinary magnitudes.
public enum NumberFormat {
    /// A compact number: 4 significant digits, exponent form only for very small or large magnitudes.
    public static func short(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e6 || a < 1e-4 { return String(format: "%.3g", x) }
        if a >= 1000, x == x.rounded() { return grouped(Int64(x)) }
        var s = String(format: a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// 12,345: steps read like the advisor's evidence lines.
    public static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = n < 0 ? "-" : ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// Scores with two decimals (BLEU 42.92), or four for fractions below 1.
    public static func score(_ x: Double) -> String {
        if !x.isFinite { return short(x) }
        return String(format: abs(x) <= 1 && x != x.rounded() ? "%.4f" : "%.2f", x)
    }

    /// A p-value: `< 0.001` below that, else three decimals.
    public static func pValue(_ p: Double) -> String {
        p < 0.001 ? "< 0.001" : String(format: "%.3f", p)
    }
}
