import DistilleryCore
import DistilleryStorage
import Foundation

/// One run of the data checks (README "Data checks"): the dataset's rows streamed a page at a time through
/// `QualityChecks` (and, with a dataset to compare against, that dataset's last user turns first), the report built,
/// and the run stored with every flagged row, replacing the dataset's earlier flags.
enum DataQualityRun {
    static let pageSize = 500

    /// `heartbeat` is called between pages: a run on a worker stops there when the server stops.
    static func run(
        dataset: DatasetRecord, against: DatasetRecord?, trigger: QualityTrigger, createdBy: Int64?, services: Services,
        heartbeat: () throws -> Void = {}
    ) throws -> StoredQualityRun {
        var checks = QualityChecks()
        if let against {
            try forEachRow(of: against.id, services: services, heartbeat: heartbeat) { row in
                if let prompt = lastUserTurn(row, mode: against.mode) { checks.addComparedPrompt(line: row.line, prompt: prompt) }
            }
        }
        var indexes: [Int64] = []
        try forEachRow(of: dataset.id, services: services, heartbeat: heartbeat) { row in
            guard let qualityRow = QualityRow(line: row.line, body: Array(row.body.utf8), metadata: row.meta, split: row.split) else { return }
            indexes.append(row.index)
            checks.add(qualityRow)
        }
        let result = checks.report()
        let counts = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.check.rawValue, $0.count) })
        let quality = QualityStore(database: services.database)
        let previous = try quality.latestRuns(datasetID: dataset.id, limit: 1).first
        var report = DatasetQualityReport(dataset: dataset, against: against, report: result, indexes: indexes)
        report.setTrend(previousCounts: previous.map { decodeCounts($0.counts) }, current: counts, previousRunID: previous?.id)
        let flags = result.findings.flatMap { finding in
            finding.everyFlag.map { StoredRowFlag(index: indexes[$0.position], check: finding.check.rawValue, detail: $0.detail) }
        }
        return try quality.record(
            NewQualityRun(
                datasetID: dataset.id, trigger: trigger, compareDatasetID: against?.id, rows: result.rows, verdict: result.verdict,
                counts: String(decoding: Renderer.encode(counts), as: UTF8.self),
                report: String(decoding: Renderer.encode(report), as: UTF8.self), flags: flags, createdBy: createdBy),
            now: services.now())
    }

    /// The stored report of a run, with the run's own facts.
    static func report(of run: StoredQualityRun) throws -> DatasetQualityReport {
        var report = try JSONDecoder().decode(DatasetQualityReport.self, from: Data(run.report.utf8))
        report.run = .init(id: run.id, trigger: run.trigger.rawValue, createdAt: Formatting.iso8601(milliseconds: run.createdAt))
        return report
    }

    private static func decodeCounts(_ json: String) -> [String: Int] {
        (try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))) ?? [:]
    }

    private static func forEachRow(
        of datasetID: Int64, services: Services, heartbeat: () throws -> Void, _ body: (StoredRow) throws -> Void
    ) throws {
        var afterIndex: Int64 = -1
        while true {
            try heartbeat()
            let page = try services.datasets.rows(datasetID: datasetID, afterIndex: afterIndex, limit: pageSize)
            for row in page { try body(row) }
            guard let last = page.last, page.count == pageSize else { return }
            afterIndex = last.index
        }
    }

    /// A chat row's last user turn, or a seed's prompt (`{"input": …}`).
    private static func lastUserTurn(_ row: StoredRow, mode: DatasetMode) -> String? {
        switch mode {
        case .chat: QualityRow(line: row.line, body: Array(row.body.utf8), metadata: nil)?.lastUserTurn
        case .seeds: (try? SynthesisJSON.parse(Array(row.body.utf8)))?["input"]?.stringValue
        }
    }
}
