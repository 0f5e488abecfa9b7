import Foundation
import Testing
import YardstickAdvisor

@Suite("Performance")
struct PerformanceTests {
    /// A million noisy training points plus 1,000 evaluations. Release builds take about 0.12 s (Benchmarks/
    /// AdvisorBench); this debug-build bound only catches a slip into quadratic work, which would take hours.
    @Test func aMillionPointRunIsAdvisedInLinearishTime() {
        let n = 1_000_000
        var train: [CurvePoint] = []
        train.reserveCapacity(n)
        var eval: [CurvePoint] = []
        for step in 1...n {
            let t = Double(step) / Double(n)
            let level = 0.3 + 2 * exp(-8 * t)
            train.append(CurvePoint(step: Int64(step), value: level * (1 + 0.2 * sin(Double(step) * 12.9898))))
            if step % 1000 == 0 { eval.append(CurvePoint(step: Int64(step), value: level + 0.05)) }
        }
        let curves = TrainingCurves(series: ["train_loss": train, "eval_loss": eval])
        let start = Date()
        let advice = Advisor.advise(curves)
        let seconds = Date().timeIntervalSince(start)
        print("advised \(n) points in \(String(format: "%.3f", seconds)) s (debug build)")
        #expect(!advice.diagnoses.isEmpty)
        #expect(seconds < 30)
    }
}
