import Foundation

extension CHRF: BootstrapScoring {
    /// sacrebleu resamples float32 statistics and, under numpy 2, every step of its chrF formula then
    /// stays float32 (numpy scalars absorb Python floats), down to the mean of the resampled scores.
    public var resamplePrecision: Significance.ResamplePrecision { .float32 }

    /// sacrebleu's `_compute_f_score` in float32 arithmetic, widened to `Double` at the end.
    public func resampleHeadline(totals: [Double]) -> Double {
        let order = charOrder + wordOrder
        let eps = 1e-16
        let factor = Float(beta * beta)
        // `score` starts as a Python float; it turns float32 at the first numpy term added to it.
        var scoreDouble = 0.0
        var score: Float?
        var avgPrecision: Float = 0, avgRecall: Float = 0
        var effective = 0
        func add(_ term: Float) { score = (score ?? Float(scoreDouble)) + term }
        for i in 0..<order {
            let hyp = Float(totals[3 * i]), ref = Float(totals[3 * i + 1]), match = Float(totals[3 * i + 2])
            let precision: Float? = hyp > 0 ? match / hyp : nil
            let recall: Float? = ref > 0 ? match / ref : nil
            if precision == nil && recall == nil {
                // Both are the Python float eps: the whole term is a Python float.
                let denom = Double(factor) * eps + eps
                if let s = score { score = s + Float((1 + Double(factor)) * eps * eps / denom) }
                else { scoreDouble += (1 + Double(factor)) * eps * eps / denom }
            } else {
                let p = precision ?? Float(eps), r = recall ?? Float(eps)
                let denom = factor * p + r
                if denom > 0 { add((1 + factor) * p * r / denom) }
                else if let s = score { score = s + Float(eps) } else { scoreDouble += eps }
            }
            if hyp > 0 && ref > 0 {
                avgPrecision += precision!
                avgRecall += recall!
                effective += 1
            }
        }
        if epsSmoothing {
            if let s = score { return Double(Float(100) * s / Float(order)) }
            return 100 * scoreDouble / Double(order)
        }
        if effective == 0 { return 0 }
        avgPrecision /= Float(effective)
        avgRecall /= Float(effective)
        guard avgPrecision + avgRecall != 0 else { return 0 }
        var s = (1 + factor) * avgPrecision * avgRecall
        s /= (factor * avgPrecision) + avgRecall
        return Double(Float(100) * s)
    }
}
