import Foundation

extension Store {
    /// The datasets a selector names: a label (a prefix of the content hash, or of the file hash for datasets
    /// without one, or `datasetN`), or a path the dataset was read from.
    public func datasets(matching selector: String) throws -> [StoredDataset] {
        try storedDatasets("""
            SELECT DISTINCT \(Store.storedDatasetColumns) FROM datasets d LEFT JOIN dataset_aliases a ON a.dataset_id = d.id
            WHERE substr(d.content_sha256, 1, length(?1)) = ?1
               OR (d.content_sha256 IS NULL AND substr(d.sha256, 1, length(?1)) = ?1)
               OR 'dataset' || d.id = ?1 OR d.path = ?1 OR a.path = ?1
            ORDER BY d.id
            """, [.text(selector)])
    }

    /// The datasets on which some run has an evaluation metric named `name`.
    func datasets(evaluating name: String) throws -> [StoredDataset] {
        try storedDatasets("""
            SELECT DISTINCT \(Store.storedDatasetColumns) FROM evaluation_metrics m
            JOIN evaluations ev ON ev.id = m.evaluation_id JOIN datasets d ON d.id = ev.dataset_id
            WHERE m.name = ? ORDER BY d.id
            """, [.text(name)])
    }

    private func storedDatasets(_ sql: String, _ values: [SQLValue]) throws -> [StoredDataset] {
        try database.query(sql, values).map { r in
            StoredDataset(id: r[0].int64 ?? 0, path: r[1].text ?? "", contentSHA256: r[2].text, fileSHA256: r[3].text,
                          exampleCount: r[4].int64.map { Int($0) })
        }
    }

    /// Resolves `metrics.X` keys. `NAME@LABEL` names a dataset; a plain name is fine when the metric was evaluated
    /// on at most one dataset (or `selector` picks the dataset), and an error that lists the choices otherwise, so
    /// filters and sorting never mix test sets silently.
    func metricTargets(for keys: [String], dataset selector: String?) throws -> [String: MetricTarget] {
        let chosen = try selector.map { selector -> [StoredDataset] in
            let found = try datasets(matching: selector)
            guard !found.isEmpty else { throw StoreError.invalidArgument("no dataset matches --dataset '\(selector)'") }
            return found
        }
        var targets: [String: MetricTarget] = [:]
        for key in Set(keys) {
            if let at = key.lastIndex(of: "@"), at != key.startIndex {
                let name = String(key[..<at]), label = String(key[key.index(after: at)...])
                let found = try datasets(matching: label)
                guard !found.isEmpty else {
                    throw FilterError(message: "no dataset labelled '\(label)' (metrics.\(key))", column: 1)
                }
                targets[key] = MetricTarget(name: name, datasets: found.map(\.id))
                continue
            }
            if let chosen {
                targets[key] = MetricTarget(name: key, datasets: chosen.map(\.id))
                continue
            }
            let evaluated = try datasets(evaluating: key)
            if evaluated.count > 1 {
                let choices = evaluated.map { "metrics.\(key)@\($0.label) (\($0.path))" }.joined(separator: ", ")
                throw FilterError(
                    message: "metrics.\(key) was evaluated on \(evaluated.count) datasets; name one of \(choices), or pass --dataset",
                    column: 1)
            }
        }
        return targets
    }
}
