/// Where a person's review of a row stands, as the explorer's `?review=` filters it: the latest verdict in
/// `row_reviews` (`accepted`, `rejected`), an edit in `row_edits` (`edited`, whatever the verdict), or neither.
public enum RowReviewState: String, CaseIterable, Sendable {
    case accepted, rejected, edited, unreviewed

    /// The explorer's review menu.
    public var label: String {
        switch self {
        case .accepted: "Accepted"
        case .rejected: "Rejected"
        case .edited: "Edited"
        case .unreviewed: "Not reviewed"
        }
    }
}
