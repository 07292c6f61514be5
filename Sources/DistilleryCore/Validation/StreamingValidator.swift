/// Validates a JSONL dataset one line at a time in bounded memory (see README "Validation rules").
///
/// Feed it either raw chunks (`consume(chunk:sink:)`, which splits lines itself) or already-split
/// physical lines (`consume(line:lineNumber:sink:)`), then call `finish(sink:)`. Per-line results go
/// to the sink as they are found; the summary aggregates them. Pure: no I/O.
public struct StreamingValidator {
    public let options: ValidationOptions
    var scanner: StrictJSONScanner
    private var splitter: JSONLLineSplitter

    // Per-line state, reused to avoid allocation.
    var lineErrors: [LineError] = []
    var normalized: [UInt8] = []

    // File-wide counts.
    var physicalLines = 0
    var examples = 0
    var invalidLines = 0
    var blankLines = 0
    var messageCount = 0
    var estimatedTokens = 0
    var maxExampleTokens = 0
    var lengthStatistics = RunningStatistics()
    var histogram = TokenHistogram()
    var keptErrors: [LineError] = []
    var errorCount = 0
    /// Hash of a row's user content -> first line it appeared on.
    var firstLineByUserHash = FirstLineIndex()

    var byteOrderMark = WarningTally()
    var crlfLines = WarningTally()
    var blankLineTally = WarningTally()
    var unknownKeys = WarningTally()
    var whitespaceContent = WarningTally()
    var nonAlternatingRoles = WarningTally()
    var duplicates = WarningTally()

    public init(options: ValidationOptions) {
        self.options = options
        scanner = StrictJSONScanner(maxDepth: options.maxNestingDepth)
        splitter = JSONLLineSplitter(maxLineBytes: options.maxLineBytes)
        normalized.reserveCapacity(4096)
    }

    /// Feeds the next chunk of the file; lines may straddle chunks.
    public mutating func consume<Sink: ValidationSink>(chunk: UnsafeRawBufferPointer, sink: inout Sink) {
        var cursor = 0
        while let event = splitter.next(in: chunk, cursor: &cursor) {
            handle(event, sink: &sink)
        }
    }

    /// Convenience for in-memory input (tests, small uploads).
    public mutating func consume<Sink: ValidationSink>(bytes: some Sequence<UInt8>, sink: inout Sink) {
        let array = Array(bytes)
        array.withUnsafeBytes { consume(chunk: $0, sink: &sink) }
    }

    /// Validates one physical line (without its `\n`). A trailing `\r` is stripped, a byte-order mark is
    /// stripped from line 1, and a line of only spaces/tabs counts as blank. Lines must arrive in order.
    public mutating func consume<Sink: ValidationSink>(line: UnsafeRawBufferPointer, lineNumber: Int, sink: inout Sink) {
        physicalLines = max(physicalLines, lineNumber)
        var bytes = line
        if lineNumber == 1, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
            byteOrderMark.note(line: 1, keep: options.keptWarningLines)
        }
        if let last = bytes.last, last == 0x0D {
            bytes = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 1)])
            crlfLines.note(line: lineNumber, keep: options.keptWarningLines)
        }
        if Self.isBlank(bytes) {
            blankLines += 1
            blankLineTally.note(line: lineNumber, keep: options.keptWarningLines)
            return
        }
        lineErrors.removeAll(keepingCapacity: true)
        switch options.mode {
        case .chat: validateChatLine(bytes, lineNumber: lineNumber, sink: &sink)
        case .seeds: validateSeedLine(bytes, lineNumber: lineNumber, sink: &sink)
        }
    }

    /// Ends the input (flushing a last line without `\n`) and returns the summary.
    public mutating func finish<Sink: ValidationSink>(sink: inout Sink) -> ValidationSummary {
        if let event = splitter.finish() { handle(event, sink: &sink) }
        return makeSummary()
    }

    /// Ends the input when lines were fed with `consume(line:…)` only (or nothing needs the sink).
    public mutating func finish() -> ValidationSummary {
        var sink = DiscardingSink()
        return finish(sink: &sink)
    }

    /// Validates a whole in-memory file.
    public static func validate<Sink: ValidationSink>(_ bytes: some Sequence<UInt8>, options: ValidationOptions, sink: inout Sink) -> ValidationSummary {
        var validator = StreamingValidator(options: options)
        validator.consume(bytes: bytes, sink: &sink)
        return validator.finish(sink: &sink)
    }

    private mutating func handle<Sink: ValidationSink>(_ event: JSONLLineSplitter.Event, sink: inout Sink) {
        switch event {
        case let .line(bytes, number):
            consume(line: bytes, lineNumber: number, sink: &sink)
        case let .overlong(number, byteCount):
            physicalLines = max(physicalLines, number)
            lineErrors.removeAll(keepingCapacity: true)
            lineErrors.append(LineError(
                line: number, field: "", code: "line_too_long",
                message: "line is \(byteCount) bytes; the limit is \(Self.describeLimit(options.maxLineBytes))"))
            rejectLine(sink: &sink)
        }
    }

    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte != 0x20 && byte != 0x09 { return false }
        return true
    }

    /// "16777216 bytes (16 MiB)", or "1000 bytes" when there is no shorter name.
    static func describeLimit(_ bytes: Int) -> String {
        let short = describeSize(bytes)
        return short == "\(bytes) bytes" ? short : "\(bytes) bytes (\(short))"
    }

    static func describeSize(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    // MARK: Shared by the chat and seeds rules

    mutating func addError(line: Int, field: String, code: String, _ message: String) {
        if lineErrors.count < options.maxErrorsPerLine {
            lineErrors.append(LineError(line: line, field: field, code: code, message: message))
        }
    }

    mutating func reportSyntax(_ failure: ScanFailure, line: Int) {
        lineErrors.removeAll(keepingCapacity: true)
        lineErrors.append(LineError(line: line, field: "", code: failure.code, message: failure.message))
    }

    /// Sends the line's errors to the sink and counts them.
    mutating func rejectLine<Sink: ValidationSink>(sink: inout Sink) {
        invalidLines += 1
        for error in lineErrors {
            errorCount += 1
            if keptErrors.count < options.keptErrorCount { keptErrors.append(error) }
            sink.reject(error)
        }
    }

    /// Counts an accepted row and hands it to the sink if rows are collected.
    mutating func acceptRow<Sink: ValidationSink>(line: Int, tokens: Int, messages: Int, sink: inout Sink) {
        examples += 1
        messageCount += messages
        estimatedTokens += tokens
        maxExampleTokens = max(maxExampleTokens, tokens)
        lengthStatistics.add(Double(tokens))
        histogram.add(tokens)
        if options.collectRows {
            sink.accept(AcceptedRow(line: line, normalizedJSON: normalized, estimatedTokens: tokens))
        }
    }

    /// Records the row's user-content hash; warns when an earlier row had the same.
    mutating func noteUserContent(hash: UInt64, line: Int) {
        if let first = firstLineByUserHash.firstLine(for: hash, recording: line) {
            duplicates.note(line: line, keep: options.keptWarningLines, related: first)
        }
    }

    mutating func appendNormalized(_ literal: StaticString) {
        normalized.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func appendNormalized(_ bytes: UnsafeBufferPointer<UInt8>) {
        normalized.append(contentsOf: bytes)
    }
}
