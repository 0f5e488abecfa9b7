import Foundation

extension Store {
    /// Stores what an importer read from one file, in ONE transaction: on any error nothing is written.
    ///
    /// Which run the file lands in:
    /// 1. a file with the same SHA-256 imported before → nothing changes, ``ImportOutcome/alreadyImported(runID:runName:)``;
    /// 2. `target` given (any run reference, see ``resolveRun(_:experiment:)``) → that run is extended;
    /// 3. the file names a job id some run already has → that run is extended (e.g. the events or results
    ///    file of a job whose job object was imported first); several such runs → the one in `experiment`;
    /// 4. otherwise a new run in `experiment`, named `runName`, else the file's suggested name, job id or
    ///    file name (a derived name that is taken gets `-2`, `-3`, …; an explicit `runName` that is taken
    ///    is an error).
    ///
    /// Extending a run overwrites its attributes with the non-nil ones the file gives (status, models,
    /// provider, job id, times, notes), upserts params and tags, links datasets and adds metric points
    /// (identical points are skipped). The provenance row records path, format, hash, size and points.
    public func importRun(
        _ imported: TrainingLog, source: ImportSource, experiment: String, runName: String? = nil, target: String? = nil
    ) throws -> ImportOutcome {
        try importRuns([imported], source: source, experiment: experiment, runName: runName, target: target)[0]
    }

    /// Stores every run one file holds (an OpenAI list response can hold several jobs) in ONE transaction,
    /// each as ``importRun(_:source:experiment:runName:target:)`` describes. A file imported before gives one
    /// ``ImportOutcome/alreadyImported(runID:runName:)`` per run that holds it, and nothing changes.
    public func importRuns(
        _ runs: [TrainingLog], source: ImportSource, experiment: String, runName: String? = nil, target: String? = nil
    ) throws -> [ImportOutcome] {
        guard !experiment.isEmpty else { throw StoreError.invalidArgument("experiment name must not be empty") }
        if let runName, runName.isEmpty { throw StoreError.invalidArgument("run name must not be empty") }
        guard !runs.isEmpty else { throw StoreError.invalidArgument("\(source.path) holds no run to import") }
        return try write {
            let prior = try importedRuns(sha256: source.sha256)
            if !prior.isEmpty { return prior.map { .alreadyImported(runID: $0.id, runName: $0.name) } }
            // Several runs in one file cannot share one explicit name or target: only the first takes them.
            return try runs.enumerated().map { index, imported in
                try importOne(imported, source: source, experiment: experiment,
                              runName: index == 0 ? runName : nil, target: index == 0 ? target : nil)
            }
        }
    }

