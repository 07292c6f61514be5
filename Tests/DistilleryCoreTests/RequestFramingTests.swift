import DistilleryCore
import Testing

struct RequestFramingTests {
    @Test(arguments: [
        ([], RequestFraming.noBody),
        ([("Content-Length", "0")], .noBody),
        ([("Content-Length", "42")], .length(42)),
        ([("content-length", " 42 ")], .length(42)),
        ([("Content-Length", "42"), ("Content-Length", "42")], .length(42)),
        ([("Content-Length", "42, 42")], .length(42)),
        ([("Transfer-Encoding", "chunked")], .chunked),
        ([("transfer-encoding", "Chunked")], .chunked),
    ] as [([(String, String)], RequestFraming)])
    func readsUnambiguousFraming(headers: [(String, String)], expected: RequestFraming) throws {
        #expect(try RequestFraming.of(HTTPHeaders(headers)).get() == expected)
    }

    @Test(arguments: [
        ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
         "a request may not carry both Content-Length and Transfer-Encoding"),
        ([("Transfer-Encoding", "chunked"), ("Content-Length", "0")],
         "a request may not carry both Content-Length and Transfer-Encoding"),
        ([("Content-Length", "5"), ("Content-Length", "100")],
         "the request carries different Content-Length values (5, 100)"),
        ([("Content-Length", "5, 6")],
         "the request carries different Content-Length values (5, 6)"),
        ([("Content-Length", "-1")], "Content-Length \"-1\" is not a number of bytes"),
        ([("Content-Length", "0x10")], "Content-Length \"0x10\" is not a number of bytes"),
        ([("Transfer-Encoding", "gzip")], "Transfer-Encoding \"gzip\" is not supported; use chunked alone"),
        ([("Transfer-Encoding", "gzip, chunked")], "Transfer-Encoding \"gzip, chunked\" is not supported; use chunked alone"),
        ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")],
         "Transfer-Encoding \"chunked, chunked\" is not supported; use chunked alone"),
    ] as [([(String, String)], String)])
    func refusesAmbiguousOrUnreadableFraming(headers: [(String, String)], message: String) {
        #expect(RequestFraming.of(HTTPHeaders(headers)) == .failure(RequestFramingError(message)))
    }
}
