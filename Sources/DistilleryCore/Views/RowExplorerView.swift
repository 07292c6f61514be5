/// A stored row as the explorer reads it: what storage holds, and what the quality work says about it.
public struct ExplorerRowInput: Sendable {
    public let index: Int64
    public let line: Int
    public let body: String
    public let metadata: String?
    public let split: DatasetSplit?
    public let annotations: RowAnnotations

    public init(index: Int64, line: Int, body: String, metadata: String?, split: DatasetSplit?, annotations: RowAnnotations) {
        self.index = index
        self.line = line
        self.body = body
        self.metadata = metadata
        self.split = split
        self.annotations = annotations
    }
}

/// One row of the explorer, readable as a conversation: role-labelled turns (the dataset's usual system prompt
/// folded away), its metadata, flags, scores and review badge, and a link to its own page.
public struct ExplorerRowView: Sendable {
    public struct Turn: Sendable, Equatable {
        public let role: String
        public let content: String
    }

    public struct Item: Sendable, Equatable {
        public let key: String
        public let value: String
    }

    public struct Badge: Sendable, Equatable {
        public let label: String
        /// A `.status` tone of the stylesheet: ok, warn, bad.
        public let tone: String
    }

    public let index: Int64
    /// 1-based, as people count rows.
    public let number: Int64
    public let line: Int
    public let url: String
    public let split: String?
    public let category: String?
    /// The row's system prompt when it is the dataset's usual one: shown folded in `<details>`.
    public let usualSystemPrompt: String?
    public let turns: [Turn]
    public let flags: [Item]
    public let hasFlags: Bool
    public let scores: [Badge]
    public let hasScores: Bool
    public let review: Badge?
    public let metadata: [Item]
    public let hasMetadata: Bool

    /// `filterQuery` (`RowFilter.queryString`) goes on the row's link, so its page moves within the filter.
    public init(_ row: ExplorerRowInput, datasetID: Int64, usualSystemPrompt: String?, filterQuery: String = "") {
        index = row.index
        number = row.index + 1
        line = row.line
        url = "/datasets/\(datasetID)/rows/\(row.index)" + filterQuery
        split = row.split?.rawValue
        category = RowCategory.of(metadata: row.metadata)
        var turns = Self.turns(row.body)
        if let first = turns.first, first.role == "system", first.content == usualSystemPrompt {
            self.usualSystemPrompt = first.content
            turns.removeFirst()
        } else {
            self.usualSystemPrompt = nil
        }
        self.turns = turns
        flags = row.annotations.flags.map { Item(key: QualityCheck(rawValue: $0.check)?.title ?? $0.check, value: $0.detail) }
        hasFlags = !flags.isEmpty
        scores = row.annotations.scores.map(Self.badge)
        hasScores = !scores.isEmpty
        review = row.annotations.review.map(Self.badge)
        metadata = Self.metadataItems(row.metadata)
        hasMetadata = !metadata.isEmpty
    }

    /// The row's messages; a seed row (`{"input": …}`) is one user turn.
    static func turns(_ body: String) -> [Turn] {
        if let messages = try? NormalizedChatRow.messages(Array(body.utf8)) {
            return messages.map { Turn(role: $0.role.rawValue, content: String(decoding: $0.decodedContent, as: UTF8.self)) }
        }
        if let input = (try? SynthesisJSON.parse(body))?["input"]?.stringValue { return [Turn(role: "user", content: input)] }
        return []
    }

    static func badge(_ score: RowAnnotations.Score) -> Badge {
        let title = JudgeDimension.builtIns.first { $0.id == score.dimension }?.title ?? score.dimension
        if score.rubric == "pass_fail" {
            return Badge(label: "\(title): \(score.score == 1 ? "pass" : "fail")", tone: score.score == 1 ? "ok" : "bad")
        }
        return Badge(label: "\(title): \(score.score)/5", tone: score.score >= 4 ? "ok" : score.score <= 2 ? "bad" : "warn")
    }

    static func badge(_ review: RowAnnotations.Review) -> Badge {
        var label = review.verdict ?? "not judged"
        if let rating = review.rating { label += " · \(rating)/5" }
        if review.edited { label += " · edited" }
        if let reviewer = review.reviewedBy { label += " · by \(reviewer)" }
        let tone = review.verdict == "accepted" ? "ok" : review.verdict == "rejected" ? "bad" : "warn"
        return Badge(label: label, tone: tone)
    }

    /// The metadata's top-level scalar fields ("model: qwen"), in its own order.
    static func metadataItems(_ json: String?) -> [Item] {
        guard let json, case .object(let members)? = try? SynthesisJSON.parse(json) else { return [] }
        return members.compactMap { member in
            let key = member.key.replacingOccurrences(of: "_", with: " ")
            switch member.value {
            case .string(let text): return Item(key: key, value: text)
            case .number, .bool: return Item(key: key, value: member.value.serialized)
            default: return nil
            }
        }
    }
}

