import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// State of one libcurl transfer shared with its C callbacks through `void *userdata`:
/// the body still to send, and the response headers and body received so far.
final class CurlTransfer {
    private enum Upload {
        case none
        case bytes([UInt8], offset: Int)
        case file(descriptor: Int32)
        case chunks([[UInt8]], index: Int, offset: Int)
    }

    private var upload: Upload
    /// Bytes to send: nil without a body, -1 when unknown (chunked).
    let uploadSize: Int?
    var responseHeaders: [(String, String)] = []
    var responseBody: [UInt8] = []

    init(request: HTTPClientRequest) throws(HTTPClientError) {
        switch request.body {
        case .none:
            upload = .none
            uploadSize = nil
        case .bytes(let bytes):
            upload = .bytes(bytes, offset: 0)
            uploadSize = bytes.count
        case .chunked(let chunks):
            upload = .chunks(chunks, index: 0, offset: 0)
            uploadSize = -1
        case .file(let path):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw HTTPClient.failure(.invalidRequest, code: 0, request, "cannot open body file \(path): \(errnoDescription())")
            }
            var info = stat()
            fstat(descriptor, &info)
            upload = .file(descriptor: descriptor)
            uploadSize = Int(info.st_size)
        }
    }

    func finish() {
        if case .file(let descriptor) = upload { close(descriptor) }
        upload = .none
    }

    /// Fills `buffer` with the next body bytes; 0 ends the body (for chunked: sends the last chunk).
    func readBody(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        switch upload {
        case .none:
            return 0
        case .bytes(let bytes, let offset):
            let count = min(capacity, bytes.count - offset)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            upload = .bytes(bytes, offset: offset + count)
            return count
        case .file(let descriptor):
            while true {
                let count = read(descriptor, buffer, capacity)
                if count < 0 && errno == EINTR { continue }
                return count < 0 ? Int(CURL_READFUNC_ABORT) : count
            }
        case .chunks(let chunks, var index, var offset):
            // Skip empty chunks: returning 0 would end the upload.
            while index < chunks.count && offset >= chunks[index].count {
                index += 1
                offset = 0
            }
            guard index < chunks.count else { return 0 }
            let chunk = chunks[index]
            let count = min(capacity, chunk.count - offset)
            chunk.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            upload = .chunks(chunks, index: index, offset: offset + count)
            return count
        }
    }

    func receiveHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue or a redirect): keep only the final response's headers.
            responseHeaders = []
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t", "\r", "\n", "\r\n"])
        responseHeaders.append((name, value))
    }
}

// libcurl C callbacks: global functions, handed the `CurlTransfer` (unretained; `send` keeps it alive).

func curlReceiveBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    transfer.responseBody.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

func curlReceiveHeaderLine(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    transfer.receiveHeaderLine(line)
    return length
}

func curlSendBody(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.readBody(into: UnsafeMutableRawPointer(buffer), capacity: size * count)
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
