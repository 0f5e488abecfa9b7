import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// The importers read numbers straight from bytes; they must round exactly like Swift's `Double(String)`.
@Suite struct ImporterNumberTests {
    /// A deterministic mix of decimal literals: long and short mantissas, wide exponents, subnormals, overflow.
    static func literals() -> [String] {
        var fixed = [
            "0.1998001998001998", "24.878197320341048", "0.006579866043726603", "1.1219322681427002",
            "0", "-0", "0.0", "1", "-1", "+2.5", "1.", ".5", "1E5", "1e-5", "2.5e+3", "9007199254740993",
            "9007199254740992", "123456789012345678901234567890e-10", "0.000000000000000000000000000123",
            "4.9e-324", "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "1e400",
            "-1e400", "1e-400", "3.0000000000000004", "0.30000000000000004", "7.8813", "1e22", "1e23", "8.98846567431158e307",
            "inf", "-inf", "Infinity", "1.2345e+16", "100000000000000000000000", "00012.5000",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        for _ in 0..<4000 {
            let digits = Int(next() % 21) + 1
            var mantissa = ""
            for k in 0..<digits { mantissa.append(Character(String(k == 0 ? next() % 9 + 1 : next() % 10))) }
            let point = Int(next() % UInt64(digits + 1))
            let body = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            let exponent = Int(next() % 80) - 40
            let sign = next() % 4 == 0 ? "-" : ""
            fixed.append(next() % 2 == 0 ? "\(sign)\(body)e\(exponent)" : "\(sign)\(body)")
        }
        return fixed
    }

    @Test func csvCellsRoundExactlyLikeSwiftDoubleParsing() throws {
        let literals = Self.literals()
        var csv = "step,key,value\n"
        for (i, text) in literals.enumerated() { csv += "\(i),v,\(text)\n" }
        let rows = try Importers.parseMetricRows(data: Data(csv.utf8), path: "numbers.csv")
        try #require(rows.count == literals.count)
        for (row, text) in zip(rows, literals) {
            let want = try #require(Double(text), "\(text)")
            #expect(row.value.bitPattern == want.bitPattern, "\(text): \(row.value) vs \(want)")
        }
    }

    @Test func jsonNumbersRoundExactlyLikeSwiftDoubleParsing() throws {
        // JSON's grammar is stricter: no '+', no bare '.', no leading zeros, no inf text.
        let literals = Self.literals().filter { text in
            let body = text.hasPrefix("-") ? String(text.dropFirst()) : text
            guard let first = body.first, first.isNumber, !body.hasPrefix("00"), !body.contains(".e"), !body.hasSuffix(".") else { return false }
            if body.hasPrefix("0"), body.count > 1, body.dropFirst().first?.isNumber == true { return false }
            return !body.lowercased().contains("inf")
        }
        #expect(literals.count > 2000)
        var lines = ""
        for (i, text) in literals.enumerated() { lines += "{\"step\": \(i), \"v\": \(text)}\n" }
        let rows = try Importers.parseMetricRows(data: Data(lines.utf8), path: "numbers.jsonl")
        try #require(rows.count == literals.count)
        for (row, text) in zip(rows, literals) {
            let want = try #require(Double(text), "\(text)")
            #expect(row.value.bitPattern == want.bitPattern, "\(text): \(row.value) vs \(want)")
        }
    }

    @Test func largeIntegerParametersStayExactIntegers() throws {
        let json = #"{"max_steps": 9007199254740993, "global_step": 3, "num_train_epochs": 3, "log_history": []}"#
        let run = try #require(try Importers.parse(data: Data(json.utf8), path: "trainer_state.json").first)
        #expect(run.param("max_steps") == .int(9_007_199_254_740_993))
        #expect(run.param("num_train_epochs") == .int(3))
    }
}
