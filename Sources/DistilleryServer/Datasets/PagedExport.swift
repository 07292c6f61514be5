import DistilleryCore
import Foundation

/// A streamed download that pulls one page of records at a time from SQLite (keyset paging, a
/// fresh read per page), so exporting 50 MB holds one page in memory and no long transaction.
final class PagedExport: ResponseChunkSource, @unchecked Sendable {
    /// Returns the next page's bytes and the key to continue after, or nil when done.
    typealias FetchPage = @Sendable (_ after: Int64) throws -> (bytes: [UInt8], lastKey: Int64)?

    private let lock = NSLock()
    private var header: [UInt8]?
    private var footer: [UInt8]?
    private var cursor: Int64 = -1
    private var finished = false
    private let fetchPage: FetchPage
    private let onError: @Sendable (Error) -> Void

    init(header: [UInt8]? = nil, footer: [UInt8]? = nil, fetchPage: @escaping FetchPage, onError: @escaping @Sendable (Error) -> Void) {
        self.header = header
        self.footer = footer
        self.fetchPage = fetchPage
        self.onError = onError
    }

    func nextChunk() -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        if let header {
            self.header = nil
            return header
        }
        guard !finished else { return nil }
        do {
            guard let page = try fetchPage(cursor) else {
                finished = true
                defer { footer = nil }
                return footer
            }
            cursor = page.lastKey
            return page.bytes
        } catch {
            // Headers are already sent; all we can do is end the body early and log why.
            finished = true
            onError(error)
            return nil
        }
    }

    func close() {
        lock.lock()
        finished = true
        lock.unlock()
    }

    static func response(contentType: String, filename: String, source: PagedExport) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Content-Type", contentType)
        headers.set("Content-Disposition", "attachment; filename=\"\(filename)\"")
        headers.set("Cache-Control", "no-store")
        return HTTPResponse(status: 200, headers: headers, body: .stream(source))
    }

    /// A dataset name made safe for a Content-Disposition filename.
    static func filename(for record: DatasetRecord, suffix: String) -> String {
        let safe = record.name.unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "-" || scalar == "_" ? Character(scalar) : "-"
        }
        let base = String(safe.prefix(80)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return "\(base.isEmpty ? "dataset" : base)-\(record.id)\(suffix)"
    }
}
