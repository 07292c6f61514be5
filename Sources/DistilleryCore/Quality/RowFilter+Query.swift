extension RowFilter {
    /// "?flag=none&min_score=4", or "" without a filter: what a link carries to keep the explorer's filter (the row
    /// page's j / k and forms, the curate page).
    public var queryString: String {
        isEmpty ? "" : "?" + parameters.map { "\($0.name)=\(FormDecoding.percentEncode($0.value))" }.joined(separator: "&")
    }
}