    private func importOne(
        _ imported: TrainingLog, source: ImportSource, experiment: String, runName: String?, target: String?
    ) throws -> ImportOutcome {
            var pk: Int64
            var run: Run
            var created = false
            if let target {
                (pk, run) = try resolve(target, experiment: experiment)
            } else if let jobID = imported.jobID, let existing = try runWithJobID(jobID, experiment: experiment) {
                (pk, run) = existing
            } else {
                let name = try newRunName(for: imported, source: source, experiment: experiment, explicit: runName)
                let newRun = Run(
                    id: Store.newRunID(), experiment: experiment, name: name, status: imported.status ?? "unknown",
                    createdAt: imported.createdAt ?? Date(), startedAt: imported.startedAt, endedAt: imported.endedAt,
                    baseModel: imported.baseModel, fineTunedModel: imported.fineTunedModel, provider: imported.provider,
                    jobID: imported.jobID, notes: imported.notes)
                pk = try insertRun(newRun)
                run = newRun
                created = true
            }
            if !created { try updateAttributes(pk, from: imported) }
            try writeParams(pk, imported.params)
            try writeTags(pk, imported.tags)
            for dataset in imported.datasets {
                try linkDataset(try datasetID(dataset), run: pk, role: dataset.role)
            }
            let points = try insertPoints(pk, imported.metrics)
            let record = try statement("""
                INSERT INTO imports(run_pk, path, format, sha256, size_bytes, imported_at, points)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            defer { record.reset() }
            try record.bind(pk, at: 1)
            try record.bind(source.path, at: 2)
            try record.bind(source.format.rawValue, at: 3)
            try record.bind(source.sha256, at: 4)
            try record.bind(source.sizeBytes, at: 5)
            try record.bind(StoreTime.format(Date()), at: 6)
            try record.bind(Int64(points), at: 7)
            try record.step()
            return created
                ? .created(runID: run.id, runName: run.name, points: points)
                : .extended(runID: run.id, runName: run.name, points: points)
    }


    /// Every run a file with this hash was imported into, in import order.
    public func importedRuns(sha256: String) throws -> [Run] {
        let pks = try database.query("SELECT run_pk FROM imports WHERE sha256 = ? ORDER BY id", [.text(sha256)])
            .compactMap { $0.first?.int64 }
        return try pks.map { try run(pk: $0) }
    }

    private func runWithJobID(_ jobID: String, experiment: String) throws -> (pk: Int64, run: Run)? {
        let found = try runs(where: "r.job_id = ?", [.text(jobID)])
        if found.count <= 1 { return found.first }
        let inExperiment = found.filter { $0.run.experiment == experiment }
        if inExperiment.count == 1 { return inExperiment[0] }
        throw StoreError.ambiguousRun(reference: jobID, candidates: found.map { Store.describe($0.run) })
    }

    private func newRunName(for imported: TrainingLog, source: ImportSource, experiment: String, explicit: String?) throws -> String {
        if let explicit { return explicit }
        let fileName = URL(fileURLWithPath: source.path).deletingPathExtension().lastPathComponent
        let base = [imported.suggestedName, imported.jobID, fileName, "import"]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "import"
        let taken = try statement("SELECT 1 FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? AND r.name = ?")
        defer { taken.reset() }
        var candidate = base
        var suffix = 1
        while true {
            taken.reset()
            try taken.bind(experiment, at: 1)
            try taken.bind(candidate, at: 2)
            if try !taken.step() { return candidate }
            suffix += 1
            candidate = "\(base)-\(suffix)"
        }
    }

    private func updateAttributes(_ pk: Int64, from imported: TrainingLog) throws {
        let updates: [(String, SQLValue)] = [
            ("status", imported.status.map { .text($0) } ?? .null),
            ("started_at", imported.startedAt.map { .text(StoreTime.format($0)) } ?? .null),
            ("ended_at", imported.endedAt.map { .text(StoreTime.format($0)) } ?? .null),
            ("base_model", imported.baseModel.map { .text($0) } ?? .null),
            ("fine_tuned_model", imported.fineTunedModel.map { .text($0) } ?? .null),
            ("provider", imported.provider.map { .text($0) } ?? .null),
            ("job_id", imported.jobID.map { .text($0) } ?? .null),
            ("notes", imported.notes.map { .text($0) } ?? .null),
        ].filter { $0.1 != .null }
        guard !updates.isEmpty else { return }
        let assignments = updates.map { "\($0.0) = ?" }.joined(separator: ", ")
        try database.execute("UPDATE runs SET \(assignments) WHERE pk = ?", updates.map(\.1) + [.integer(pk)])
    }
}

/// What importing one file did.
public struct FileImportResult: Sendable {
    public var path: String
    public var format: ImportFormat
    public var sha256: String
    /// One outcome per run the file holds.
    public var outcomes: [ImportOutcome]
    /// The parsed runs, for reporting what was read (params, points).
    public var runs: [TrainingLog]
}

extension Store {
    /// Reads, parses and stores one log file in one transaction (see ``importRuns(_:source:experiment:runName:target:)``).
    ///
    /// `run` names the run to extend when it resolves to an existing one (id, prefix, name or job id);
    /// otherwise it is the name of the new run. `format` nil detects the format from the content.
    /// `jobRun` is the run of an OpenAI job imported just before: OpenAI events and results files carry no job
    /// id, so without `run` they join that job's run instead of starting one of their own.
    public func importFile(at path: String, format: ImportFormat? = nil, experiment: String = "default",
                           run: String? = nil, jobRun: String? = nil) throws -> FileImportResult {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LogError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        let detected = try format ?? Importers.detectFormat(data: data, path: path)
        let runs = try Importers.parse(data: data, path: path, format: detected)
        let source = ImportSource(path: path, format: detected, contents: data)
        var target: String?
        var runName: String?
        if run == nil, let jobRun, detected == .openaiEvents || detected == .openaiResults {
            target = jobRun
        } else if let run {
            if (try? resolveRun(run, experiment: experiment)) != nil { target = run } else { runName = run }
        }
        let outcomes = try importRuns(runs, source: source, experiment: experiment, runName: runName, target: target)
        return FileImportResult(path: path, format: detected, sha256: source.sha256, outcomes: outcomes, runs: runs)
    }
}
