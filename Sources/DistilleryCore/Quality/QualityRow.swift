/// What the data checks read of one stored chat row: its last user turn, its assistant turns, the finish reason its
/// metadata records (`{"finish_reason":"length"}` from synthesis or an uploaded file), its split and its category
/// (`RowCategory`).
public struct QualityRow: Sendable, Equatable {
    public let line: Int
    public let lastUserTurn: String
    public let answers: [String]
    public let finishReason: String?
    public let split: DatasetSplit?
    public let category: String?

    public init(
        line: Int, lastUserTurn: String, answers: [String], finishReason: String? = nil, split: DatasetSplit? = nil, category: String? = nil
    ) {
        self.line = line
        self.lastUserTurn = lastUserTurn
        self.answers = answers
        self.finishReason = finishReason
        self.split = split
        self.category = category
    }

    /// Reads a normalized row body (`dataset_rows.body`) and its metadata JSON; nil when the body is not one.
    public init?(line: Int, body: [UInt8], metadata: String?, split: DatasetSplit? = nil) {
        guard let messages = try? NormalizedChatRow.messages(body) else { return nil }
        func text(_ message: ExportMessage) -> String { String(decoding: message.decodedContent, as: UTF8.self) }
        let finishReason = metadata.flatMap { try? SynthesisJSON.parse(Array($0.utf8)) }?["finish_reason"]?.stringValue
        self.init(
            line: line, lastUserTurn: messages.last { $0.role == .user }.map(text) ?? "",
            answers: messages.filter { $0.role == .assistant }.map(text), finishReason: finishReason, split: split,
            category: RowCategory.of(metadata: metadata))
    }

    /// The last assistant turn: the answer the row teaches.
    public var answer: String { answers.last ?? "" }
}
