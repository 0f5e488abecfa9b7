import ArgumentParser
import Foundation
import YardstickMetrics
import YardstickStore

extension MetricName: ExpressibleByArgument {}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score hypotheses against references (BLEU, chrF, TER, ROUGE, accuracy, exact match).",
        discussion: """
            Inputs are plain-text files with one segment per line (--hyp, --ref; '-' reads stdin) or a JSON Lines \
            file (--data with --hyp-field and --ref-field). Repeat --ref for several references and --hyp for \
            several systems: the first system is the baseline of the paired significance test.
            """
    )

    @Argument(help: "bleu | chrf | ter | rouge | accuracy | exact-match")
    var metric: MetricName

    @Option(name: .customLong("hyp"), help: "Hypothesis file, one segment per line (repeat for several systems).")
    var hypotheses: [String] = []
    @Option(name: .customLong("ref"), help: "Reference file, one segment per line (repeat for several references).")
    var references: [String] = []
    @Option(help: "JSON Lines file holding hypotheses and references.")
    var data: String?
    @Option(name: .customLong("hyp-field"), help: "Field of --data rows with the hypothesis (repeat for several systems).")
    var hypothesisFields: [String] = []
    @Option(name: .customLong("ref-field"), help: "Field of --data rows with the reference: a string or an array of strings.")
    var referenceField: String = "reference"

    @OptionGroup var metricOptions: MetricOptions
    @Flag(help: "Paired bootstrap resampling against the first system (default with several systems).")
    var pairedBs = false
    @Flag(help: "Paired approximate randomization against the first system.")
    var pairedAr = false
    @Option(help: "Trials for --paired-ar.")
    var trials = 10000
    @Flag(help: "Per-segment scores as JSON Lines.")
    var sentence = false
    @Flag(help: "JSON output.")
    var json = false
    @Option(name: .customLong("run"), help: ArgumentHelp(
        "Record the score, its interval and the per-example results as evaluations of this run (id, prefix, name or job id; a new run of that name when none matches). Repeat once per --hyp.",
        valueName: "run"))
    var recordRuns: [String] = []
    @Option(help: "Experiment of --run.")
    var experiment = "default"
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if data == nil && hypotheses.isEmpty { throw ValidationError("give --hyp FILE (and --ref FILE), or --data FILE.jsonl") }
        if data != nil && !hypotheses.isEmpty { throw ValidationError("--data and --hyp cannot be combined") }
        if data == nil && references.isEmpty { throw ValidationError("give at least one --ref FILE") }
        let systemCount = data == nil ? hypotheses.count : max(1, hypothesisFields.count)
        if !recordRuns.isEmpty && recordRuns.count != systemCount {
            throw ValidationError("give one --run per system (\(systemCount) systems, \(recordRuns.count) --run)")
        }
        if !recordRuns.isEmpty && sentence { throw ValidationError("--run records corpus scores; drop --sentence") }
        if pairedBs && pairedAr { throw ValidationError("choose one of --paired-bs and --paired-ar") }
        if trials < 1 { throw ValidationError("--trials must be positive") }
    }

    func configuration() throws -> ScoreConfiguration {
        var c = try metricOptions.configuration()
        c.randomizationTrials = trials
        c.pairedTest = pairedAr ? .approximateRandomization : (pairedBs ? .bootstrap : nil)
        c.sentence = sentence
        c.collectSegmentScores = !recordRuns.isEmpty
        return c
    }

    func run() throws {
        try TrackingIO.reportingErrors {
            let (systems, refs) = try loadInputs()
            let outcome = try CorpusScorer.score(metric: metric, systems: systems, references: refs,
                                                 configuration: configuration())
            for warning in outcome.warnings { Console.warn(warning) }
            if !recordRuns.isEmpty { try record(outcome, systems: systems, references: refs) }
            if sentence {
                for row in outcome.sentences { print(row.compact) }
            } else if json {
                print(outcome.json.pretty)
            } else {
                for line in outcome.text { print(line) }
            }
        }
    }

    /// Stores each system's score as evaluations of its `--run`; the report goes to stderr so stdout stays JSON.
    func record(_ outcome: ScoreOutcome, systems: [SystemInput], references: [[String]]) throws {
        let store = try self.store.open()
        // The test set is identified by its references' content, so the same set read from another file (CRLF,
        // reordered JSON keys) is the same dataset; the path is kept as an alias.
        let dataset = DatasetContent(references: references, path: data ?? self.references[0])
        for (index, score) in outcome.systems.enumerated() {
            let run = try store.resolveOrCreateRun(recordRuns[index], experiment: experiment)
            let hypotheses = systems[index].hypotheses
            let settings = JSONValue.object([
                ("source", .string("predictions")), ("system", .string(systems[index].name)),
                ("predictions_sha256", .string(DatasetContent.fingerprint(inputs: nil, references: hypotheses.map { [$0] }))),
            ])
            let record = EvaluationRecord(
                scores: [score], dataset: dataset,
                predictions: PredictionRecord.fromHypotheses(hypotheses, references: references), settings: settings)
            try store.recordEvaluation(run: run.id, record)
            let numbers = score.headlines.map { "\($0.metric) = \(String(format: "%.4g", $0.value))" }.joined(separator: ", ")
            FileHandle.standardError.write(Data("recorded \(numbers) (\(score.segmentCount) examples) in run \(run.name) [\(run.id.prefix(8))]\n".utf8))
        }
    }

    func loadInputs() throws -> ([SystemInput], [[String]]) {
        if let data {
            let fields = hypothesisFields.isEmpty ? ["hypothesis"] : hypothesisFields
            var systems: [SystemInput] = []
            var refs: [[String]] = []
            for field in fields {
                let read = try SegmentInput.readJSONL(path: data, hypothesisField: field, referenceField: referenceField)
                systems.append(SystemInput(name: field, hypotheses: read.hypotheses))
                refs = read.references
            }
            return (systems, refs)
        }
        if hypotheses.filter({ $0 == "-" }).count + references.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("only one input can be read from stdin ('-')")
        }
        let systems = try hypotheses.map { SystemInput(name: $0, hypotheses: try SegmentInput.readLines(path: $0)) }
        let streams = try references.map { (path: $0, lines: try SegmentInput.readLines(path: $0)) }
        let n = systems[0].hypotheses.count
        for system in systems.dropFirst() where system.hypotheses.count != n {
            throw InputError(file: system.name, message: "has \(system.hypotheses.count) lines but \(systems[0].name) has \(n)")
        }
        let refs = try SegmentInput.transpose(referenceStreams: streams, hypothesisPath: systems[0].name, hypothesisCount: n)
        return (systems, refs)
    }
}
