import Foundation
import Testing
import YardstickAdvisor
import YardstickLogs
import YardstickTestSupport

/// Builds curves from closed-form losses: steps 1…n, optional evaluation every `every` steps.
private func curves(steps n: Int, train: ((Int) -> Double)?, eval: ((Int) -> Double)? = nil, every: Int = 1,
                    stepsPerEpoch: Double? = nil, params: [String: CurveParam] = [:], checkpoints: [Checkpoint] = []) -> TrainingCurves {
    func point(_ s: Int, _ v: Double) -> CurvePoint { CurvePoint(step: Int64(s), epoch: stepsPerEpoch.map { Double(s) / $0 }, value: v) }
    var series: [String: [CurvePoint]] = [:]
    if let train { series["train_loss"] = (1...n).map { point($0, train($0)) } }
    if let eval { series["eval_loss"] = stride(from: every, through: n, by: every).map { point($0, eval($0)) } }
    return TrainingCurves(series: series, params: params, checkpoints: checkpoints)
}

/// Deterministic noise in [-1, 1] (a fixed LCG, so tests never flake).
private func noise(_ i: Int) -> Double {
    var x = UInt64(truncatingIfNeeded: i &* 6364136223846793005 &+ 1442695040888963407)
    x ^= x >> 33; x = x &* 0xff51afd7ed558ccd; x ^= x >> 33
    return Double(x % 20001) / 10000 - 1
}

