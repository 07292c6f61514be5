/// A row that passed every rule, in its normalized form.
public struct AcceptedRow: Sendable, Equatable {
    public let line: Int
    /// Chat: `{"messages":[{"role":…,"content":…},…]}` with only role/content, a legacy `completion`
    /// appended as the final assistant message and unknown keys dropped. Seeds: `{"input":…}`.
    /// String tokens are copied from the validated source bytes, never re-escaped.
    public let normalizedJSON: [UInt8]
    public let estimatedTokens: Int

    public init(line: Int, normalizedJSON: [UInt8], estimatedTokens: Int) {
        self.line = line
        self.normalizedJSON = normalizedJSON
        self.estimatedTokens = estimatedTokens
    }
}

/// Receives the validator's per-line results as they happen: every line error (not only the ones the
/// summary keeps) and, when `ValidationOptions.collectRows` is true, every accepted row.
/// The validator takes the sink `inout`, so a struct sink costs no allocation or indirection.
public protocol ValidationSink {
    mutating func accept(_ row: AcceptedRow)
    mutating func reject(_ error: LineError)
    /// True once the sink wants no more lines (its writer failed, or the job is stopping): a reader
    /// of a file stops there instead of scanning the rest for nothing.
    var isStopped: Bool { get }
}

extension ValidationSink {
    public var isStopped: Bool { false }
}

/// Ignores everything; for when only the summary matters.
public struct DiscardingSink: ValidationSink {
    public init() {}
    public mutating func accept(_ row: AcceptedRow) {}
    public mutating func reject(_ error: LineError) {}
}

/// Keeps everything in memory; for tests and small files.
public struct CollectingSink: ValidationSink {
    public var rows: [AcceptedRow] = []
    public var errors: [LineError] = []
    public init() {}
    public mutating func accept(_ row: AcceptedRow) { rows.append(row) }
    public mutating func reject(_ error: LineError) { errors.append(error) }
}

/// Forwards to closures, for callers that stream rows somewhere (a database insert, a file).
public struct ClosureSink: ValidationSink {
    private let onAccept: (AcceptedRow) -> Void
    private let onReject: (LineError) -> Void

    public init(accept: @escaping (AcceptedRow) -> Void, reject: @escaping (LineError) -> Void) {
        onAccept = accept
        onReject = reject
    }

    public mutating func accept(_ row: AcceptedRow) { onAccept(row) }
    public mutating func reject(_ error: LineError) { onReject(error) }
}
