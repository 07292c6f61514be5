import CMicroHTTPD
import DistilleryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns an `HTTPResponse` into a libmicrohttpd response and queues it on a connection.
enum ResponseQueueing {
    /// Block size MHD asks a `.stream` body for.
    static let streamBlockSize = 64 * 1024

    /// The response body cannot be produced (e.g. its file is missing).
    struct BodyUnavailable: Error {
        let reason: String
    }

    /// Queues `response`; throws when its body cannot be produced (missing file), so the caller can
    /// answer through the rejection handler instead.
    static func queue(_ response: HTTPResponse, on connection: OpaquePointer, closeConnection: Bool) throws(BodyUnavailable) -> MHD_Result {
        let mhdResponse = try makeResponse(response.body)
        defer { MHD_destroy_response(mhdResponse) }
        for field in response.headers.fields {
            // MHD computes Content-Length itself (and refuses it in 0.9.75); a header with CR/LF is
            // refused by MHD and simply left out.
            if field.name.lowercased() == "content-length" { continue }
            _ = MHD_add_response_header(mhdResponse, field.name, field.value)
        }
        if closeConnection {
            _ = MHD_add_response_header(mhdResponse, "Connection", "close")
        }
        let status = (100...999).contains(response.status) ? response.status : 500
        return MHD_queue_response(connection, UInt32(status), mhdResponse)
    }

    /// Last resort when even the rejection handler's response cannot be sent.
    static func queuePlainError(status: Int, message: String, on connection: OpaquePointer) -> MHD_Result {
        var bytes = Array(message.utf8)
        let response = bytes.withUnsafeMutableBytes {
            MHD_create_response_from_buffer($0.count, $0.baseAddress, .RESPMEM_MUST_COPY)
        }
        guard let response else { return .NO }
        defer { MHD_destroy_response(response) }
        _ = MHD_add_response_header(response, "Content-Type", "text/plain; charset=utf-8")
        _ = MHD_add_response_header(response, "Connection", "close")
        return MHD_queue_response(connection, UInt32(status), response)
    }

    private static func makeResponse(_ body: ResponseBody) throws(BodyUnavailable) -> OpaquePointer {
        switch body {
        case .bytes(var bytes):
            let response = bytes.withUnsafeMutableBytes {
                MHD_create_response_from_buffer($0.count, $0.baseAddress, .RESPMEM_MUST_COPY)
            }
            guard let response else { throw BodyUnavailable(reason: "out of memory for a \(bytes.count)-byte response") }
            return response

        case .file(let path, let deleteAfterSending):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw BodyUnavailable(reason: "cannot open response file \(path): \(errnoDescription())")
            }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else {
                let reason = "cannot stat response file \(path): \(errnoDescription())"
                close(descriptor)
                throw BodyUnavailable(reason: reason)
            }
            // Unlinking now instead of after sending: the open descriptor keeps the data readable,
            // and nothing is left behind even if the client goes away or the process dies.
            if deleteAfterSending { unlink(path) }
            // MHD owns the descriptor from here and closes it with the response.
            guard let response = MHD_create_response_from_fd64(UInt64(info.st_size), descriptor) else {
                close(descriptor)
                throw BodyUnavailable(reason: "cannot create a response for file \(path)")
            }
            return response

        case .stream(let source):
            let streamed = StreamedResponseBody(source: source)
            let context = Unmanaged.passRetained(streamed).toOpaque()
            guard let response = MHD_create_response_from_callback(
                distillery_mhd_size_unknown(), streamBlockSize, readStreamedBody, context, releaseStreamedBody
            ) else {
                releaseStreamedBody(context)
                throw BodyUnavailable(reason: "cannot create a streamed response")
            }
            return response
        }
    }
}

/// Adapts a pull-based `ResponseChunkSource` to MHD's "fill this buffer" reader, keeping the rest of a
/// chunk that did not fit. `close()` is called exactly once, from MHD's free callback (which also
/// runs when the client disconnects early, and for HEAD requests where no chunk is read).
final class StreamedResponseBody {
    private let source: any ResponseChunkSource
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var finished = false
    private var closed = false

    init(source: any ResponseChunkSource) {
        self.source = source
    }

    /// Copies up to `capacity` bytes into `buffer`; returns the count, or nil at the end of the stream.
    func fill(_ buffer: UnsafeMutableRawPointer, capacity: Int) -> Int? {
        while pendingOffset >= pending.count {
            if finished { return nil }
            guard let chunk = source.nextChunk() else {
                finished = true
                return nil
            }
            pending = chunk
            pendingOffset = 0
        }
        let count = min(capacity, pending.count - pendingOffset)
        pending.withUnsafeBytes { bytes in
            buffer.copyMemory(from: bytes.baseAddress! + pendingOffset, byteCount: count)
        }
        pendingOffset += count
        return count
    }

    func close() {
        guard !closed else { return }
        closed = true
        pending = []
        source.close()
    }
}

func readStreamedBody(_ cls: UnsafeMutableRawPointer?, _ position: UInt64, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> Int {
    guard let cls, let buffer, capacity > 0 else { return distillery_mhd_content_reader_end_with_error() }
    let streamed = Unmanaged<StreamedResponseBody>.fromOpaque(cls).takeUnretainedValue()
    guard let count = streamed.fill(UnsafeMutableRawPointer(buffer), capacity: capacity) else {
        return distillery_mhd_content_reader_end_of_stream()
    }
    return count
}

func releaseStreamedBody(_ cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    let streamed = Unmanaged<StreamedResponseBody>.fromOpaque(cls).takeRetainedValue()
    streamed.close()
}
