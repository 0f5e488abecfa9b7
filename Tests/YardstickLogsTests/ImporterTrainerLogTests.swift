import Foundation
import Testing
import YardstickLogs
import YardstickTestSupport

/// Hugging Face `trainer_state.json` and LLaMA-Factory `trainer_log.jsonl` cases the real logs do not cover.
@Suite struct ImporterTrainerLogTests {
    static func points(_ run: TrainingLog, _ key: String) -> [MetricPoint] { run.metrics.filter { $0.key == key } }

    @Test func trainerStateKeepsNaNAndInfinityLiteralsAsValues() throws {
        let data = try Fixtures.data("importers/hf_diverging_trainer_state.json")
        let path = "runs/lr-sweep-3e-4/checkpoint-60/trainer_state.json"
        #expect(try Importers.detectFormat(data: data, path: path) == .hfTrainerState)
        let run = try #require(try Importers.parse(data: data, path: path).first)
        let loss = Self.points(run, "train_loss")
        #expect(loss.map(\.step) == [10, 20, 30, 40, 50])
        #expect(loss[2].value == 7.8813)
        #expect(loss[3].value.isNaN && loss[4].value.isNaN)
        let grad = Self.points(run, "grad_norm").map(\.value)
        #expect(grad.count == 5)
        #expect(grad[2] == .infinity && grad[3].isNaN && grad[4] == -.infinity)
        let eval = Self.points(run, "eval_loss")
        #expect(eval.count == 2 && eval[0].value == 1.7342 && eval[1].value.isNaN)
        #expect(eval.map(\.epoch) == [0.13, 0.27])
    }

