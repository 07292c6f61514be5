import DistilleryCore
import DistilleryStorage

/// A run of the data checks as stored (`quality_runs.report`) and served: the JSON of `GET /api/datasets/{id}/quality`
/// and what the page `GET /datasets/{id}/quality` shows.
struct DatasetQualityReport: Codable {
    struct Flagged: Codable {
        let index: Int64
        let line: Int
        let detail: String
        /// The row in the rows API (one row a page, at the flagged row's position).
        let row: String
        /// The row's own page.
        let page: String
    }

    struct Check: Codable {
        let check: String
        let title: String
        let description: String
        let count: Int
        let flagged: [Flagged]
        /// Says how many flagged rows are not listed, when some are not.
        let unlistedText: String?
        /// Every row this check flags, in the row explorer.
        let rowsLink: String
    }

    /// A leakage pair: this dataset's row and the row it near-duplicates (another split's, or the compared dataset's).
    struct Pair: Codable {
        let index: Int64
        let line: Int
        let split: String?
        let otherDatasetID: Int64
        let otherIndex: Int64?
        let otherLine: Int
        let otherSplit: String?
        let similarity: Double
        let text: String
    }

    struct Share: Codable {
        let name: String
        let count: Int
        let share: Double
        let percent: String
    }

    struct Balance: Codable {
        let categories: [Share]
        let uncategorized: Int
        let splits: [Share]
        let hasCategories: Bool
        let hasSplits: Bool
        let hasUncategorized: Bool
    }

    struct Trend: Codable {
        let check: String
        let previous: Int
        let current: Int
        let change: String
        let text: String
    }

    struct Run: Codable {
        let id: Int64
        let trigger: String
        let createdAt: String
    }

    struct Compared: Codable {
        let id: Int64
        let name: String
    }

    static let listedPairs = QualityChecks.listedFlags

    let datasetID: Int64
    let datasetName: String
    let rows: Int
    let verdict: String
    let checks: [Check]
    let leakagePairs: [Pair]
    let leakagePairCount: Int
    let hasLeakagePairs: Bool
    let compared: Compared?
    let balance: Balance
    /// Each check's move since the previous run (empty for a first run); `trendText` says it in one line.
    private(set) var trend: [Trend] = []
    private(set) var trendText: String?
    private(set) var previousRunID: Int64?
    /// Set when the report is served from its stored run.
    var run: Run?

    init(dataset: DatasetRecord, against: DatasetRecord?, report: QualityReport, indexes: [Int64]) {
        let id = dataset.id
        datasetID = id
        datasetName = dataset.name
        rows = report.rows
        verdict = report.verdict
        checks = report.findings.map { finding in
            Check(
                check: finding.check.rawValue, title: finding.check.title, description: finding.check.description, count: finding.count,
                flagged: finding.flags.map { flag in
                    Flagged(
                        index: indexes[flag.position], line: flag.line, detail: flag.detail,
                        row: "/api/datasets/\(id)/rows?page=\(flag.position + 1)&per_page=1", page: "/datasets/\(id)/rows/\(indexes[flag.position])")
                },
                unlistedText: finding.count > finding.flags.count
                    ? "\(finding.count - finding.flags.count) more not listed (only the first \(QualityChecks.listedFlags) are)." : nil,
                rowsLink: "/datasets/\(id)/rows?flag=\(finding.check.rawValue)")
        }
        leakagePairCount = report.leakagePairs.count
        hasLeakagePairs = leakagePairCount > 0
        leakagePairs = report.leakagePairs.prefix(Self.listedPairs).map { pair in
            let similarity = QualityChecks.twoDecimals(pair.similarity)
            let text = pair.otherPosition == nil
                ? "line \(pair.line) ↔ line \(pair.otherLine) of dataset #\(against?.id ?? 0) (similarity \(similarity))"
                : "line \(pair.line) (\(pair.split?.rawValue ?? "")) ↔ line \(pair.otherLine) (\(pair.otherSplit?.rawValue ?? "")), similarity \(similarity)"
            return Pair(
                index: indexes[pair.position], line: pair.line, split: pair.split?.rawValue,
                otherDatasetID: pair.otherPosition == nil ? against?.id ?? id : id, otherIndex: pair.otherPosition.map { indexes[$0] },
                otherLine: pair.otherLine, otherSplit: pair.otherSplit?.rawValue, similarity: pair.similarity, text: text)
        }
        compared = against.map { Compared(id: $0.id, name: $0.name) }
        func share(_ item: BalanceShare) -> Share {
            Share(name: item.name, count: item.count, share: item.share, percent: "\(QualityChecks.twoDecimals(item.share * 100).dropLast(1))%")
        }
        balance = Balance(
            categories: report.balance.categories.map(share), uncategorized: report.balance.uncategorized,
            splits: report.balance.splits.map(share), hasCategories: !report.balance.categories.isEmpty,
            hasSplits: !report.balance.splits.isEmpty, hasUncategorized: report.balance.uncategorized > 0)
    }

    /// The trend against the previous run's counts (none for a dataset's first run).
    mutating func setTrend(previousCounts: [String: Int]?, current: [String: Int], previousRunID: Int64?) {
        guard let previousCounts else { return }
        trend = QualityTrend.between(previous: previousCounts, current: current).map {
            Trend(check: $0.check.rawValue, previous: $0.previous, current: $0.current, change: $0.change.rawValue, text: $0.text)
        }
        trendText = trend.isEmpty ? "No flags in this run or the previous one." : trend.map(\.text).joined(separator: ", ")
        self.previousRunID = previousRunID
    }
}
