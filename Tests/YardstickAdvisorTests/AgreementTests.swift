import Foundation
import Testing
import YardstickAdvisor
import YardstickTestSupport

/// Agreement of the advisor with the annotator on a set of labelled runs.
struct Agreement: CustomStringConvertible {
    var runs = 0
    var epochs = 0, overlap = 0, learningRate = 0, batchSize = 0, keepLearningRate = 0, keepBatchSize = 0
    var truePositives: [DiagnosisLabel: Int] = [:], falsePositives: [DiagnosisLabel: Int] = [:], falseNegatives: [DiagnosisLabel: Int] = [:]
    var rows: [String] = []

    init(_ set: [LabelledRun], thresholds: AdvisorThresholds = .standard) {
        for run in set {
            let advice = Advisor.advise(run.curves, thresholds: thresholds)
            let predicted = Set(advice.labels.map(\.rawValue))
            runs += 1
            epochs += advice.epochs.rawValue == run.epochs ? 1 : 0
            overlap += predicted.isDisjoint(with: run.labels) ? 0 : 1
            learningRate += advice.learningRate.rawValue == run.learningRate ? 1 : 0
            batchSize += advice.batchSize.rawValue == run.batchSize ? 1 : 0
            keepLearningRate += run.learningRate == "keep" ? 1 : 0
            keepBatchSize += run.batchSize == "keep" ? 1 : 0
            for label in DiagnosisLabel.allCases {
                switch (predicted.contains(label.rawValue), run.labels.contains(label.rawValue)) {
                case (true, true): truePositives[label, default: 0] += 1
                case (true, false): falsePositives[label, default: 0] += 1
                case (false, true): falseNegatives[label, default: 0] += 1
                default: break
                }
            }
            rows.append("\(run.id) \(predicted.isDisjoint(with: run.labels) ? "✗" : "✓") label \(run.labels.sorted().joined(separator: ",")) | advisor \(predicted.sorted().joined(separator: ",")) | epochs \(run.epochs)/\(advice.epochs.rawValue) lr \(run.learningRate)/\(advice.learningRate.rawValue) bs \(run.batchSize)/\(advice.batchSize.rawValue)")
        }
    }

    func rate(_ n: Int) -> Double { runs == 0 ? 0 : Double(n) / Double(runs) }
    var epochsRate: Double { rate(epochs) }
    var overlapRate: Double { rate(overlap) }

    func precision(_ l: DiagnosisLabel) -> Double {
        let tp = truePositives[l, default: 0], fp = falsePositives[l, default: 0]
        return tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
    }

    func recall(_ l: DiagnosisLabel) -> Double {
        let tp = truePositives[l, default: 0], fn = falseNegatives[l, default: 0]
        return tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn)
    }

    /// Mean F1 over the labels that occur in the annotations or the predictions (scikit-learn's default label
    /// set); a label that occurs on one side only scores 0.
    var macroF1: Double {
        let present = DiagnosisLabel.allCases.filter {
            truePositives[$0, default: 0] + falsePositives[$0, default: 0] + falseNegatives[$0, default: 0] > 0
        }
        guard !present.isEmpty else { return 0 }
        return present.map { l in
            let p = precision(l), r = recall(l)
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }.reduce(0, +) / Double(present.count)
    }

    var description: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        var s = "runs \(runs): epochs \(f(epochsRate)), label overlap \(f(overlapRate)), macro-F1 \(f(macroF1)), "
            + "learning rate \(f(rate(learningRate))) (always keep \(f(rate(keepLearningRate)))), "
            + "batch size \(f(rate(batchSize))) (always keep \(f(rate(keepBatchSize))))\n"
        for l in DiagnosisLabel.allCases {
            s += "  \(l.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) P \(f(precision(l)))  R \(f(recall(l)))  "
                + "(tp \(truePositives[l, default: 0]), fp \(falsePositives[l, default: 0]), fn \(falseNegatives[l, default: 0]))\n"
        }
        return s
    }
}

@Suite("Agreement with the labelled public curves")
struct AgreementTests {
    @Test func advisorAgreesWithTheAnnotatorOnDevelopmentAndCheckHalves() throws {
        let all = try LabelledRun.all()
        #expect(all.count == 47)
        let dev = Agreement(all.filter(\.isDevelopment))
        let check = Agreement(all.filter { !$0.isDevelopment })
        let total = Agreement(all)
        print("== development half (odd ids)\n\(dev)")
        print("== check half (even ids; seen when the second version of the rules was designed)\n\(check)")
        print("== all 47\n\(total)")
        print(total.rows.joined(separator: "\n"))
        // Floors at the figures reached (README, "measured agreement"), so a regression fails. They meet the issue's
        // targets (held-out half: epochs ≥ 0.70, overlap ≥ 0.70, macro-F1 ≥ 0.6; all 47: epochs ≥ 0.80, overlap ≥ 0.75).
        #expect(dev.epochsRate >= Self.reached.dev.epochs - 1e-9 && dev.overlapRate >= Self.reached.dev.overlap - 1e-9)
        #expect(dev.macroF1 >= Self.reached.dev.macroF1 - 1e-9)
        #expect(check.epochsRate >= Self.reached.check.epochs - 1e-9 && check.overlapRate >= Self.reached.check.overlap - 1e-9)
        #expect(check.macroF1 >= Self.reached.check.macroF1 - 1e-9)
        #expect(total.epochsRate >= Self.reached.all.epochs - 1e-9 && total.overlapRate >= Self.reached.all.overlap - 1e-9)
        #expect(total.macroF1 >= Self.reached.all.macroF1 - 1e-9)
        // Learning rate and batch size: never worse than always answering keep.
        #expect(total.learningRate >= total.keepLearningRate && total.batchSize >= total.keepBatchSize)
    }

