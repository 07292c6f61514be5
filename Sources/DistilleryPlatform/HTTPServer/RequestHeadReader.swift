import CMicroHTTPD
import DistilleryCore

/// Reads method, path, query, headers and peer address of a connection into an `HTTPRequest`
/// (body `.empty`; the body arrives later).
enum RequestHeadReader {
    static func read(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>) -> HTTPRequest {
        let collector = FieldCollector()
        let opaqueCollector = Unmanaged.passUnretained(collector).toOpaque()
        withExtendedLifetime(collector) {
            _ = MHD_get_connection_values(connection, .HEADER_KIND, collectHeaderField, opaqueCollector)
            _ = MHD_get_connection_values_n(connection, .GET_ARGUMENT_KIND, collectQueryItem, opaqueCollector)
        }

        // MHD has already split off the query and percent-decoded the path; cut at '?' anyway in case
        // a future version hands over the raw target.
        var path = String(cString: url)
        if let questionMark = path.firstIndex(of: "?") { path = String(path[..<questionMark]) }

        var remoteAddress = ""
        if let address = distillery_mhd_connection_client_address(connection) {
            remoteAddress = SocketAddress.text(of: address)
        }
        return HTTPRequest(
            method: String(cString: method),
            path: path,
            queryItems: collector.queryItems,
            headers: HTTPHeaders(collector.headers),
            body: .empty,
            remoteAddress: remoteAddress
        )
    }
}

/// Target of the key/value iterators below (passed through their `cls`).
final class FieldCollector {
    var headers: [(String, String)] = []
    var queryItems: [(name: String, value: String)] = []
}

private func decodedText(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> String {
    guard let pointer, length > 0 else { return "" }
    // The _n iterator gives lengths, so a decoded %00 does not cut the value short.
    return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
}

func collectHeaderField(
    _ cls: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind, _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?
) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<FieldCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.headers.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

func collectQueryItem(
    _ cls: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind,
    _ key: UnsafePointer<CChar>?, _ keyLength: Int, _ value: UnsafePointer<CChar>?, _ valueLength: Int
) -> MHD_Result {
    guard let cls else { return .YES }
    let collector = Unmanaged<FieldCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.queryItems.append((name: decodedText(key, keyLength), value: decodedText(value, valueLength)))
    return .YES
}
