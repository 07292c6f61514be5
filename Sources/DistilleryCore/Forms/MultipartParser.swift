/// Incremental `multipart/form-data` parser: fed arbitrary chunks, it emits part headers, body
/// bytes and part ends, holding at most one chunk plus the delimiter length in memory, so a 50 MB
/// upload can be split into its fields while it is read from the spool file.
public struct MultipartParser {
    public enum Event {
        case partBegin(MultipartPartHeaders)
        case partData(ArraySlice<UInt8>)
        case partEnd
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case headersTooLarge(limit: Int)
        case malformedHeader(String)
        case missingClosingBoundary

        public var description: String {
            switch self {
            case .headersTooLarge(let limit): return "a multipart part's headers exceed \(limit) bytes"
            case .malformedHeader(let line): return "malformed multipart header line: \(line.prefix(80))"
            case .missingClosingBoundary: return "the multipart body ended before its closing boundary"
            }
        }
    }

    enum State {
        case preamble
        case afterDelimiter
        case headers
        case body
        case epilogue
    }

    /// "\r\n--boundary": the stream is treated as if it began with CRLF so the first delimiter
    /// needs no special case.
    private let delimiter: [UInt8]
    private var pending: [UInt8] = [13, 10]
    private var state = State.preamble
    public static let maxHeaderBytes = 16 * 1024

    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// The boundary parameter of a `multipart/form-data` content type, or nil.
    public static func boundary(fromContentType contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingSpaces() }
        guard let first = parts.first, first.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].unquoted()
                return value.isEmpty || value.utf8.count > 200 ? nil : value
            }
        }
        return nil
    }

    public var isComplete: Bool { state == .epilogue }

    public mutating func feed(_ chunk: some Sequence<UInt8>, emit: (Event) throws -> Void) throws {
        pending.append(contentsOf: chunk)
        try process(emit: emit)
    }

    /// Call after the last chunk: a body without its closing boundary is an error.
    public func finish() throws {
        guard state == .epilogue else { throw ParseError.missingClosingBoundary }
    }

    private mutating func process(emit: (Event) throws -> Void) throws {
        var start = 0
        defer { if start > 0 { pending.removeFirst(start) } }
        while start < pending.count {
            switch state {
            case .preamble, .body:
                if let found = find(delimiter, in: pending, from: start) {
                    if state == .body {
                        if found > start { try emit(.partData(pending[start..<found])) }
                        try emit(.partEnd)
                    }
                    start = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep a tail that could be the start of a delimiter split across chunks.
                    let safeEnd = max(start, pending.count - (delimiter.count - 1))
                    if state == .body && safeEnd > start { try emit(.partData(pending[start..<safeEnd])) }
                    start = safeEnd
                    return
                }
            case .afterDelimiter:
                guard pending.count - start >= 2 else { return }
                if pending[start] == 45 && pending[start + 1] == 45 {  // "--": closing boundary
                    state = .epilogue
                    start = pending.count
                } else {
                    // Transport padding may follow the boundary before its CRLF.
                    guard let lineEnd = find([13, 10], in: pending, from: start) else {
                        if pending.count - start > 256 { throw ParseError.malformedHeader("boundary line") }
                        return
                    }
                    start = lineEnd + 2
                    state = .headers
                }
            case .headers:
                guard let end = find([13, 10, 13, 10], in: pending, from: start) else {
                    if pending.count - start > Self.maxHeaderBytes {
                        throw ParseError.headersTooLarge(limit: Self.maxHeaderBytes)
                    }
                    return
                }
                let headers = try MultipartPartHeaders(parsing: pending[start..<end])
                try emit(.partBegin(headers))
                start = end + 4
                state = .body
            case .epilogue:
                start = pending.count
            }
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}

public struct MultipartPartHeaders: Sendable, Equatable {
    /// Header names lower-cased.
    public let fields: [String: String]
    public let name: String?
    public let filename: String?

    init(parsing bytes: ArraySlice<UInt8>) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw MultipartParser.ParseError.malformedHeader(String(line))
            }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces()
        }
        self.fields = fields
        var name: String?
        var filename: String?
        for parameter in (fields["content-disposition"] ?? "").split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "name": name = pair[1].unquoted()
            case "filename": filename = pair[1].unquoted()
            default: break
            }
        }
        self.name = name
        self.filename = filename
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    func unquoted() -> String {
        let text = String(self)
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        return String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard let first = target.first else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index] == first, self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
