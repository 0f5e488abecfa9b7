import Foundation
import Testing
import YardstickRunner

@Suite struct OutputProcessingTests {
    @Test func labelsMapToTheFirstLabelMentionedCaseInsensitively() {
        let p = OutputProcessing(labels: ["positive", "negative", "neutral"])
        #expect(p.apply("  The review is NEGATIVE, not positive.\n") == "negative")
        #expect(p.apply("Positive") == "positive")
        #expect(p.apply("no idea") == "no idea", "an output naming no label is kept for inspection")
    }

    @Test func stopSequencesCutAndWhitespaceIsTrimmed() {
        let p = OutputProcessing(stop: ["\n", "END"])
        #expect(p.apply("  answer END more") == "answer")
        #expect(p.apply("first line\nsecond") == "first line")
        #expect(OutputProcessing(trim: false).apply(" x ") == " x ")
    }

    @Test func failureLimitsParseCountsFractionsAndPercentages() {
        #expect(FailureLimit(parsing: "5") == .count(5))
        #expect(FailureLimit(parsing: "0.1") == .fraction(0.1))
        #expect(FailureLimit(parsing: "10%") == .fraction(0.1))
        #expect(FailureLimit(parsing: "lots") == nil)
    }
}
