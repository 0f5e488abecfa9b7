import Foundation
import Testing

/// Compares floats of a reference fixture and counts how each was compared, so the README's
/// "bit-identical" claim is backed by a printed tally rather than by a blanket tolerance.
///
/// `exact` is `==` on the Double. `within` is for the few values that cannot be bit-identical and
/// needs the reason, which is printed with the tally.
final class FixtureFloats {
    let metric: String
    private(set) var exactCount = 0
    private(set) var toleratedCount = 0
    private var reasons: [String] = []

    init(_ metric: String) { self.metric = metric }

    /// `actual == expected`, bit for bit.
    func exact(_ actual: Double, _ expected: Double, _ name: @autoclosure () -> String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        exactCount += 1
        #expect(actual == expected, "\(name()): \(actual) vs \(expected) (bit-identical expected)",
                sourceLocation: sourceLocation)
    }

    /// `|actual − expected| ≤ relative · max(1, |expected|)`, for a value that cannot be bit-identical
    /// for the stated `reason`.
    func within(_ actual: Double, _ expected: Double, relative: Double, because reason: String,
                _ name: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        toleratedCount += 1
        if !reasons.contains(reason) { reasons.append(reason) }
        #expect(abs(actual - expected) <= relative * max(1, abs(expected)),
                "\(name()): \(actual) vs \(expected) (within \(relative) relative)", sourceLocation: sourceLocation)
    }

    /// Prints `fixture floats [metric] …: N bit-identical, M within tolerance`.
    func report(_ scope: String = "") {
        let label = scope.isEmpty ? metric : "\(metric) \(scope)"
        var line = "fixture floats [\(label)]: \(exactCount) bit-identical, \(toleratedCount) within tolerance"
        if !reasons.isEmpty { line += " (" + reasons.joined(separator: "; ") + ")" }
        print(line)
    }
}
