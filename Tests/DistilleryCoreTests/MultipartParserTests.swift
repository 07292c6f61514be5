import DistilleryCore
import Testing

struct MultipartParserTests {
    static let body = Array(
        ("preamble to ignore\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nmy set\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
            + "{\"input\":\"a\"}\r\n{\"input\":\"--XyZ is not a boundary without CRLF\"}\n\r\n--XyZ--\r\nepilogue").utf8)

    /// Parses `body` fed in chunks of `chunkSize`, collecting each part's name and bytes.
    static func parse(_ body: [UInt8], chunkSize: Int) throws -> [(String?, String?, [UInt8])] {
        var parser = MultipartParser(boundary: "XyZ")
        var parts: [(String?, String?, [UInt8])] = []
        var index = 0
        while index < body.count {
            let end = min(body.count, index + chunkSize)
            try parser.feed(body[index..<end]) { event in
                switch event {
                case .partBegin(let headers): parts.append((headers.name, headers.filename, []))
                case .partData(let bytes): parts[parts.count - 1].2.append(contentsOf: bytes)
                case .partEnd: break
                }
            }
            index = end
        }
        try parser.finish()
        return parts
    }

    @Test(arguments: [1, 2, 3, 5, 7, 16, 64, 10_000])
    func splitsPartsAtAnyChunkSize(chunkSize: Int) throws {
        let parts = try Self.parse(Self.body, chunkSize: chunkSize)
        #expect(parts.count == 2)
        #expect(parts[0].0 == "name")
        #expect(String(decoding: parts[0].2, as: UTF8.self) == "my set")
        #expect(parts[1].0 == "file")
        #expect(parts[1].1 == "a.jsonl")
        #expect(String(decoding: parts[1].2, as: UTF8.self) == "{\"input\":\"a\"}\r\n{\"input\":\"--XyZ is not a boundary without CRLF\"}\n")
    }

    @Test func missingClosingBoundaryIsAnError() throws {
        let truncated = Array(Self.body.prefix(120))
        #expect(throws: MultipartParser.ParseError.missingClosingBoundary) { try Self.parse(truncated, chunkSize: 50) }
    }

    @Test func oversizedHeadersAreRejected() throws {
        let body = Array(("--XyZ\r\nX-Long: " + String(repeating: "a", count: MultipartParser.maxHeaderBytes + 10)).utf8)
        #expect(throws: MultipartParser.ParseError.headersTooLarge(limit: MultipartParser.maxHeaderBytes)) {
            try Self.parse(body, chunkSize: 4096)
        }
    }

    @Test(arguments: [
        ("multipart/form-data; boundary=abc", "abc"),
        ("multipart/form-data; boundary=\"a b\"", "a b"),
        ("Multipart/Form-Data;charset=utf-8;  BOUNDARY=z", "z"),
    ])
    func readsTheBoundaryParameter(contentType: String, expected: String) {
        #expect(MultipartParser.boundary(fromContentType: contentType) == expected)
    }

    @Test func otherContentTypesHaveNoBoundary() {
        #expect(MultipartParser.boundary(fromContentType: "application/jsonl") == nil)
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data") == nil)
    }
}
