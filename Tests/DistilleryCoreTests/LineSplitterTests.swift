import Testing
@testable import DistilleryCore

/// Splits `bytes` fed in chunks of `chunkSize` and returns each event as text.
private func split(_ bytes: [UInt8], chunkSize: Int, maxLineBytes: Int = 1 << 20) -> [String] {
    var splitter = JSONLLineSplitter(maxLineBytes: maxLineBytes)
    var events: [String] = []
    func record(_ event: JSONLLineSplitter.Event) {
        switch event {
        case let .line(line, number): events.append("\(number):\(String(decoding: line, as: UTF8.self))")
        case let .overlong(number, count): events.append("\(number):overlong(\(count))")
        }
    }
    bytes.withUnsafeBytes { all in
        var start = 0
        while start < all.count {
            let chunk = UnsafeRawBufferPointer(rebasing: all[start..<min(all.count, start + chunkSize)])
            var cursor = 0
            while let event = splitter.next(in: chunk, cursor: &cursor) { record(event) }
            start += chunkSize
        }
    }
    if let event = splitter.finish() { record(event) }
    return events
}

@Test func splitterYieldsTheSameLinesForEveryChunkSize() {
    let text = "first line\n\nthird, a bit longer than eight bytes\r\nlast without newline"
    let expected = ["1:first line", "2:", "3:third, a bit longer than eight bytes\r", "4:last without newline"]
    for size in 1...text.utf8.count {
        #expect(split(Array(text.utf8), chunkSize: size) == expected, "chunk size \(size)")
    }
}

@Test func splitterTreatsAFinalNewlineAsTheEndOfTheLastLine() {
    #expect(split(Array("a\nb\n".utf8), chunkSize: 3) == ["1:a", "2:b"])
    #expect(split(Array("a\n\n".utf8), chunkSize: 64) == ["1:a", "2:"])
    #expect(split([], chunkSize: 8).isEmpty)
}

@Test func overlongLineIsReportedOnceWithItsLengthAndSkipped() {
    let long = String(repeating: "x", count: 250)
    let text = "ok\n\(long)\nafter\n"
    for size in [1, 7, 64, 1000] {
        #expect(split(Array(text.utf8), chunkSize: size, maxLineBytes: 100) == ["1:ok", "2:overlong(250)", "3:after"], "chunk size \(size)")
    }
    // A line of exactly the limit is fine.
    #expect(split(Array((String(repeating: "y", count: 100) + "\n").utf8), chunkSize: 7, maxLineBytes: 100).first?.hasSuffix("yyy") == true)
    // Overlong last line without a newline.
    #expect(split(Array(("a\n" + long).utf8), chunkSize: 16, maxLineBytes: 100) == ["1:a", "2:overlong(250)"])
}

@Test func overlongLineDoesNotGrowTheCarryBuffer() {
    var splitter = JSONLLineSplitter(maxLineBytes: 1000)
    let chunk = [UInt8](repeating: 0x61, count: 4096)
    chunk.withUnsafeBytes { bytes in
        for _ in 0..<256 {  // 1 MiB of one line, in 4 KiB chunks
            var cursor = 0
            #expect(splitter.next(in: bytes, cursor: &cursor) == nil)
        }
    }
    #expect(splitter.bufferedByteCount == 0)
    guard case let .overlong(number, count)? = splitter.finish() else {
        Issue.record("expected an overlong event")
        return
    }
    #expect(number == 1)
    #expect(count == 1 << 20)
}

@Test func validatorStripsBOMAndCRAndSkipsBlankLinesAtAnyChunkSize() {
    var text: [UInt8] = [0xEF, 0xBB, 0xBF]
    text += Array((Chat.valid(1) + "\r\n\r\n   \t\n" + Chat.valid(2) + "\r\n" + Chat.valid(3)).utf8)
    for size in [1, 2, 3, 5, 17, 4096] {
        var validator = StreamingValidator(options: ValidationOptions(mode: .chat, collectRows: true))
        var sink = CollectingSink()
        text.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                validator.consume(chunk: UnsafeRawBufferPointer(rebasing: all[start..<min(all.count, start + size)]), sink: &sink)
                start += size
            }
        }
        let summary = validator.finish(sink: &sink)
        #expect(sink.errors.isEmpty, "chunk size \(size): \(sink.errors)")
        #expect(summary.examples == 3)
        #expect(summary.lines == 5)
        #expect(summary.blankLines == 2)
        #expect(sink.rows.map(\.line) == [1, 4, 5])
        let codes = summary.warnings.map(\.code)
        #expect(codes.contains("byte_order_mark"))
        #expect(summary.warnings.first { $0.code == "crlf_line_endings" }?.lines == [1, 2, 4])
        #expect(summary.warnings.first { $0.code == "blank_lines" }?.lines == [2, 3])
    }
}

@Test func bomOnlyCountsOnTheFirstLine() {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    let outcome = run(Array((Chat.valid(1) + "\n").utf8) + bom + Array(Chat.valid(2).utf8))
    #expect(outcome.errors.map(\.code) == ["invalid_json"])
    #expect(outcome.errors.first?.line == 2)
}

@Test func overlongLineBecomesOneErrorNamingTheLimit() {
    var options = ValidationOptions(mode: .chat)
    options.maxLineBytes = 1000
    let long = Chat.line(Chat.message("system", String(repeating: "s", count: 2000)))
    let outcome = run(Chat.file([Chat.valid(1), long, Chat.valid(3)]), options: options)
    #expect(outcome.errors == [LineError(line: 2, field: "", code: "line_too_long",
                                         message: "line is \(long.utf8.count) bytes; the limit is 1000 bytes")])
    #expect(outcome.summary.examples == 2)
    #expect(outcome.summary.lines == 3)
    // The default limit is named in MiB.
    #expect(StreamingValidator.describeSize(16 << 20) == "16 MiB")
}