    static let reached = (
        dev: (epochs: 22.0 / 25, overlap: 23.0 / 25, macroF1: 0.82),
        check: (epochs: 18.0 / 22, overlap: 19.0 / 22, macroF1: 0.77),
        all: (epochs: 40.0 / 47, overlap: 42.0 / 47, macroF1: 0.84)
    )
}

@Suite("Threshold sensitivity")
struct ThresholdSensitivityTests {
    /// Each threshold alone scaled by 0.75 and 1.25: agreement must barely move, or the rules depend on a lucky
    /// constant rather than on the curves. Measured on the development half (as before) and on all 47.
    @Test func everyThresholdMovedByAQuarterChangesAgreementLittle() throws {
        let all = try LabelledRun.all()
        let dev = all.filter(\.isDevelopment)
        let baseDev = Agreement(dev), baseAll = Agreement(all)
        var worstDev = 0.0, worstAll = 0.0
        var table = "threshold            dev ×0.75   dev ×1.25   all ×0.75   all ×1.25   epochs/overlap "
            + "(base dev \(String(format: "%.2f/%.2f", baseDev.epochsRate, baseDev.overlapRate)), "
            + "all \(String(format: "%.2f/%.2f", baseAll.epochsRate, baseAll.overlapRate)))\n"
        for (name, keyPath) in AdvisorThresholds.all {
            var cells: [String] = []
            for (set, base) in [(dev, baseDev), (all, baseAll)] {
                for factor in [0.75, 1.25] {
                    var t = AdvisorThresholds.standard
                    t[keyPath: keyPath] *= factor
                    let a = Agreement(set, thresholds: t)
                    let change = max(abs(a.epochsRate - base.epochsRate), abs(a.overlapRate - base.overlapRate))
                    if set.count == dev.count { worstDev = max(worstDev, change) } else { worstAll = max(worstAll, change) }
                    cells.append(String(format: "%.2f/%.2f", a.epochsRate, a.overlapRate).padding(toLength: 12, withPad: " ", startingAt: 0))
                }
            }
            table += name.padding(toLength: 21, withPad: " ", startingAt: 0) + cells.joined() + "\n"
        }
        print(table + "largest change: development half \(String(format: "%.2f", worstDev)), all 47 \(String(format: "%.2f", worstAll))")
        // Measured: at most 2 of the 25 development runs and 2 of all 47 change for any single ±25% move; the bounds
        // allow one more on all 47.
        #expect(worstDev <= 2.0 / 25 + 1e-9)
        #expect(worstAll <= 3.0 / 47 + 1e-9)
    }
}

@Suite("Threshold choice across halves")
struct ThresholdChoiceTests {
    /// The thresholds that were read off the labelled curves (rather than taken from a source) are re-chosen on each
    /// half alone: the best grid value on odd ids and the best on even ids (the middle of the best values on ties)
    /// should be close, and give close agreement on all 47. A threshold that only one half likes is fitted noise.
    @Test func thresholdsPickedOnOddIdsOrOnEvenIdsAgree() throws {
        let all = try LabelledRun.all()
        let odd = all.filter(\.isDevelopment), even = all.filter { !$0.isDevelopment }
        let grids: [(String, WritableKeyPath<AdvisorThresholds, Double>, [Double])] = [
            ("tailFallOverNoise", \.tailFallOverNoise, [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4]),
            ("settlingBand", \.settlingBand, [0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3]),
            ("tailPace", \.tailPace, [0.05, 0.1, 0.15, 0.25, 0.375, 0.5]),
        ]
        var table = "threshold            standard  odd pick → all 47 (epochs/overlap)  even pick → all 47\n"
        for (name, keyPath, grid) in grids {
            func pick(_ set: [LabelledRun]) -> Double {
                let scores = grid.map { value -> Int in
                    var t = AdvisorThresholds.standard
                    t[keyPath: keyPath] = value
                    let a = Agreement(set, thresholds: t)
                    return a.epochs + a.overlap
                }
                let best = grid.indices.filter { scores[$0] == scores.max()! }
                return grid[best[best.count / 2]]
            }
            func onAll(_ value: Double) -> Agreement {
                var t = AdvisorThresholds.standard
                t[keyPath: keyPath] = value
                return Agreement(all, thresholds: t)
            }
            let p1 = pick(odd), p2 = pick(even)
            let a1 = onAll(p1), a2 = onAll(p2)
            table += name.padding(toLength: 21, withPad: " ", startingAt: 0)
                + String(format: "%-9g %-6g → %.2f/%.2f                   %-6g → %.2f/%.2f\n",
                         AdvisorThresholds.standard[keyPath: keyPath], p1, a1.epochsRate, a1.overlapRate, p2, a2.epochsRate, a2.overlapRate)
            #expect(abs(a1.epochsRate - a2.epochsRate) <= 4.0 / 47 + 1e-9 && abs(a1.overlapRate - a2.overlapRate) <= 4.0 / 47 + 1e-9, "\(name)")
        }
        print(table)
    }
}
