import Foundation

/// Bad scoring input: names the file and, where it applies, the 1-based line.
public struct InputError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads segments from plain-text files (one segment per line) and JSON Lines files.
public enum SegmentInput {
    /// Reads a whole file; `-` is standard input.
    public static func readData(path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, message: "no such file")
        }
        if isDirectory.boolValue { throw InputError(file: path, message: "is a directory, expected a file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
    }

    /// One segment per line, read as the sacrebleu command line reads files: lines end at `\n` only, and each
    /// line loses its trailing whitespace (Python `rstrip()`, which also drops the `\r` of CRLF files). The final
    /// newline is optional. Invalid UTF-8 and empty files are errors.
    public static func readLines(path: String) throws -> [String] {
        try decodeLines(readData(path: path), path: path == "-" ? "<stdin>" : path)
    }

    /// Splits already-read bytes into lines; see ``readLines(path:)``.
    public static func decodeLines(_ data: Data, path: String) throws -> [String] {
        let bytes = try validatedUTF8(data, path: path)
        if bytes.isEmpty { throw InputError(file: path, message: "file is empty") }
        var lines = lineRanges(bytes).map { range -> String in
            let line = String(decoding: bytes[range], as: UTF8.self)
            return rstripped(line, lastByte: range.isEmpty ? nil : bytes[range.upperBound - 1])
        }
        if bytes.last == 0x0A { lines.removeLast() }
        return lines
    }

    /// Byte ranges of the `\n`-separated lines (splitting bytes, not `Character`s, keeps `\r\n` apart and is
    /// an order of magnitude faster than `String.split` on large files).
    static func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<b.count where b[i] == 0x0A {
                ranges.append(start..<i)
                start = i + 1
            }
        }
        ranges.append(start..<bytes.count)
        return ranges
    }

    /// Python's `rstrip()`; the last byte tells most lines apart without looking at their characters.
    static func rstripped(_ line: String, lastByte: UInt8?) -> String {
        guard let lastByte, lastByte >= 0x80 || PythonText.isSpace(UInt32(lastByte)) else { return line }
        var scalars = line.unicodeScalars
        while let last = scalars.last, PythonText.isSpace(last.value) { scalars.removeLast() }
        return String(scalars)
    }

    /// The bytes of a UTF-8 file without a leading byte-order mark, or an error naming the line of the first
    /// invalid byte.
    static func validatedUTF8(_ data: Data, path: String) throws -> [UInt8] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let bad = firstInvalidUTF8Offset(bytes) {
            let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw InputError(file: path, line: line, message: "invalid UTF-8 (byte 0x\(String(bytes[bad], radix: 16)) at offset \(bad))")
        }
        return bytes
    }

    /// Decodes UTF-8 (a leading byte-order mark is dropped), naming the line of the first invalid byte.
    public static func decodeUTF8(_ data: Data, path: String) throws -> String {
        String(decoding: try validatedUTF8(data, path: path), as: UTF8.self)
    }

    /// Offset of the first byte that does not start or continue a valid UTF-8 sequence (RFC 3629:
    /// no overlongs, no surrogates, nothing above U+10FFFF).
    static func firstInvalidUTF8Offset(_ b: [UInt8]) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            if i + need >= n { return i }
            for k in 1...need {
                let cc = b[i + k]
                let (l, h) = k == 1 ? (lo, hi) : (UInt8(0x80), UInt8(0xBF))
                if cc < l || cc > h { return i }
            }
            i += need + 1
        }
        return nil
    }

    /// Reads a JSON Lines file and takes, from every row, the hypothesis field (a string) and the
    /// reference field (a string or an array of strings). Every row must have the same number of
    /// references. Blank lines are skipped.
    public static func readJSONL(path: String, hypothesisField: String, referenceField: String) throws
        -> (hypotheses: [String], references: [[String]])
    {
        let name = path == "-" ? "<stdin>" : path
        let rows = try readJSONLObjects(path: path)
        if rows.isEmpty { throw InputError(file: name, message: "file holds no JSON rows") }
        var hyps: [String] = []
        var refs: [[String]] = []
        hyps.reserveCapacity(rows.count)
        refs.reserveCapacity(rows.count)
        for (line, object) in rows {
            guard let h = object[hypothesisField] else {
                throw InputError(file: name, line: line, message: "row has no field '\(hypothesisField)'")
            }
            guard let hyp = h as? String else {
                throw InputError(file: name, line: line, message: "field '\(hypothesisField)' is not a string")
            }
            guard let r = object[referenceField] else {
                throw InputError(file: name, line: line, message: "row has no field '\(referenceField)'")
            }
            let segmentRefs: [String]
            if let s = r as? String { segmentRefs = [s] }
            else if let a = r as? [Any], !a.isEmpty, a.allSatisfy({ $0 is String }) { segmentRefs = a as! [String] }
            else {
                throw InputError(file: name, line: line, message: "field '\(referenceField)' must be a string or a non-empty array of strings")
            }
            if let first = refs.first, first.count != segmentRefs.count {
                throw InputError(file: name, line: line, message: "row has \(segmentRefs.count) references, the first row has \(first.count)")
            }
            hyps.append(hyp)
            refs.append(segmentRefs)
        }
        return (hyps, refs)
    }

    /// Every non-blank line of a JSON Lines file as an object, with its 1-based line number.
    public static func readJSONLObjects(path: String) throws -> [(line: Int, object: [String: Any])] {
        try readJSONLObjects(data: readData(path: path), path: path)
    }

    /// Every non-blank line of JSON Lines bytes as an object; see ``readJSONLObjects(path:)``.
    public static func readJSONLObjects(data: Data, path: String) throws -> [(line: Int, object: [String: Any])] {
        let name = path == "-" ? "<stdin>" : path
        let bytes = try validatedUTF8(data, path: name)
        if bytes.isEmpty { throw InputError(file: name, message: "file is empty") }
        var out: [(line: Int, object: [String: Any])] = []
        var lineNumber = 0
        for range in lineRanges(bytes) {
            lineNumber += 1
            if bytes[range].allSatisfy({ $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }) { continue }
            let parsed: Any
            do {
                parsed = try JSONSerialization.jsonObject(with: Data(bytes[range]), options: [])
            } catch {
                throw InputError(file: name, line: lineNumber, message: "invalid JSON")
            }
            guard let object = parsed as? [String: Any] else {
                throw InputError(file: name, line: lineNumber, message: "expected a JSON object")
            }
            out.append((lineNumber, object))
        }
        return out
    }

    /// Turns reference files (one stream per file, as sacrebleu takes them) into per-segment
    /// reference lists, checking that every file has as many lines as the hypotheses.
    public static func transpose(referenceStreams: [(path: String, lines: [String])], hypothesisPath: String,
                                 hypothesisCount: Int) throws -> [[String]] {
        guard !referenceStreams.isEmpty else { throw InputError(file: hypothesisPath, message: "no reference given (use --ref)") }
        for stream in referenceStreams where stream.lines.count != hypothesisCount {
            throw InputError(file: stream.path, message: "has \(stream.lines.count) lines but \(hypothesisPath) has \(hypothesisCount)")
        }
        return (0..<hypothesisCount).map { i in referenceStreams.map { $0.lines[i] } }
    }
}
