import DistilleryCore

/// A failure mode with the rows it holds (its own and those of the modes merged into it).
public struct StoredFailureMode: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let rowIndexes: [Int64]
}

/// The reads the evaluation pages need beyond the runner's: every run, newest first, and the failure modes.
extension EvaluationStore {
    /// The newest `limit` runs' job ids.
    public func runIDs(limit: Int) throws -> [Int64] {
        try database.read { connection in
            try connection.query("SELECT job_id FROM evaluation_runs ORDER BY job_id DESC LIMIT ?", SQLValue(limit)).compactMap { $0.int64("job_id") }
        }
    }

    /// The run's failure modes that were not merged into another, most rows first, each with its rows in index
    /// order (a row counts under the mode its own mode was merged into, following the chain).
    public func failureModes(jobID: Int64) throws -> [StoredFailureMode] {
        try database.read { connection in
            let modes = try connection.query(
                "SELECT id, name, merged_into FROM failure_modes WHERE job_id = ? ORDER BY id", .integer(jobID))
            var parent: [Int64: Int64] = [:]
            var names: [Int64: String] = [:]
            for mode in modes {
                guard let id = mode.int64("id") else { continue }
                names[id] = mode.string("name") ?? ""
                if let target = mode.int64("merged_into") { parent[id] = target }
            }
            func root(_ id: Int64) -> Int64 {
                var current = id
                var seen: Set<Int64> = [id]
                while let next = parent[current], names[next] != nil, seen.insert(next).inserted { current = next }
                return current
            }
            var rows: [Int64: [Int64]] = [:]
            for row in try connection.query(
                "SELECT idx, failure_mode_id FROM evaluation_rows WHERE job_id = ? AND failure_mode_id IS NOT NULL ORDER BY idx", .integer(jobID))
            {
                guard let idx = row.int64("idx"), let mode = row.int64("failure_mode_id"), names[mode] != nil else { continue }
                rows[root(mode), default: []].append(idx)
            }
            return names.keys.filter { root($0) == $0 }
                .map { StoredFailureMode(id: $0, name: names[$0] ?? "", rowIndexes: rows[$0] ?? []) }
                .sorted { $0.rowIndexes.count != $1.rowIndexes.count ? $0.rowIndexes.count > $1.rowIndexes.count : $0.id < $1.id }
        }
    }
}
