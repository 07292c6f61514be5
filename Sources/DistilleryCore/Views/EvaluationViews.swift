/// One evaluation run as the list, its page's header and the comparison name it: every figure already worded.
public struct EvaluationRunSummary: Encodable, Sendable, Equatable {
    public let id: Int64
    public let number: String
    public let name: String
    public let url: String
    public let datasetID: Int64?
    public let datasetName: String?
    /// The held-out split; nil: every row of the dataset.
    public let split: String?
    public let splitLabel: String
    public let student: String
    public let judge: String
    public let dimensions: [String]
    public let status: String
    public let statusLabel: String
    public let statusTone: String
    public let isActive: Bool
    public let cancelRequested: Bool
    public let total: Int
    public let judged: Int
    public let skipped: Int
    public let percentDone: Int
    public let progressText: String
    public let createdText: String
    public let finishedText: String?
    public let failure: String?

    public init(
        id: Int64, name: String, datasetID: Int64?, datasetName: String?, split: String?, studentProvider: String, studentModel: String,
        judgeProvider: String, judgeModel: String, dimensions: [String], status: JobStatus, cancelRequested: Bool, total: Int, judged: Int,
        skipped: Int, createdAt: Int64, finishedAt: Int64?, failure: String?
    ) {
        self.id = id
        number = JobNumber.text(id)
        self.name = name
        url = "/evaluations/\(id)"
        self.datasetID = datasetID
        self.datasetName = datasetName
        self.split = split
        splitLabel = split.map { "\($0) split" } ?? "all rows"
        student = "\(studentProvider) · \(studentModel)"
        judge = "\(judgeProvider) · \(judgeModel)"
        self.dimensions = dimensions
        self.status = status.rawValue
        statusLabel = cancelRequested && status.isActive ? "Cancelling" : status.label
        statusTone = status.tone
        isActive = status.isActive
        self.cancelRequested = cancelRequested
        self.total = total
        self.judged = judged
        self.skipped = skipped
        percentDone = total == 0 ? 100 : min(100, (judged + skipped) * 100 / total)
        progressText = "\(Formatting.count(judged)) of \(Formatting.count(total)) rows judged"
            + (skipped == 0 ? "" : " · \(Formatting.count(skipped)) skipped")
        createdText = Formatting.timestamp(milliseconds: createdAt)
        finishedText = finishedAt.map(Formatting.timestamp(milliseconds:))
        self.failure = failure
    }
}

/// `/evaluations` and `GET /api/evaluations`: every run, newest first, with a comparison link per held-out set that
/// has two or more finished runs.
public struct EvaluationListView: Encodable, Sendable {
    public struct HeldOutSet: Encodable, Sendable, Equatable {
        public let datasetID: Int64
        public let datasetName: String
        public let splitLabel: String
        public let runs: Int
        /// `/evaluations/compare?runs=…`, oldest run first.
        public let compareURL: String
    }

    public var chrome: PageChrome?
    public let runs: [EvaluationRunSummary]
    public let hasRuns: Bool
    public let comparable: [HeldOutSet]
    public let hasComparable: Bool

    enum CodingKeys: String, CodingKey { case runs, comparable }

    public init(chrome: PageChrome?, runs: [EvaluationRunSummary]) {
        self.chrome = chrome
        self.runs = runs
        hasRuns = !runs.isEmpty
        var groups: [String: [EvaluationRunSummary]] = [:]
        var order: [String] = []
        for run in runs where !run.isActive && run.judged > 0 {
            guard let dataset = run.datasetID else { continue }
            let key = "\(dataset)/\(run.split ?? "")"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(run)
        }
        comparable = order.compactMap { key in
            guard let members = groups[key], members.count >= 2, let first = members.first, let dataset = first.datasetID else { return nil }
            let ids = members.map(\.id).sorted()
            return HeldOutSet(
                datasetID: dataset, datasetName: first.datasetName ?? "Dataset #\(dataset)", splitLabel: first.splitLabel, runs: members.count,
                compareURL: "/evaluations/compare?runs=" + ids.map(String.init).joined(separator: ","))
        }
        hasComparable = !comparable.isEmpty
    }
}

