import Testing
@testable import YardstickMetrics

@Test func pythonLowerAppliesFinalSigma() {
    #expect(PythonText.lower("ΟΔΟΣ ΟΔΟΣ. İx") == "οδος οδος. i\u{307}x")
}
@Test func pythonSplitUsesPythonWhitespace() {
    #expect(PythonText.split(" a\u{A0}b\u{200B}c\u{3000}d ") == ["a", "b\u{200B}c", "d"])
}
