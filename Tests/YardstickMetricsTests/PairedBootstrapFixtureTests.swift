import Foundation
import Testing
import YardstickMetrics
import YardstickTestSupport

/// sacrebleu's `PairedTest` on the significance fixture: same numpy RNG, same float32 resample arithmetic,
/// so scores, p-values, means and intervals agree exactly, not just statistically.
@Suite struct PairedBootstrapFixtureTests {
    func lines(_ name: String) throws -> [String] {
        try Fixtures.text("metrics/significance/\(name)").split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    func expected(_ metric: String, _ key: String) throws -> [[String: Any]] {
        let doc = try Fixtures.json("metrics/significance/paired_bs.expected.json") as! [String: Any]
        let api = (doc["api"] as! [String: Any])[metric] as! [String: Any]
        return (api["results"] as! [String: Any])[key] as! [[String: Any]]
    }

    func check<M: SegmentMetric>(_ metric: M, key: String, name: String) throws {
        let refs = try lines("paired_bs.ref.txt").map { [$0] }
        let base = metric.statistics(hypotheses: try lines("paired_bs.sys1.txt"), references: refs)
        let sys = metric.statistics(hypotheses: try lines("paired_bs.sys2.txt"), references: refs)
        let want = try expected(key, name)
        let result = Significance.pairedBootstrap(metric: metric, baseline: base, system: sys)
        #expect(Fixtures.close(metric.headline(metric.score(totals: base.totals())), Fixtures.double(want[0]["score"])!))
        #expect(Fixtures.close(result.system.score, Fixtures.double(want[1]["score"])!))
        #expect(result.system.pValue == Fixtures.double(want[1]["p_value"])!, "p = \(result.system.pValue)")
        #expect(Fixtures.close(result.baseline.mean, Fixtures.double(want[0]["mean"])!), "baseline mean \(result.baseline.mean)")
        #expect(Fixtures.close(result.baseline.halfWidth, Fixtures.double(want[0]["ci"])!), "baseline ci \(result.baseline.halfWidth)")
        #expect(Fixtures.close(result.system.mean ?? .nan, Fixtures.double(want[1]["mean"])!), "system mean")
        #expect(Fixtures.close(result.system.ci ?? .nan, Fixtures.double(want[1]["ci"])!), "system ci")
    }

    @Test func pairedBootstrapOfBLEUEqualsSacrebleuExactly() throws {
        try check(BLEU(), key: "bleu", name: "BLEU")
    }

    @Test func pairedBootstrapOfChrFEqualsSacrebleuExactly() throws {
        try check(CHRF(), key: "chrf", name: "chrF2")
    }
}
