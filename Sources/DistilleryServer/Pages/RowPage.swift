import DistilleryCore
import DistilleryStorage

/// One row of a chat dataset as the row page `GET /datasets/{id}/rows/{idx}` shows it and its JSON twin
/// `GET /api/datasets/{id}/rows/{idx}` returns it: the row as reviewed (its latest edit, else the original), its
/// metadata, data-check flags, judge scores with the judge's reasoning, the review and the edit history, and the
/// rows before and after it (within the explorer's filter when the page was opened with one).
struct RowPageView: Encodable {
    struct Message: Encodable {
        let role: String
        let content: String
        /// The edit form's field names (`role_0`, `content_0`, …) and whether it is the system prompt.
        let index: Int
        let isSystem: Bool
        let isUser: Bool
        let isAssistant: Bool

        init(_ message: PreviewRow.Message, index: Int) {
            role = message.role
            content = message.content
            self.index = index
            isSystem = message.role == "system"
            isUser = message.role == "user"
            isAssistant = message.role == "assistant"
        }

        enum CodingKeys: String, CodingKey { case role, content }
    }

    struct Flag: Encodable {
        let check: String
        let title: String
        let detail: String
    }

    struct Score: Encodable {
        let dimension: String
        let title: String
        let rubric: String
        let score: Int
        /// "4 / 5" or "pass" / "fail".
        let scoreText: String
        let reasoning: String
        let model: String
        let promptVersion: String
    }

    struct Review: Encodable {
        let verdict: String
        let rating: Int?
        let reviewedBy: String?
        let reviewedAt: String
        let reviewedAtText: String
        let isAccepted: Bool

        enum CodingKeys: String, CodingKey { case verdict, rating, reviewedBy, reviewedAt }
    }

    struct Edit: Encodable {
        let seq: Int
        let editedBy: String?
        let editedAt: String
        let editedAtText: String
        /// The row before this edit and after it, as conversations.
        let previousMessages: [Message]
        let messages: [Message]

        enum CodingKeys: String, CodingKey { case seq, editedBy, editedAt, previousMessages, messages }
    }

    let datasetID: Int64
    let datasetName: String
    let index: Int64
    let line: Int
    let split: String?
    /// The row as reviewed: its latest edit, else the row as validated.
    let messages: [Message]
    let edited: Bool
    let metadata: [PreviewRow.MetadataItem]
    let flags: [Flag]
    let scores: [Score]
    let review: Review?
    let edits: [Edit]
    /// The rows before and after this one (within the filter, when there is one), as page URLs.
    let previousURL: String?
    let nextURL: String?
    /// The filter the page was opened with, in words ("" without one).
    let filterSummary: String

    // Page-only presentation, left out of the JSON twin.
    var chrome: PageChrome?
    let systemPrompt: String?
    let turns: [Message]
    let hasMetadata: Bool
    let hasFlags: Bool
    let hasScores: Bool
    let hasEdits: Bool
    /// The forms post here, carrying the filter so that a review moves on within it.
    let reviewAction: String
    let editAction: String
    let explorerURL: String
    let ratingOptions: [RatingOption]
    /// An edit that was refused: its problems by JSON path, and the form keeps what was typed.
    var editProblems: [Problem] = [] {
        didSet { hasEditProblems = !editProblems.isEmpty }
    }
    var hasEditProblems = false
    var editOpen = false
    var formMessages: [Message]

    struct RatingOption: Encodable {
        let value: Int
        let selected: Bool
    }

    struct Problem: Encodable {
        let path: String
        let message: String
    }

    enum CodingKeys: String, CodingKey {
        case datasetID, datasetName, index, line, split, messages, edited, metadata, flags, scores, review, edits
        case previousURL, nextURL, filterSummary
    }
}

extension RequestContext {
    var reviews: ReviewStore { ReviewStore(database: database) }
}

extension HTTPRequest {
    /// The `{idx}` path parameter: a row index (0 is the first row); anything else is a 404, as for a missing row.
    func rowIndex() throws -> Int64 {
        guard let text = pathParameters["idx"], let index = Int64(text), index >= 0 else {
            throw AppError.notFound("No row \(pathParameters["idx"] ?? "").")
        }
        return index
    }
}

