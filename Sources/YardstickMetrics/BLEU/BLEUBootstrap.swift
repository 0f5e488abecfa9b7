import Foundation

extension BLEU: BootstrapScoring {
    /// sacrebleu scores bootstrap resamples from float32 totals, so `100. * correct / total` and the
    /// exp-smoothing term are float32 operations under numpy 2; the logarithms, the brevity penalty
    /// (from `int()` lengths) and the mean are float64. Reproducing that keeps p-values and intervals
    /// identical to sacrebleu's for the same seed.
    public func resampleHeadline(totals: [Double]) -> Double {
        let order = 4
        let sysLen = Int(totals[0])
        let refLen = Int(totals[1])
        var correct = (0..<order).map { Float(totals[2 + $0]) }
        var total = (0..<order).map { Float(totals[2 + order + $0]) }
        var bp = 1.0
        if sysLen < refLen { bp = sysLen > 0 ? Foundation.exp(1 - Double(refLen) / Double(sysLen)) : 0 }
        if correct.allSatisfy({ $0 == 0 }) { return 0 }
        var precisions = [Float](repeating: 0, count: order)
        var mteval = 1.0
        var effective = order
        for n in 0..<order {
            if case let .addK(k) = smoothing, n > 0 {
                correct[n] += Float(k)
                total[n] += Float(k)
            }
            if total[n] == 0 { break }
            if effectiveOrder { effective = n + 1 }
            if correct[n] == 0 {
                switch smoothing {
                case .exp:
                    mteval *= 2
                    precisions[n] = Float(100) / (Float(mteval) * total[n])
                case let .floor(value):
                    precisions[n] = Float(100 * value) / total[n]
                case .addK, .none:
                    break
                }
            } else {
                precisions[n] = Float(100) * correct[n] / total[n]
            }
        }
        var sum = 0.0
        for p in precisions[0..<effective] { sum += p == 0 ? -9_999_999_999 : Foundation.log(Double(p)) }
        return bp * Foundation.exp(sum / Double(effective))
    }
}