private func real(_ id: String) throws -> TrainingCurves {
    let raw = Fixtures.url("curves/raw")
    let file = try #require(try FileManager.default.contentsOfDirectory(atPath: raw.path).first { $0.hasPrefix(id + "_") })
    let url = raw.appendingPathComponent(file)
    return TrainingCurves(log: try #require(try Importers.parse(data: Data(contentsOf: url), path: url.path).first))
}

@Suite("Diagnoses on real public curves")
struct RealCurveDiagnosisTests {
    @Test func validationRisingFromEpochTwoIsOverfittingWithTheStopPointAtTheMinimum() throws {
        let a = Advisor.advise(try real("087"))
        #expect(a.labels == [.overfitting])
        #expect(a.epochs == .lower && a.learningRate == .keep && a.batchSize == .keep)
        #expect(a.stopEpoch == 2.0 && a.stopStep == 5600)
        #expect(a.diagnoses[0].evidence.contains("bottomed at 0.509 at step 5,600 (epoch 2.0)"))
    }

    @Test func validationStillFallingAtTheLastEvaluationIsStillImproving() throws {
        let a = Advisor.advise(try real("039"))
        #expect(a.labels == [.stillImproving])
        #expect(a.epochs == .raise)
    }

    @Test func validationFlatAfterTheFirstEpochIsAnEarlyPlateau() throws {
        let a = Advisor.advise(try real("115"))
        #expect(a.labels == [.plateauEarly])
        #expect(a.epochs == .lower)
    }

    @Test func evaluationsJumpingBackAndForthAreOscillationAndAskForALargerBatch() throws {
        let a = Advisor.advise(try real("055"))
        #expect(a.labels == [.oscillating])
        #expect(a.batchSize == .raise && a.epochs == .keep)
    }

    @Test func trainingLossClimbingTenfoldFromItsMinimumIsDivergence() throws {
        let a = Advisor.advise(try real("066"))
        #expect(a.labels.contains(.diverging))
        #expect(a.learningRate == .lower && a.epochs == .lower)
    }

    @Test func lossNearChanceImprovingSlowlyIsUnderfittingAndAsksForMoreEpochsAndAHigherRate() throws {
        let a = Advisor.advise(try real("057"))
        #expect(a.labels == [.underfitting, .stillImproving])
        #expect(a.epochs == .raise && a.learningRate == .raise)
    }

    @Test func trainOnlyRunFlatteningAsTheRateDecaysIsHealthy() throws {
        let a = Advisor.advise(try real("001"))
        #expect(a.labels == [.healthy])
        #expect(a.epochs == .keep && a.learningRate == .keep && a.batchSize == .keep)
        #expect(a.reasons.contains { $0.contains("no validation loss") })
    }

    @Test func noisySingleBatchOpenAIValidationWithARealRiseIsStillOverfitting() throws {
        let a = Advisor.advise(try real("101"))
        #expect(a.labels.contains(.overfitting))
        #expect(a.stopStep == 100)
    }
}

@Suite("Diagnoses on constructed edge cases")
struct EdgeCaseDiagnosisTests {
    @Test func noLossAtAllGivesUnknownKnobsAndNoDiagnosis() {
        let a = Advisor.advise(TrainingCurves())
        #expect(a.diagnoses.isEmpty)
        #expect(a.epochs == .unknown && a.learningRate == .unknown && a.batchSize == .unknown)
        #expect(!a.reasons.isEmpty)
    }

    @Test func withoutEvaluationsATrainingLossStillFallingAtTheEndIsStillImproving() {
        let a = Advisor.advise(curves(steps: 200, train: { 2 * exp(-Double($0) / 150) + 0.3 }))
        #expect(a.labels == [.stillImproving])
        #expect(a.epochs == .raise)
    }

    @Test func aSingleEvaluationFallsBackToTheTrainingTrend() {
        let a = Advisor.advise(curves(steps: 100, train: { 1.5 * exp(-Double($0) / 10) + 0.2 }, eval: { _ in 0.3 }, every: 100))
        #expect(a.labels == [.plateauEarly])
        #expect(a.reasons.contains { $0.contains("only 1 validation point") })
    }

    @Test func aNaNLossIsDivergenceNamingItsStep() {
        let a = Advisor.advise(curves(steps: 50, train: { $0 == 40 ? .nan : 1 / Double($0) }))
        #expect(a.labels.contains(.diverging))
        #expect(a.diagnoses.first { $0.label == .diverging }?.evidence.contains("NaN at step 40") == true)
        #expect(a.learningRate == .lower)
    }

    @Test func diagnosesDoNotDependOnTheLossScale() throws {
        for id in ["087", "039", "115", "055"] {
            let base = try real(id)
            let expected = Advisor.advise(base).labels
            for factor in [1e-3, 1e3] {
                var scaled = base
                scaled.series = scaled.series.mapValues { $0.map { CurvePoint(step: $0.step, epoch: $0.epoch, value: $0.value * factor) } }
                #expect(Advisor.advise(scaled).labels == expected, "\(id) ×\(factor)")
            }
        }
    }

    @Test func aLearningRateRestartBumpInAConvergedRunIsNeitherDivergenceNorOscillation() {
        // Converges by step 300, then a warm restart at step 600 lifts the loss briefly.
        let a = Advisor.advise(curves(steps: 1000, train: { s in
            let base = 0.2 + 1.8 * exp(-Double(s) / 60)
            let bump = s >= 600 ? 0.08 * exp(-Double(s - 600) / 40) : 0
            return base + bump + 0.01 * noise(s)
        }))
        #expect(!a.labels.contains(.diverging) && !a.labels.contains(.oscillating))
        #expect(a.epochs == .lower)  // flat for two thirds of the run
    }

    @Test func aRunStoppedWhileValidationStillFallsAsksForMoreEpochs() {
        // Planned 1,000 steps, stopped at 300 while the validation loss is still falling.
        let a = Advisor.advise(curves(steps: 300, train: { 1 / (1 + Double($0) / 50) }, eval: { 1.2 / (1 + Double($0) / 60) },
                                      every: 50, params: ["max_steps": .number(1000)]))
        #expect(a.labels.contains(.stillImproving))
        #expect(a.epochs == .raise)
    }

    @Test func aUShapedValidationLossGivesTheStopEpochAndTheCheckpointSavedThere() {
        let a = Advisor.advise(curves(
            steps: 1000, train: { 2 * exp(-Double($0) / 200) + 0.05 }, eval: { s in 0.5 + pow((Double(s) - 300) / 700, 2) },
            every: 100, stepsPerEpoch: 100,
            checkpoints: [Checkpoint(step: 200, name: "checkpoint-200"), Checkpoint(step: 300, name: "checkpoint-300")]))
        #expect(a.labels == [.overfitting])
        #expect(a.stopStep == 300 && a.stopEpoch == 3.0 && a.checkpoint == "checkpoint-300")
        #expect(a.reasons[0].contains("use checkpoint checkpoint-300"))
    }

    @Test func anOpenAICheckpointSavedAfterTheMinimumAndBeforeTheNextEvaluationIsNamed() {
        let model = "ft:gpt-4o-mini-2024-07-18:acme::abc123:ckpt-step-320"
        let a = Advisor.advise(curves(
            steps: 1000, train: { 2 * exp(-Double($0) / 200) + 0.05 }, eval: { s in 0.5 + pow((Double(s) - 300) / 700, 2) },
            every: 100, checkpoints: [Checkpoint(step: 320, name: model), Checkpoint(step: 640, name: "ft:…:ckpt-step-640")]))
        #expect(a.stopStep == 300 && a.stopEpoch == nil && a.checkpoint == model)
    }

    @Test func perStepBatchNoiseAroundAClearDescentIsNotOscillation() {
        // OpenAI-style per-step training loss: ±40% noise around a curve that falls tenfold.
        let a = Advisor.advise(curves(steps: 600, train: { s in (0.1 + 1.5 * exp(-Double(s) / 100)) * (1 + 0.4 * noise(s)) }))
        #expect(!a.labels.contains(.oscillating))
    }

    @Test func validationZigZagWithoutTrendIsOscillation() {
        let a = Advisor.advise(curves(steps: 60, train: { 1.4 + 0.5 * noise($0) }, eval: { 1.4 + ($0 % 2 == 0 ? 0.5 : -0.5) }))
        #expect(a.labels.contains(.oscillating))
        #expect(a.batchSize == .raise)
    }

    @Test func evaluationLossBelowTrainingLossIsNotAProblemByItself() {
        let a = Advisor.advise(curves(steps: 500, train: { 1 + exp(-Double($0) / 50) }, eval: { 0.5 + 0.5 * exp(-Double($0) / 50) }, every: 50))
        #expect(a.labels == [.plateauEarly] || a.labels == [.healthy])
        #expect(a.learningRate == .keep && a.batchSize == .keep)
    }
}

/// One test on a real curve and one on a constructed curve for each trend rule.
@Suite("Trend rules: noise-relative still_improving, average pace, time to 90%, flat validation")
struct TrendRuleTests {
    // still_improving with ≥ 10 points: the last fifth's fall against the robust noise σ, not against the level.
    @Test func realSlowNoisyDeclineOnAHighLossIsStillImprovingAgainstItsNoise() throws {
        // Gemma-2 SFT, train only: 2.23 → 1.45 in 300 steps, then a slow noisy decline (under 3% of the level).
        let a = Advisor.advise(try real("063"))
        #expect(a.labels == [.stillImproving])
        #expect(a.epochs == .raise)
        #expect(a.diagnoses[0].evidence.contains("its noise σ"))
    }

    @Test func realValidationCreepingDownAtAConstantRateIsStillImproving() throws {
        let a = Advisor.advise(try real("032"))
        #expect(a.labels == [.stillImproving])
    }

    @Test func aLinearCreepOnAHighLossFloorIsStillImproving() {
        // Falls 0.12 over the last fifth, 2.7% of a level near 4.5, yet twenty times its noise.
        let a = Advisor.advise(curves(steps: 300, train: { 5 - 0.002 * Double($0) + 0.01 * noise($0) }))
        #expect(a.labels.contains(.stillImproving))
        #expect(a.epochs == .raise)
    }

    @Test func realTrainingTailFallingLessThanItsNoiseIsNotStillImproving() throws {
        // Linear decay to 0: the last fifth still brings ~9% of the improvement, but less than 1.5 σ of scatter.
        let a = Advisor.advise(try real("001"))
        #expect(!a.labels.contains(.stillImproving))
    }

    @Test func aNoisyConvergedTailIsNotStillImproving() {
        let a = Advisor.advise(curves(steps: 400, train: { 0.2 + 1.8 * exp(-Double($0) / 40) + 0.05 * noise($0) }))
        #expect(!a.labels.contains(.stillImproving))
        #expect(a.labels == [.plateauEarly])
    }

    // Too few points for a noise σ: a last fifth bringing a straight line's share of the improvement.
    @Test func realFourEvaluationsFallingInAStraightLineAreStillImprovingAndUnderfitting() throws {
        let a = Advisor.advise(try real("060"))
        #expect(a.labels == [.underfitting, .stillImproving])
        #expect(a.epochs == .raise && a.learningRate == .raise)
    }

    @Test func fourEvaluationsOnAStraightLineAreStillImprovingWhateverTheLevel() {
        // 4.2 → 3.9: 2.6% of the level over the last evaluation, but a third of the improvement.
        let a = Advisor.advise(curves(steps: 4000, train: { 4.6 - 0.00015 * Double($0) },
                                      eval: { 4.3 - 0.0001 * Double($0) }, every: 1000))
        #expect(a.labels == [.underfitting, .stillImproving])
    }

    @Test func threeEvaluationsWithShrinkingGainsAreHealthy() throws {
        // 0.477 → 0.416 → 0.406: the last gain is a sixth of the one before and 2% of the level.
        let a = Advisor.advise(try real("079"))
        #expect(a.labels == [.healthy])
    }

    // plateau_early: the smoothed loss came within 10% of its improvement of its final value in the first third.
    @Test func realNoisyLossFlatAfterItsFirstFewStepsIsAnEarlyPlateau() throws {
        // Batch-1 SFT: 1.6 → ~1.1 within 5 of 70 steps, then swings of ±0.5 around a flat 1.1.
        let a = Advisor.advise(try real("074"))
        #expect(a.labels.contains(.plateauEarly))
        #expect(a.epochs == .lower)
    }

    @Test func realValidationConvergingInTheMiddleOfTheRunIsHealthyNotAPlateau() throws {
        for id in ["002", "128"] {
            let a = Advisor.advise(try real(id))
            #expect(a.labels == [.healthy], "\(id)")
            #expect(a.epochs == .keep, "\(id)")
        }
    }

    @Test func aCurveReachingNinetyPercentOfItsImprovementAfterTheFirstThirdIsHealthy() {
        // Time to 90% ≈ 47% of the run; the last fifth brings under 2% of the improvement.
        let a = Advisor.advise(curves(steps: 1200, train: { 0.2 + exp(-Double($0) / 150) },
                                      eval: { 0.3 + 0.5 * exp(-Double($0) / 200) }, every: 100))
        #expect(a.labels == [.healthy])
        #expect(a.epochs == .keep)
    }

    // plateau_early from the start: validation never improved by more than one typical swing while training fell.
    @Test func realValidationThatNeverImprovesWhileTrainingFallsIsAnEarlyPlateau() throws {
        // 0.85 → 0.92 → 0.81 → 0.86 → 0.83 → 0.83 over epochs 2–11 while training loss falls 1.1 → 0.45.
        let a = Advisor.advise(try real("054"))
        #expect(a.labels == [.plateauEarly])
        #expect(a.epochs == .lower)
        #expect(a.diagnoses[0].evidence.contains("never improved by more than its typical swing"))
    }

    @Test func aFlatNoisyValidationLossIsAPlateauOnlyWhenTrainingLossFell() {
        let flatEval: (Int) -> Double = { 0.8 + 0.03 * ($0 / 100 % 2 == 0 ? 1 : -1) + 0.01 * noise($0) }
        let learning = Advisor.advise(curves(steps: 1000, train: { 0.3 + exp(-Double($0) / 300) }, eval: flatEval, every: 100))
        #expect(learning.labels == [.plateauEarly])
        let stuck = Advisor.advise(curves(steps: 1000, train: { 1.3 - 0.0001 * Double($0) }, eval: flatEval, every: 100))
        #expect(!stuck.labels.contains(.plateauEarly))
    }

    @Test func aCurveReachingNinetyPercentOfItsImprovementInTheFirstThirdIsAnEarlyPlateau() {
        let a = Advisor.advise(curves(steps: 1200, train: { 0.2 + exp(-Double($0) / 100) },
                                      eval: { 0.3 + 0.5 * exp(-Double($0) / 60) }, every: 100))
        #expect(a.labels == [.plateauEarly])
        #expect(a.diagnoses[0].evidence.contains("within 10% of its improvement"))
    }
}

@Suite("Across runs")
struct CrossRunTests {
    @Test func theBestValueAtTheTopOfTheRangeSuggestsDoublingItWithThePairedEvaluation() {
        let runs = [
            RunOutcome(name: "a", params: ["learning_rate_multiplier": .number(0.05), "n_epochs": .number(3)], bestValidationLoss: 0.61),
            RunOutcome(name: "b", params: ["learning_rate_multiplier": .number(0.2), "n_epochs": .number(3)], bestValidationLoss: 0.52),
        ]
        let evaluation = EvaluationDifference(metric: "BLEU", candidate: "b", baseline: "a", difference: 2.3, ciLow: 1.1, ciHigh: 3.4)
        let findings = Advisor.compare(runs, evaluations: [evaluation])
        #expect(findings.count == 1)
        #expect(findings[0].parameter == "learning_rate_multiplier" && findings[0].direction == .raise && findings[0].suggestion == 0.4)
        #expect(findings[0].evidence.contains("0.2 beat 0.05 by 2.3 BLEU, 95% CI [1.1, 3.4]: try 0.4"), "\(findings[0].evidence)")
    }

    @Test func aClearEvaluationWinOverridesTheValidationLoss() {
        let runs = [
            RunOutcome(name: "small", params: ["batch_size": .number(8)], bestValidationLoss: 0.40),
            RunOutcome(name: "large", params: ["batch_size": .number(32)], bestValidationLoss: 0.42),
        ]
        let evaluation = EvaluationDifference(metric: "accuracy", candidate: "large", baseline: "small", difference: 0.04, ciLow: 0.01, ciHigh: 0.07)
        let findings = Advisor.compare(runs, evaluations: [evaluation])
        #expect(findings.first?.direction == .raise && findings.first?.suggestion == 64)
    }

    @Test func theBestValueInsideTheRangeIsKeptAndRunFactsAreNotCompared() {
        let runs = [0.5, 1.0, 2.0].enumerated().map { i, lr in
            RunOutcome(name: "r\(i)", params: ["learning_rate": .number(lr * 1e-4), "global_step": .number(Double(100 + i))],
                       bestValidationLoss: [0.5, 0.4, 0.45][i])
        }
        let findings = Advisor.compare(runs)
        #expect(findings.map(\.parameter) == ["learning_rate"])
        #expect(findings[0].direction == .keep && findings[0].suggestion == nil)
    }
}
