/// Builds a `multipart/form-data` body (RFC 7578) from text fields and file parts, as a browser's
/// form upload would send it. Send `encoded()` with the `contentType` header.
public struct MultipartFormData: Sendable {
    private enum Part: Sendable {
        case field(name: String, value: String)
        case file(name: String, filename: String, contentType: String, contents: [UInt8])
    }

    public let boundary: String
    private var parts: [Part] = []

    public init(boundary: String = "distillery-boundary-" + String(UInt64.random(in: .min ... .max), radix: 16)) {
        self.boundary = boundary
    }

    /// The `Content-Type` header value, carrying the boundary.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func addField(name: String, value: String) {
        parts.append(.field(name: name, value: value))
    }

    public mutating func addFile(name: String, filename: String, contentType: String = "application/octet-stream", contents: [UInt8]) {
        parts.append(.file(name: name, filename: filename, contentType: contentType, contents: contents))
    }

    public func encoded() -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\n".utf8)
            switch part {
            case .field(let name, let value):
                body += Array("Content-Disposition: form-data; name=\"\(Self.escape(name))\"\r\n\r\n".utf8)
                body += Array(value.utf8)
            case .file(let name, let filename, let contentType, let contents):
                body += Array(
                    ("Content-Disposition: form-data; name=\"\(Self.escape(name))\"; filename=\"\(Self.escape(filename))\"\r\n"
                        + "Content-Type: \(contentType)\r\n\r\n").utf8)
                body += contents
            }
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }

    /// Quotes, CR and LF cannot appear inside the quoted names; browsers percent-encode them.
    private static func escape(_ text: String) -> String {
        text.replacingAll("\"", with: "%22").replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A")
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