/// The row explorer (`GET /datasets/{id}/rows`): the filter form, one page of matching rows and the paging links.
/// Its JSON twin is the rows API, built from the same loaded page (see `RowExplorerPage` in the server).
public struct RowExplorerView: Sendable {
    public struct Option: Sendable, Equatable {
        public let value: String
        public let label: String
        public let selected: Bool
    }

    /// The filter form's fields as sent. Nested, so the template's row sections never fall back to a form field of
    /// the same name (a row without a category would otherwise find the form's empty `category`).
    public struct FilterForm: Sendable {
        public let action: String
        public let query: String
        public let category: String
        public let minLength: String
        public let maxLength: String
        public let representativesOnly: Bool
        public let splitOptions: [Option]
        public let flagOptions: [Option]
        public let scoreOptions: [Option]
        public let reviewOptions: [Option]
        public let isFiltered: Bool

        init(_ filter: RowFilter, action: String) {
            self.action = action
            query = filter.query ?? ""
            category = filter.category ?? ""
            minLength = filter.minLength.map(String.init) ?? ""
            maxLength = filter.maxLength.map(String.init) ?? ""
            representativesOnly = filter.representativesOnly
            func options(_ any: String, _ values: [(String, String)], selected: String?) -> [Option] {
                [Option(value: "", label: any, selected: selected == nil)]
                    + values.map { Option(value: $0.0, label: $0.1, selected: selected == $0.0) }
            }
            splitOptions = options("Any split", [("train", "Train"), ("validation", "Validation"), ("test", "Test")], selected: filter.split?.rawValue)
            flagOptions = options(
                "Any", [(RowFilter.noFlag, "No flags"), (RowFilter.anyFlag, "Some flag")] + QualityCheck.allCases.map { ($0.rawValue, $0.title) },
                selected: filter.flag)
            scoreOptions = options("Any", (1...5).reversed().map { (String($0), "≥ \($0) on every dimension") }, selected: filter.minScore.map(String.init))
            reviewOptions = options("Any", RowReviewState.allCases.map { ($0.rawValue, $0.label) }, selected: filter.review?.rawValue)
            isFiltered = !filter.isEmpty
        }
    }

    public var chrome: PageChrome?
    public let datasetID: Int64
    public let datasetName: String
    public let form: FilterForm
    /// "12 of 1,400 rows match: no flags · score ≥ 4".
    public let summary: String
    public let rows: [ExplorerRowView]
    public let isEmpty: Bool
    /// "21–40 of 120".
    public let rangeText: String
    public let previousURL: String?
    public let nextURL: String?
    /// The rows API with the same filter and page.
    public let jsonURL: String
    /// The curate page for this filter (a chat dataset's rows only: `canCurate`).
    public let curateURL: String
    public var canCurate = false
    /// The tab bar (Overview · Rows · Quality) of a chat dataset.
    public var tabs: DatasetTabs?
    /// True while the background indexer has not indexed every row: searches scan the rows meanwhile (the same
    /// results, more slowly on a large dataset), and the page says so.
    public var searchIndexBuilding = false

    public static let defaultPerPage = 20

    public init(
        datasetID: Int64, datasetName: String, rowCount: Int, filter: RowFilter, page: Int, perPage: Int, total: Int,
        rows: [ExplorerRowInput], usualSystemPrompt: String?
    ) {
        self.datasetID = datasetID
        self.datasetName = datasetName
        form = FilterForm(filter, action: "/datasets/\(datasetID)/rows")
        summary = filter.isEmpty
            ? "\(Formatting.count(total)) rows"
            : "\(Formatting.count(total)) of \(Formatting.count(rowCount)) rows match: \(filter.summary)"
        self.rows = rows.map { ExplorerRowView($0, datasetID: datasetID, usualSystemPrompt: usualSystemPrompt, filterQuery: filter.queryString) }
        curateURL = "/datasets/\(datasetID)/curate" + filter.queryString
        isEmpty = rows.isEmpty
        let first = (page - 1) * perPage + 1
        rangeText = rows.isEmpty ? "No rows" : "\(Formatting.count(first))–\(Formatting.count(first + rows.count - 1)) of \(Formatting.count(total))"
        func link(_ base: String, page: Int, perPage: Int?) -> String {
            var parameters = filter.parameters
            parameters.append(("page", String(page)))
            if let perPage { parameters.append(("per_page", String(perPage))) }
            return base + "?" + parameters.map { "\($0.name)=\(FormDecoding.percentEncode($0.value))" }.joined(separator: "&")
        }
        let keptPerPage = perPage == Self.defaultPerPage ? nil : perPage
        previousURL = page > 1 ? link(form.action, page: page - 1, perPage: keptPerPage) : nil
        nextURL = page * perPage < total ? link(form.action, page: page + 1, perPage: keptPerPage) : nil
        jsonURL = link("/api/datasets/\(datasetID)/rows", page: page, perPage: perPage)
    }
}
