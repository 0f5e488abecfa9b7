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
        let floats = FixtureFloats("paired bootstrap")
        floats.exact(metric.headline(metric.score(totals: base.totals())), Fixtures.double(want[0]["score"])!, "baseline score")
        floats.exact(result.system.score, Fixtures.double(want[1]["score"])!, "system score")
        floats.exact(result.system.pValue, Fixtures.double(want[1]["p_value"])!, "p-value")
        floats.exact(result.baseline.mean, Fixtures.double(want[0]["mean"])!, "baseline mean")
        floats.exact(result.baseline.halfWidth, Fixtures.double(want[0]["ci"])!, "baseline ci")
        floats.exact(result.system.mean ?? .nan, Fixtures.double(want[1]["mean"])!, "system mean")
        floats.exact(result.system.ci ?? .nan, Fixtures.double(want[1]["ci"])!, "system ci")
        floats.report(name)
    }

    @Test func pairedBootstrapOfBLEUEqualsSacrebleuExactly() throws {
        try check(BLEU(), key: "bleu", name: "BLEU")
    }

    @Test func pairedBootstrapOfChrFEqualsSacrebleuExactly() throws {
        try check(CHRF(), key: "chrf", name: "chrF2")
    }
}
