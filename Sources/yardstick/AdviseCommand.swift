import ArgumentParser
import Foundation
import YardstickAdvisor
import YardstickMetrics
import YardstickReport
import YardstickStore

/// `yardstick advise RUN|LOGFILE…`: diagnose runs from their loss curves and say what to change next.
struct AdviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advise",
        abstract: "Diagnose runs from their loss curves and advise epochs, learning rate and batch size.",
        discussion: """
            Each argument is a run in the store (id, id prefix, name or job id) or a log file any importer reads
            (parsed on the fly, nothing is written). With several runs, also says which direction of each
            hyperparameter that differs between them helped. With --experiment and no runs, advises every run
            of the experiment.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Runs or log files.", valueName: "run|logfile")) var references: [String] = []
    @Option(help: "Resolve run names within this experiment (alone: every run of it).") var experiment: String?
    @Flag(help: "Print one JSON object per run (an array for several).") var json = false

    func validate() throws {
        if references.isEmpty && experiment == nil { throw ValidationError("give a run, a log file, or --experiment") }
    }

    func run() throws {
        try TrackingIO.reportingErrors {
            var subjects: [AdviseSubject] = []
            var opened: Store?
            func openStore() throws -> Store {
                if let opened { return opened }
                guard store.exists else {
                    throw TrackingFailure("\(store.display): no store here (and no such log file)")
                }
                let s = try store.open()
                opened = s
                return s
            }
            if references.isEmpty, let experiment {
                let s = try openStore()
                for summary in try s.listRuns(experiment: experiment).reversed() { subjects.append(try AdviseSubject(store: s, run: summary.run)) }
                if subjects.isEmpty { throw TrackingFailure("experiment '\(experiment)' has no runs") }
            }
            for reference in references {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: reference, isDirectory: &isFolder), !isFolder.boolValue {
                    subjects += try AdviseSubject.parse(file: reference)
                } else {
                    let s = try openStore()
                    subjects.append(try AdviseSubject(store: s, run: try s.resolveRun(reference, experiment: experiment)))
                }
            }
            let advice = subjects.map { Advisor.advise($0.curves) }
            let findings = Advisor.compare(subjects.map(\.outcome),
                                           evaluations: try AdviseSubject.evaluationDifferences(subjects, store: opened))
            if json {
                let objects = zip(subjects, advice).map { AdviseOutput.json(subject: $0, advice: $1, findings: findings) }
                TrackingIO.write((objects.count == 1 ? objects[0] : .array(objects)).serialized() + "\n")
            } else {
                TrackingIO.write(AdviseOutput.text(subjects: subjects, advice: advice, findings: findings))
            }
        }
    }
}

/// One run to advise: its curves, where they came from, and what cross-run comparison needs.
struct AdviseSubject {
    var name: String
    var source: String
    var curves: TrainingCurves
    /// The stored run's id, for paired comparisons with other stored runs.
    var runID: String?

    var outcome: RunOutcome { StoredRunAdvice.outcome(name: name, curves: curves) }

    init(name: String, source: String, curves: TrainingCurves) {
        self.name = name
        self.source = source
        self.curves = curves
    }

    init(store: Store, run: Run) throws {
        self.init(name: run.name, source: "store:\(run.id)", curves: try StoredRunAdvice.curves(store: store, run: run))
        runID = run.id
    }

    static func parse(file: String) throws -> [AdviseSubject] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw TrackingFailure("\(file): cannot read the file") }
        let runs = try Importers.parse(data: data, path: file)
        return runs.enumerated().map { i, run in
            let name = run.suggestedName ?? run.jobID ?? (URL(fileURLWithPath: file).lastPathComponent + (runs.count > 1 ? "#\(i + 1)" : ""))
            return AdviseSubject(name: name, source: "file:\(file)", curves: TrainingCurves(name: name, metrics: run.metrics, params: run.params, models: [run.fineTunedModel]))
        }
    }

    /// Differences between stored runs evaluated with the same metric on the same dataset and signature, with
    /// the paired-bootstrap interval and p-value of `runs compare`.
    static func evaluationDifferences(_ subjects: [AdviseSubject], store: Store?) throws -> [EvaluationDifference] {
        guard let store else { return [] }
        var pairs: [(baseline: String, candidate: String)] = []
        var names: [String: String] = [:]
        for (i, a) in subjects.enumerated() {
            for b in subjects[(i + 1)...] {
                guard let aID = a.runID, let bID = b.runID else { continue }
                pairs.append((bID, aID))
                names[aID] = a.name
                names[bID] = b.name
            }
        }
        return StoredRunAdvice.differences(try StoredRunAdvice.comparisons(store: store, pairs: pairs).comparisons, names: names)
    }
}

enum AdviseOutput {
    static func json(subject: AdviseSubject, advice: Advice, findings: [CrossRunFinding]) -> JSONValue {
        .object([
            ("run", .string(subject.name)),
            ("source", .string(subject.source)),
            ("diagnoses", .array(advice.diagnoses.map { d in
                .object([("label", .string(d.label.rawValue)), ("confidence", .double(d.confidence)), ("evidence", .string(d.evidence))])
            })),
            ("advice", .object([
                ("epochs", .string(advice.epochs.rawValue)), ("learning_rate", .string(advice.learningRate.rawValue)),
                ("batch_size", .string(advice.batchSize.rawValue)),
            ])),
            ("stop_epoch", .double(advice.stopEpoch)),
            ("stop_step", .int(advice.stopStep)),
            ("checkpoint", .string(advice.checkpoint)),
            // Cross-run findings are reasons too, so the object keeps the documented schema.
            ("reasons", .array((advice.reasons + findings.map { "across runs: \($0.evidence)" }).map { .string($0) })),
        ])
    }

    static func text(subjects: [AdviseSubject], advice: [Advice], findings: [CrossRunFinding]) -> String {
        var out = ""
        for (subject, a) in zip(subjects, advice) {
            if !out.isEmpty { out += "\n" }
            out += "\(subject.name)  (\(subject.source))\n"
            for d in a.diagnoses { out += "  \(d.label.rawValue) (confidence \(String(format: "%.2f", d.confidence))): \(d.evidence)\n" }
            out += "  advice: epochs \(a.epochs.rawValue), learning rate \(a.learningRate.rawValue), batch size \(a.batchSize.rawValue)\n"
            if let step = a.stopStep {
                out += "  stop at: step \(NumberFormat.grouped(step))" + (a.stopEpoch.map { String(format: ", epoch %.2f", $0) } ?? "")
                    + (a.checkpoint.map { ", checkpoint \($0)" } ?? "") + "\n"
            }
            for r in a.reasons { out += "  - \(r)\n" }
        }
        if !findings.isEmpty {
            out += "\nacross runs:\n"
            for f in findings { out += "  - \(f.evidence)\n" }
        }
        return out
    }
}
