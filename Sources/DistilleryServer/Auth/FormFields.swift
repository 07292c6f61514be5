import DistilleryCore
import Foundation

/// Reading small HTML form submissions (`application/x-www-form-urlencoded`), and finding the
/// CSRF token wherever a client may put it.
enum FormFields {
    static let maxFormBytes = 1 << 20
    static let csrfField = "_csrf"
    static let csrfHeader = "X-CSRF-Token"

    /// The fields of a URL-encoded body (first value of each name). Other content types give none.
    static func urlencoded(_ request: HTTPRequest) throws -> [String: String] {
        let type = (request.headers["Content-Type"] ?? "").lowercased()
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        let bytes: [UInt8]
        switch request.body {
        case .empty: bytes = []
        case .bytes(let body): bytes = body
        case .file(let path, let size):
            guard size <= maxFormBytes else { throw AppError.tooLarge("A form submission may be at most 1 MiB.") }
            bytes = Array((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
        }
        var fields: [String: String] = [:]
        for pair in FormDecoding.decode(bytes) where fields[pair.name] == nil {
            fields[pair.name] = pair.value
        }
        return fields
    }

    /// The fields of a URL-encoded form or of a flat JSON object (strings, numbers and booleans as text),
    /// so each JSON twin of a form accepts either.
    static func fields(_ request: HTTPRequest) throws -> [String: String] {
        let type = (request.headers["Content-Type"] ?? "").lowercased()
        guard type.hasPrefix("application/json") else { return try urlencoded(request) }
        let data: Data
        switch request.body {
        case .empty: return [:]
        case .bytes(let body): data = Data(body)
        case .file(let path, let size):
            guard size <= maxFormBytes else { throw AppError.tooLarge("A JSON request body may be at most 1 MiB here.") }
            data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AppError.badRequest("The request body must be a JSON object.")
        }
        var fields: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String: fields[key] = text
            case let number as NSNumber: fields[key] = number.stringValue
            default: throw AppError.badRequest("Field \"\(key)\" must be a string.")
            }
        }
        return fields
    }

    /// From the `X-CSRF-Token` header, a URL-encoded `_csrf` field, or a multipart `_csrf` part
    /// (our forms put it first, so the scan stops long before any file data).
    static func csrfToken(_ request: HTTPRequest) -> String? {
        if let header = request.headers[csrfHeader] { return header }
        if let field = try? urlencoded(request)[csrfField] { return field }
        guard let boundary = MultipartParser.boundary(fromContentType: request.headers["Content-Type"] ?? "") else { return nil }
        return multipartField(csrfField, in: request.body, boundary: boundary)
    }

    private struct Found: Error {
        let value: String
    }

    private static func multipartField(_ name: String, in body: RequestBody, boundary: String) -> String? {
        var parser = MultipartParser(boundary: boundary)
        var inField = false
        var value: [UInt8] = []
        let handle: (MultipartParser.Event) throws -> Void = { event in
            switch event {
            case .partBegin(let headers):
                inField = headers.name == name && headers.filename == nil
                value = []
            case .partData(let bytes):
                if inField && value.count < 1024 { value.append(contentsOf: bytes.prefix(1024)) }
            case .partEnd:
                if inField { throw Found(value: String(decoding: value, as: UTF8.self)) }
            }
        }
        do {
            switch body {
            case .empty: return nil
            case .bytes(let bytes): try parser.feed(bytes, emit: handle)
            case .file(let path, _):
                guard let file = fopen(path, "rb") else { return nil }
                defer { fclose(file) }
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
                    if count == 0 { break }
                    try parser.feed(buffer[0..<count], emit: handle)
                }
            }
        } catch let found as Found {
            return found.value
        } catch {
            return nil
        }
        return nil
    }
}
