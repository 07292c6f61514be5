import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "file-validation-\(UUID().uuidString).jsonl"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

private func chatLine(_ index: Int) -> String {
    #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"question \#(index) é"},{"role":"assistant","content":"A"}]}"#
}

@Test func fileValidationMatchesInMemoryValidationForAnyBufferSize() throws {
    var text = (1...150).map(chatLine).joined(separator: "\r\n") + "\n\n{\"messages\":[],}\n" + chatLine(999)  // no final newline
    text = "\u{FEFF}" + text
    let bytes = Array(text.utf8)
    let path = try temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }

    let options = ValidationOptions(mode: .chat, collectRows: true)
    var memorySink = CollectingSink()
    let expected = StreamingValidator.validate(bytes, options: options, sink: &memorySink)
    #expect(expected.examples == 151)
    #expect(expected.errorCount == 1)

    for bufferBytes in [1, 2, 7, 64, 4096, 1 << 20] {
        var sink = CollectingSink()
        let summary = try validateJSONLFile(atPath: path, options: options, sink: &sink, bufferBytes: bufferBytes)
        #expect(summary == expected, "buffer \(bufferBytes)")
        #expect(sink.rows == memorySink.rows, "buffer \(bufferBytes)")
        #expect(sink.errors == memorySink.errors, "buffer \(bufferBytes)")
    }
}

@Test func overlongLineInAFileIsSkippedAndReported() throws {
    let long = String(repeating: "x", count: 5000)
    let path = try temporaryFile(Array((chatLine(1) + "\n" + long + "\n" + chatLine(2) + "\n").utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var options = ValidationOptions(mode: .chat)
    options.maxLineBytes = 1024
    var sink = CollectingSink()
    let summary = try validateJSONLFile(atPath: path, options: options, sink: &sink, bufferBytes: 100)
    #expect(sink.errors == [LineError(line: 2, field: "", code: "line_too_long", message: "line is 5000 bytes; the limit is 1024 bytes (1 KiB)")])
    #expect(summary.examples == 2)
    #expect(summary.lines == 3)
}

@Test func missingFileThrowsAClearError() {
    #expect {
        _ = try validateJSONLFile(atPath: "/nonexistent/dir/data.jsonl", options: ValidationOptions(mode: .chat))
    } throws: { error in
        guard let error = error as? FileValidationError, case .cannotOpen = error else { return false }
        return error.description.contains("/nonexistent/dir/data.jsonl") && error.description.contains("No such file")
    }
}

@Test func directoryIsAReadError() {
    #expect(throws: FileValidationError.self) {
        _ = try validateJSONLFile(atPath: NSTemporaryDirectory(), options: ValidationOptions(mode: .seeds))
    }
}

/// A sink that gives up after `limit` rows, as the job's sink does when the server is stopping.
private struct StoppingSink: ValidationSink {
    let limit: Int
    var rows = 0
    mutating func accept(_ row: AcceptedRow) { rows += 1 }
    mutating func reject(_ error: LineError) {}
    var isStopped: Bool { rows >= limit }
}

@Test func readingStopsOnceTheSinkIsStopped() throws {
    let path = try temporaryFile(Array(((1...1000).map(chatLine).joined(separator: "\n") + "\n").utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var sink = StoppingSink(limit: 10)
    // 1,000 lines in 64-byte reads: the file is left after the read that delivered the tenth row.
    let summary = try validateJSONLFile(atPath: path, options: ValidationOptions(mode: .chat, collectRows: true), sink: &sink, bufferBytes: 64)
    #expect(sink.rows == 10)
    #expect(summary.lines < 20)
}
