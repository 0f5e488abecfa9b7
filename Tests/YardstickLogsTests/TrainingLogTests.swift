import Foundation
import Testing
import YardstickLogs

/// The conveniences a curve reader uses on a parsed or hand-built log.
@Suite struct TrainingLogTests {
    @Test func seriesIsOneKeyInStepOrderKeepingLoggingOrderWithinAStep() {
        let log = TrainingLog(metrics: [
            MetricPoint(key: "loss", step: 20, value: 2), MetricPoint(key: "lr", step: 10, value: 1e-4),
            MetricPoint(key: "loss", step: 10, value: 3), MetricPoint(key: "loss", step: 20, value: 1.5),
            MetricPoint(key: "loss", step: 5, value: 4),
        ])
        #expect(log.series("loss").map(\.step) == [5, 10, 20, 20])
        #expect(log.series("loss").map(\.value) == [4, 3, 2, 1.5])
        #expect(log.series("lr") == [MetricPoint(key: "lr", step: 10, value: 1e-4)])
        #expect(log.series("eval_loss").isEmpty)
    }

    @Test func keysAreTheDistinctMetricNamesSorted() throws {
        #expect(TrainingLog().keys.isEmpty)
        let log = TrainingLog(metrics: [
            MetricPoint(key: "train_loss", step: 1, value: 1), MetricPoint(key: "eval_loss", step: 1, value: 2),
            MetricPoint(key: "train_loss", step: 2, value: 0.5),
        ])
        #expect(log.keys == ["eval_loss", "train_loss"])
        let parsed = try #require(try Importers.parse(data: Data("step,loss,val_loss,lr\n1,2.5,2.6,1e-4\n".utf8), path: "log.csv").first)
        #expect(parsed.keys == ["eval_loss", "learning_rate", "train_loss"])
    }

    @Test func logErrorReadsLikeEveryOtherBadFileMessage() {
        #expect(LogError(file: "a.csv", line: 4, message: "column 'x': 'y' is not a number").description
            == "a.csv:4: column 'x': 'y' is not a number")
        #expect(LogError(file: "a.csv", message: "empty file").description == "a.csv: empty file")
    }
}