    @Test func trainerStateKeepsEveryEvalMetricIncludingThroughputAsCurves() throws {
        let run = try #require(try Importers.parse(
            data: Fixtures.data("importers/hf_diverging_trainer_state.json"), path: "trainer_state.json").first)
        #expect(Set(run.metrics.map(\.key)) == [
            "train_loss", "learning_rate", "grad_norm", "eval_loss", "eval_accuracy", "eval_runtime",
            "eval_samples_per_second", "eval_steps_per_second",
        ])
        #expect(Self.points(run, "eval_accuracy").map(\.value) == [0.412, 0.0])
        #expect(Self.points(run, "eval_runtime").map(\.value) == [12.31, 12.07])
    }

    @Test func trainerStateParamsOmitThePlaceholderEpochCountAndTakeThePeakLearningRate() throws {
        let run = try #require(try Importers.parse(
            data: Fixtures.data("importers/hf_diverging_trainer_state.json"), path: "trainer_state.json").first)
        #expect(run.param("num_train_epochs") == nil, "sys.maxsize marks a max_steps-driven run")
        #expect(run.params.map(\.key) == [
            "max_steps", "global_step", "train_batch_size", "logging_steps", "eval_steps", "learning_rate",
            "learning_rate_first", "best_metric", "best_global_step", "best_model_checkpoint",
            "total_flos", "train_loss_mean", "train_runtime", "train_samples_per_second", "train_steps_per_second",
        ])
        #expect(run.param("max_steps") == .int(60))
        #expect(run.param("global_step") == .int(60))
        #expect(run.param("train_batch_size") == .int(8))
        #expect(run.param("logging_steps") == .int(10))
        #expect(run.param("eval_steps") == .int(20))
        #expect(run.param("learning_rate") == .double(0.0003))
        #expect(run.param("learning_rate_first") == .double(0.0001))
        #expect(run.param("best_metric") == .double(1.7342))
        #expect(run.param("best_global_step") == .int(20))
        #expect(run.param("best_model_checkpoint") == .string("runs/lr-sweep-3e-4/checkpoint-20"))
        #expect(run.param("train_runtime") == .double(301.7))
        #expect(run.param("total_flos") == .double(1.2345e16))
        #expect(run.param("train_loss_mean")?.numericValue?.isNaN == true)
    }

    @Test func trainerStateRunIsNamedAfterARenamedFileOrTheOutputFolderAboveCheckpointFolders() throws {
        let data = try Fixtures.data("importers/hf_diverging_trainer_state.json")
        let cases: [(String, String?)] = [
            ("runs/lr-sweep-3e-4/checkpoint-60/trainer_state.json", "lr-sweep-3e-4"),
            ("/home/me/out/llama-sft/trainer_state.json", "llama-sft"),
            ("out/checkpoint-500/checkpoint-1000/trainer_state.json", "out"),
            ("C:\\runs\\bert-base\\checkpoint-20\\trainer_state.json", "bert-base"),
            ("out/checkpoint-final/trainer_state.json", "checkpoint-final"),
            ("trainer_state.json", nil),
            ("checkpoint-20/trainer_state.json", nil),
            ("logs/ner-lr5e-5.trainer_state.json", "ner-lr5e-5"),
            ("logs/run_7-trainer_state.json", "run_7"),
            ("logs/state.json", "state"),
        ]
        for (path, name) in cases {
            let run = try #require(try Importers.parse(data: data, path: path).first)
            #expect(run.suggestedName == name, "\(path): \(run.suggestedName ?? "nil")")
            #expect(run.provider == "huggingface")
        }
    }

    @Test func trainerStateWithFractionalEpochsAndNoLearningRateLogsKeepsWhatItHas() throws {
        let json = """
            {"global_step": 4, "max_steps": 4, "num_train_epochs": 0.5, "best_metric": null,
             "best_model_checkpoint": null,
             "log_history": [
               {"loss": 0.9, "step": 2, "epoch": 0.25},
               {"loss": 0.8, "step": 4, "epoch": 0.5, "note": "text is not a metric", "flag": true},
               {"eval_loss": 0.85, "step": 4, "epoch": 0.5}
             ]}
            """
        let run = try #require(try Importers.parse(data: Data(json.utf8), path: "x/trainer_state.json").first)
        #expect(run.param("num_train_epochs") == .double(0.5))
        #expect(run.param("learning_rate") == nil && run.param("best_metric") == nil)
        #expect(run.metrics.map(\.key) == ["eval_loss", "train_loss", "train_loss"])
    }

    @Test func llamaFactoryLogIsSortedByStepAndKeepsTheLastLineOfARepeatedStep() throws {
        let data = try Fixtures.data("importers/llama_factory_resumed.jsonl")
        let path = "saves/qwen2-7b/lora/sft/trainer_log.jsonl"
        #expect(try Importers.detectFormat(data: data, path: path) == .llamaFactory)
        let run = try #require(try Importers.parse(data: data, path: path).first)
        #expect(run.provider == "llama-factory")
        #expect(run.suggestedName == "sft")
        let loss = Self.points(run, "train_loss")
        #expect(loss.map(\.step) == [10, 20, 30, 40, 50, 60])
        #expect(loss.map(\.value) == [2.3141, 1.9811, 1.7655, 1.6523, 1.6104, 1.5990])
        #expect(loss.map(\.epoch) == [0.17, 0.33, 0.5, 0.67, 0.83, 1.0])
        let lr = Self.points(run, "learning_rate")
        #expect(lr.map(\.value) == [1e-05, 2e-05, 1.8e-05, 1.2e-05, 6e-06, 1e-06], "`lr` and `learning_rate` are one curve")
        #expect(Self.points(run, "eval_loss").map(\.step) == [20, 40])
        #expect(Self.points(run, "eval_loss").map(\.value) == [2.0412, 1.8120])
        #expect(Set(run.metrics.map(\.key)) == ["train_loss", "learning_rate", "eval_loss"])
        #expect(run.params.map(\.key) == ["max_steps", "learning_rate", "learning_rate_first"])
        #expect(run.param("max_steps") == .int(60))
        #expect(run.param("learning_rate") == .double(2e-05))
        #expect(run.param("learning_rate_first") == .double(1e-05))
    }
}
