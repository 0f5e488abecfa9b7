import Foundation
import Testing
@testable import YardstickMetrics

/// Input files are read as the sacrebleu command line reads them.
@Suite struct SegmentInputTests {
    @Test func crlfLinesSplitAndLoseTheirCarriageReturn() throws {
        #expect(try SegmentInput.decodeLines(Data("a b\r\nc\r\n".utf8), path: "f") == ["a b", "c"])
        #expect(try SegmentInput.decodeLines(Data("a\r\nb\r\nc".utf8), path: "f").count == 3)
    }

    @Test func linesLosePythonTrailingWhitespaceOnly() throws {
        let text = "x \t\n y\u{3000}\u{A0}\nz\u{200B}\n\u{FEFF}w\n"
        #expect(try SegmentInput.decodeLines(Data(text.utf8), path: "f") == ["x", " y", "z\u{200B}", "\u{FEFF}w"])
    }

    @Test func aByteOrderMarkAtTheStartIsDropped() throws {
        #expect(try SegmentInput.decodeLines(Data([0xEF, 0xBB, 0xBF] + Array("hi\n".utf8)), path: "f") == ["hi"])
    }

    @Test func emptyLinesAreSegments() throws {
        #expect(try SegmentInput.decodeLines(Data("a\n\nb\n".utf8), path: "f") == ["a", "", "b"])
        #expect(try SegmentInput.decodeLines(Data("\n".utf8), path: "f") == [""])
    }

    @Test func invalidUTF8NamesItsLine() {
        #expect(throws: InputError(file: "f", line: 2, message: "invalid UTF-8 (byte 0xc3 at offset 2)")) {
            try SegmentInput.decodeLines(Data([0x61, 0x0A, 0xC3, 0x28]), path: "f")
        }
        #expect(throws: InputError(file: "f", line: 1, message: "invalid UTF-8 (byte 0xed at offset 0)")) {
            try SegmentInput.decodeLines(Data([0xED, 0xA0, 0x80]), path: "f")  // a UTF-16 surrogate
        }
    }

    @Test func jsonLinesWithCRLFAndBlankLinesKeepLineNumbers() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seg-\(UUID().uuidString).jsonl")
        try Data("{\"hypothesis\": \"a\", \"reference\": [\"b\", \"c\"]}\r\n\r\n{\"hypothesis\": \"d\", \"reference\": [\"e\", \"f\"]}\r\n".utf8).write(to: url)
        let read = try SegmentInput.readJSONL(path: url.path, hypothesisField: "hypothesis", referenceField: "reference")
        #expect(read.hypotheses == ["a", "d"])
        #expect(read.references == [["b", "c"], ["e", "f"]])
        try Data("{\"hypothesis\": \"a\", \"reference\": \"b\"}\r\n\r\n{\"hypothesis\": 3, \"reference\": \"x\"}\r\n".utf8).write(to: url)
        #expect(throws: InputError(file: url.path, line: 3, message: "field 'hypothesis' is not a string")) {
            try SegmentInput.readJSONL(path: url.path, hypothesisField: "hypothesis", referenceField: "reference")
        }
    }
}
