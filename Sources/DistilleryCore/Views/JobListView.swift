/// One job as the jobs page needs it, whatever its kind: what storage reads (the queue row joined with the
/// kind's own row and its dataset).
public struct JobListEntry: Sendable, Equatable {
    public var id: Int64
    /// Nil for a kind this release does not know (a newer release's job in the same file).
    public var kind: JobKind?
    public var storedKind: String
    public var datasetID: Int64?
    public var datasetName: String?
    public var recipeID: Int64?
    public var recipeName: String?
    public var status: JobStatus
    public var cancelRequested: Bool
    /// Items done so far and in all; `total` is nil while unknown (a validation counts lines as it reads them).
    public var processed: Int
    public var total: Int?
    /// Training rows it produced (a validation's valid rows, a synthesis's answers); nil until known.
    public var rowsProduced: Int?
    /// Nil for work that costs nothing (validation).
    public var costUSD: Double?
    /// False for a self-hosted teacher without a price: its cost is unknown, not $0.
    public var costKnown: Bool
    /// For an ended validation, how its dataset came out ("Invalid", "Ready to synthesize"); for a generation that
    /// ended short of its quotas, "Completed with shortfall".
    public var outcome: String?
    public var startedByName: String?
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?

    public init(
        id: Int64, kind: JobKind?, storedKind: String, datasetID: Int64?, datasetName: String?, recipeID: Int64? = nil,
        recipeName: String? = nil, status: JobStatus, cancelRequested: Bool = false, processed: Int, total: Int?, rowsProduced: Int?,
        costUSD: Double?, costKnown: Bool = true, outcome: String? = nil, startedByName: String?, createdAt: Int64, startedAt: Int64?,
        finishedAt: Int64?
    ) {
        self.id = id
        self.kind = kind
        self.storedKind = storedKind
        self.datasetID = datasetID
        self.datasetName = datasetName
        self.recipeID = recipeID
        self.recipeName = recipeName
        self.status = status
        self.cancelRequested = cancelRequested
        self.processed = processed
        self.total = total
        self.rowsProduced = rowsProduced
        self.costUSD = costUSD
        self.costKnown = costKnown
        self.outcome = outcome
        self.startedByName = startedByName
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One row of the jobs page, and one item of `GET /api/jobs`: every figure already worded.
public struct JobListItem: Codable, Sendable, Equatable {
    public let id: Int64
    /// "J-12".
    public let number: String
    public let kind: String
    public let kindLabel: String
    /// The job's own page (a synthesis's), or its dataset's (a validation's).
    public let url: String?
    public let datasetID: Int64?
    /// "Dataset #12".
    public let datasetText: String
    public let datasetName: String?
    public let datasetURL: String?
    public let recipeID: Int64?
    public let recipeName: String?
    public let recipeURL: String?
    public let status: String
    public let statusLabel: String
    public let tone: String
    public let isActive: Bool
    public let outcome: String?
    public let processed: Int
    public let total: Int?
    public let percentDone: Int?
    public let progressText: String
    public let rowsProduced: Int?
    public let rowsText: String
    public let costUSD: Double?
    public let costText: String
    public let startedBy: String?
    public let startedByText: String
    public let createdAt: String
    public let startedAt: String?
    public let startedText: String
    public let durationSeconds: Double?
    public let durationText: String

    /// `now` (Unix milliseconds) measures a running job's duration so far.
    public init(_ entry: JobListEntry, now: Int64) {
        id = entry.id
        number = JobNumber.text(entry.id)
        kind = entry.kind?.rawValue ?? entry.storedKind
        kindLabel = entry.kind?.label ?? entry.storedKind
        switch entry.kind {
        case .synthesis: url = "/synthesis/\(entry.id)"
        case .generation: url = "/generations/\(entry.id)"
        // The report page (G's, issue 12).
        case .evaluation: url = "/evaluations/\(entry.id)"
        case .validation, nil: url = entry.datasetID.map { "/datasets/\($0)" }
        }
        datasetID = entry.datasetID
        datasetText = entry.datasetID.map { "Dataset #\($0)" } ?? "Dataset deleted"
        datasetName = entry.datasetName
        datasetURL = entry.datasetID.map { "/datasets/\($0)" }
        recipeID = entry.recipeID
        recipeName = entry.recipeName
        recipeURL = entry.recipeID.map { "/recipes/\($0)" }
        status = entry.status.rawValue
        isActive = entry.status.isActive
        if entry.kind == .synthesis {
            (statusLabel, tone) = SynthesisJobPresentation.label(entry.status, cancelRequested: entry.cancelRequested)
        } else {
            statusLabel = entry.status == .running ? (entry.kind?.runningLabel ?? entry.status.label) : entry.status.label
            tone = entry.status.tone
        }
        outcome = entry.status.isActive ? nil : entry.outcome
        processed = entry.processed
        total = entry.total
        let unit = entry.kind?.unit ?? "items"
        if let total = entry.total {
            let percent = total == 0 ? 100 : min(100, entry.processed * 100 / total)
            percentDone = percent
            progressText = "\(Formatting.count(entry.processed)) of \(Formatting.count(total)) \(unit) (\(percent)%)"
        } else {
            percentDone = nil
            progressText = entry.status.isActive && entry.startedAt != nil
                ? "\(Formatting.count(entry.processed)) \(unit) so far" : "—"
        }
        rowsProduced = entry.rowsProduced
        rowsText = entry.rowsProduced.map(Formatting.count) ?? "—"
        costUSD = entry.costUSD
        if let cost = entry.costUSD {
            costText = entry.costKnown ? Formatting.usd(cost) : SelfHostedCost.unknownText
        } else {
            costText = "—"
        }
        startedBy = entry.startedByName
        startedByText = entry.startedByName ?? "—"
        createdAt = Formatting.iso8601(milliseconds: entry.createdAt)
        startedAt = entry.startedAt.map { Formatting.iso8601(milliseconds: $0) }
        startedText = entry.startedAt.map { Formatting.timestamp(milliseconds: $0) } ?? "not yet"
        if let started = entry.startedAt {
            let end = entry.status.isActive ? now : (entry.finishedAt ?? now)
            let seconds = Double(max(0, end - started)) / 1000
            durationSeconds = seconds
            durationText = Formatting.duration(seconds: seconds)
        } else {
            durationSeconds = nil
            durationText = "—"
        }
    }
}

/// Which jobs the page lists: `kind` and `status` query parameters, each optional.
public struct JobListFilter: Sendable, Equatable {
    public var kind: JobKind?
    public var status: JobStatus?

    public init(kind: JobKind? = nil, status: JobStatus? = nil) {
        self.kind = kind
        self.status = status
    }

    /// Reads the query parameters; an empty value means "any". A word outside the vocabulary is named back.
    public init(kind kindText: String?, status statusText: String?) throws(AppError) {
        func parse<T: RawRepresentable & CaseIterable>(_ text: String?, _ field: String) throws(AppError) -> T? where T.RawValue == String {
            guard let text, !text.isEmpty else { return nil }
            guard let value = T(rawValue: text) else {
                let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
                throw AppError.badRequest("\(field) must be one of \(allowed); got \"\(text.prefix(40))\".")
            }
            return value
        }
        kind = try parse(kindText, "kind")
        status = try parse(statusText, "status")
    }

    /// The query string that keeps this filter (for paging links), without the leading `?`.
    public func query(page: Int? = nil, perPage: Int? = nil) -> String {
        var parts: [String] = []
        if let kind { parts.append("kind=\(kind.rawValue)") }
        if let status { parts.append("status=\(status.rawValue)") }
        if let page { parts.append("page=\(page)") }
        if let perPage { parts.append("per_page=\(perPage)") }
        return parts.joined(separator: "&")
    }
}

/// The jobs page: every job of every kind, newest first, filtered and paged.
public struct JobListView: Sendable {
    public struct Option: Sendable, Equatable {
        public let value: String
        public let label: String
        public let selected: Bool
    }

    public var chrome: PageChrome
    public let items: [JobListItem]
    public let page: Int
    public let perPage: Int
    public let total: Int
    public let isEmpty: Bool
    public let isFiltered: Bool
    public let hasActive: Bool
    public let kindOptions: [Option]
    public let statusOptions: [Option]
    /// "41–60 of 75 jobs".
    public let rangeText: String
    public let previousURL: String?
    public let nextURL: String?
    /// The JSON twin with the same filter and page, which the page polls while a job is active.
    public let pollURL: String

    public init(
        chrome: PageChrome, entries: [JobListEntry], filter: JobListFilter, page: Int, perPage: Int, total: Int, now: Int64
    ) {
        self.chrome = chrome
        items = entries.map { JobListItem($0, now: now) }
        self.page = page
        self.perPage = perPage
        self.total = total
        isEmpty = items.isEmpty
        isFiltered = filter != JobListFilter()
        hasActive = items.contains(where: \.isActive)
        kindOptions = [Option(value: "", label: "Any kind", selected: filter.kind == nil)]
            + JobKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: filter.kind == $0) }
        statusOptions = [Option(value: "", label: "Any status", selected: filter.status == nil)]
            + JobStatus.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: filter.status == $0) }
        let first = (page - 1) * perPage + 1
        rangeText = items.isEmpty
            ? "No jobs" : "\(Formatting.count(first))–\(Formatting.count(first + items.count - 1)) of \(Formatting.count(total)) jobs"
        // Paging links keep the filter, and the page size when it is not the default.
        let keptPerPage = perPage == Self.defaultPerPage ? nil : perPage
        previousURL = page > 1 ? "/jobs?" + filter.query(page: page - 1, perPage: keptPerPage) : nil
        nextURL = page * perPage < total ? "/jobs?" + filter.query(page: page + 1, perPage: keptPerPage) : nil
        pollURL = "/api/jobs?" + filter.query(page: page, perPage: perPage)
    }

    public static let defaultPerPage = 50
    public static let maxPerPage = 200
}