/// A failure mode as the report lists it (H's clustering fills `failure_modes`).
public struct EvaluationFailureModeView: Encodable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let rows: Int
    /// Up to three example rows' indexes.
    public let exampleRows: [Int64]

    public init(id: Int64, name: String, rows: Int, exampleRows: [Int64]) {
        self.id = id
        self.name = name
        self.rows = rows
        self.exampleRows = exampleRows
    }
}

/// What one endpoint used over the whole run (every call, retries included).
public struct EvaluationEndpointUsageView: Encodable, Sendable, Equatable {
    public let role: String
    public let provider: String
    public let model: String
    public let calls: Int
    public let tokensIn: Int
    public let tokensOut: Int
    /// nil (JSON null) for a self-hosted endpoint without a price.
    @JSONNullable public private(set) var costUSD: Double?
    public let costText: String

    public init(
        role: String, provider: String, model: String, calls: Int, tokensIn: Int, tokensOut: Int, costUSD: Double, costKnown: Bool = true
    ) {
        self.role = role
        self.provider = provider
        self.model = model
        self.calls = calls
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costKnown ? costUSD : nil
        costText = costKnown ? Formatting.usd(costUSD) : SelfHostedCost.unknownText
    }
}

/// `/evaluations/{id}` and `GET /api/evaluations/{id}`: the run, its live progress and the report of the rows judged
/// so far (the full report once it ended), the failure modes, each endpoint's usage and why rows were skipped.
public struct EvaluationPageView: Encodable, Sendable {
    public struct SkipReason: Encodable, Sendable, Equatable {
        public let code: String
        public let count: Int
        public let example: String

        public init(code: String, count: Int, example: String) {
            self.code = code
            self.count = count
            self.example = example
        }
    }

    public var chrome: PageChrome?
    public let run: EvaluationRunSummary
    public let report: EvaluationReport
    public let failureModes: [EvaluationFailureModeView]
    public let hasFailureModes: Bool
    public let usage: [EvaluationEndpointUsageView]
    public let skipReasons: [SkipReason]
    public let hasSkips: Bool
    public let hasCategories: Bool
    public let hasWorstRows: Bool
    /// The comparison with the other finished runs on the same held-out set, when there are any.
    public let compareURL: String?

    enum CodingKeys: String, CodingKey { case run, report, failureModes, usage, skipReasons, compareURL }

    public init(
        chrome: PageChrome?, run: EvaluationRunSummary, report: EvaluationReport, failureModes: [EvaluationFailureModeView],
        usage: [EvaluationEndpointUsageView], skipReasons: [SkipReason], siblingRunIDs: [Int64]
    ) {
        self.chrome = chrome
        self.run = run
        self.report = report
        self.failureModes = failureModes
        hasFailureModes = !failureModes.isEmpty
        self.usage = usage
        self.skipReasons = skipReasons
        hasSkips = !skipReasons.isEmpty
        hasCategories = !report.categories.isEmpty
        hasWorstRows = !report.worstRows.isEmpty
        let others = siblingRunIDs.filter { $0 != run.id }
        compareURL = others.isEmpty || run.isActive
            ? nil : "/evaluations/compare?runs=" + (others + [run.id]).sorted().map(String.init).joined(separator: ",")
    }
}

/// `/evaluations/compare?runs=…` and its JSON twin: the runs (oldest first) on one held-out set, compared.
public struct EvaluationCompareView: Encodable, Sendable {
    public var chrome: PageChrome?
    public let runs: [EvaluationRunSummary]
    public let datasetID: Int64?
    public let datasetName: String?
    public let splitLabel: String
    public let comparison: EvaluationComparison

    enum CodingKeys: String, CodingKey { case runs, datasetID, splitLabel, comparison }

    public init(chrome: PageChrome?, runs: [EvaluationRunSummary], comparison: EvaluationComparison) {
        self.chrome = chrome
        self.runs = runs
        datasetID = runs.first?.datasetID
        datasetName = runs.first?.datasetName
        splitLabel = runs.first?.splitLabel ?? ""
        self.comparison = comparison
    }
}