// GET /datasets/{id}/rows/{idx}[?<explorer filter>]  — one row to read and review (a / r / e, j / k).
// 404 unknown dataset or row, 409 while validating or for a seeds dataset.  JSON twin: GET /api/datasets/{id}/rows/{idx}
func showRowPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var view = try loadRowPageView(request, context)
    view.chrome = context.chrome(section: .datasets)
    return context.renderer.html(.row, view)
}

// GET /api/datasets/{id}/rows/{idx}  — HTML twin: GET /datasets/{id}/rows/{idx}
func getRowJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    context.renderer.json(try loadRowPageView(request, context))
}

func loadRowPageView(_ request: HTTPRequest, _ context: RequestContext) throws -> RowPageView {
    let record = try context.datasets.requireSettledDataset(id: request.datasetID())
    try requireChatRows(record)
    let index = try request.rowIndex()
    let reviews = context.reviews
    guard let row = try reviews.row(datasetID: record.id, index: index) else {
        throw AppError.notFound("Dataset \(record.id) has no row \(index).")
    }
    let navigation = try RowNavigation(request, datasetID: record.id, index: index, context: context)
    let edits = try reviews.edits(datasetID: record.id, index: index)
    let current = conversation(edits.last?.body ?? row.body)
    let base = "/datasets/\(record.id)/rows/\(index)"
    let review = try reviews.review(datasetID: record.id, index: index)
    let flags = try reviews.flags(datasetID: record.id, index: index)
    let scores = try reviews.scores(datasetID: record.id, index: index)
    let metadata = PreviewDecoding.metadataItems(row.meta)
    return RowPageView(
        datasetID: record.id, datasetName: record.name, index: index, line: row.line, split: row.split?.rawValue,
        messages: current, edited: !edits.isEmpty, metadata: metadata,
        flags: flags.map { flag in
            .init(check: flag.check, title: QualityCheck(rawValue: flag.check)?.title ?? flag.check, detail: flag.detail)
        },
        scores: scores.map { score in
            .init(
                dimension: score.dimension,
                title: JudgeDimension.builtIns.first { $0.id == score.dimension }?.title ?? score.dimension,
                rubric: score.rubric, score: score.score,
                scoreText: score.rubric == "pass_fail" ? (score.score == 1 ? "pass" : "fail") : "\(score.score) / 5",
                reasoning: score.reasoning, model: score.model, promptVersion: score.promptVersion)
        },
        review: review.map { review in
            .init(
                verdict: review.verdict.rawValue, rating: review.rating, reviewedBy: review.reviewerName,
                reviewedAt: Formatting.iso8601(milliseconds: review.reviewedAt),
                reviewedAtText: Formatting.timestamp(milliseconds: review.reviewedAt), isAccepted: review.verdict == .accepted)
        },
        edits: edits.reversed().map { edit in
            .init(
                seq: edit.seq, editedBy: edit.editorName, editedAt: Formatting.iso8601(milliseconds: edit.editedAt),
                editedAtText: Formatting.timestamp(milliseconds: edit.editedAt),
                previousMessages: conversation(edit.previousBody), messages: conversation(edit.body))
        },
        previousURL: navigation.previousURL, nextURL: navigation.nextURL, filterSummary: navigation.filterSummary,
        chrome: nil,
        systemPrompt: current.first { $0.isSystem }?.content,
        turns: current.filter { !$0.isSystem },
        hasMetadata: !metadata.isEmpty, hasFlags: !flags.isEmpty, hasScores: !scores.isEmpty, hasEdits: !edits.isEmpty,
        reviewAction: base + "/review" + navigation.query, editAction: base + "/edit" + navigation.query,
        explorerURL: "/datasets/\(record.id)/rows" + navigation.query,
        ratingOptions: RowReviewSubmission.ratingRange.map { .init(value: $0, selected: $0 == review?.rating) },
        formMessages: current)
}

/// A stored row's messages, in order, each with its position for the edit form.
private func conversation(_ body: String) -> [RowPageView.Message] {
    PreviewDecoding.previewRow(line: 0, json: body).messages.enumerated().map { RowPageView.Message($0.element, index: $0.offset) }
}

/// Reviews are of chat rows: a seeds dataset is refused with the reason.
func requireChatRows(_ record: DatasetRecord) throws {
    guard record.mode == .chat else {
        throw AppError.conflict(
            "Dataset \(record.id) holds seeds (prompts without answers); review the rows of a chat dataset, such as its synthesized child.")
    }
}
