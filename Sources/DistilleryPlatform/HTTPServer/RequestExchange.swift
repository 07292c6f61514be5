import DistilleryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the glue keeps about one request between libmicrohttpd callbacks: the request head,
/// the body as it streams in (memory first, then a spool file), and whether it was rejected.
/// It lives in MHD's `con_cls` (retained) and is only touched by the thread that owns the connection.
final class RequestExchange {
    /// The request without its body, built on the first callback.
    var head: HTTPRequest
    /// Set when the glue must answer with the rejection handler instead of the handler.
    var rejection: HTTPRejection?
    /// True once a response has been queued (or the handler's answer is pending), so later callbacks
    /// do nothing.
    var responded = false
    /// Set while the handler's answer is pending and the connection is suspended.
    var parked: ParkedRequest?

    private let maxBodyBytes: Int
    private let inMemoryBodyLimit: Int
    private let spoolDirectory: String
    private var memoryBody: [UInt8] = []
    private var spoolDescriptor: Int32 = -1
    private(set) var spoolPath: String?
    private(set) var receivedBytes = 0
    /// When the body passed the limit; see `drainIsOverdue`.
    private var drainStart: ContinuousClock.Instant?
    private let drainLimit: Duration

    init(
        head: HTTPRequest, maxBodyBytes: Int, inMemoryBodyLimit: Int, spoolDirectory: String, declaredLength: Int?,
        drainSeconds: Double
    ) {
        self.head = head
        self.maxBodyBytes = maxBodyBytes
        self.inMemoryBodyLimit = inMemoryBodyLimit
        self.spoolDirectory = spoolDirectory
        self.drainLimit = .milliseconds(Int64((max(0, drainSeconds) * 1000).rounded()))
        if let declaredLength, declaredLength <= inMemoryBodyLimit {
            memoryBody.reserveCapacity(declaredLength)
        }
    }

    /// libmicrohttpd 0.9.75 cannot queue a response while it hands us upload data (MHD_queue_response
    /// returns MHD_NO until the body has ended), so a chunked upload that passes the limit is read on
    /// to its end, thrown away, and answered 413 then, as nginx's lingering close does. True once the
    /// client has gone on sending for longer than the drain limit: then only closing the connection
    /// stops it.
    var drainIsOverdue: Bool {
        guard let drainStart else { return false }
        return ContinuousClock.now - drainStart > drainLimit
    }

    /// Takes one piece of the upload. After a rejection the data is dropped.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        if rejection != nil { return }
        if receivedBytes + bytes.count > maxBodyBytes {
            rejection = .bodyTooLarge(limit: maxBodyBytes, declaredLength: nil)
            drainStart = .now
            discardBody()
            return
        }
        receivedBytes += bytes.count
        if spoolDescriptor < 0 && receivedBytes <= inMemoryBodyLimit {
            memoryBody.append(contentsOf: bytes)
            return
        }
        do {
            if spoolDescriptor < 0 {
                try openSpoolFile()
                try memoryBody.withUnsafeBytes { try writeToSpool($0) }
                memoryBody = []
            }
            try writeToSpool(bytes)
        } catch {
            rejection = .uploadFailed(reason: (error as? SpoolError)?.description ?? "\(error)")
            discardBody()
        }
    }

    /// Ends the upload and hands the body over: `.file` when spooled (the file stays until `cleanUp`).
    func finishBody() -> RequestBody {
        if spoolDescriptor >= 0 {
            close(spoolDescriptor)
            spoolDescriptor = -1
        }
        if let spoolPath {
            return .file(path: spoolPath, size: receivedBytes)
        }
        if memoryBody.isEmpty { return .empty }
        let body = memoryBody
        memoryBody = []
        return .bytes(body)
    }

    /// Called when the request is completed (sent, failed or abandoned): nothing may remain on disk,
    /// unless the handler moved the spool file away (then unlink finds nothing).
    func cleanUp() {
        discardBody()
    }

    private func discardBody() {
        memoryBody = []
        if spoolDescriptor >= 0 {
            close(spoolDescriptor)
            spoolDescriptor = -1
        }
        if let spoolPath {
            unlink(spoolPath)
            self.spoolPath = nil
        }
    }

    private func openSpoolFile() throws(SpoolError) {
        // Random name, O_EXCL and mode 0600: no other local user can read or pre-create the file.
        for _ in 0..<5 {
            let name = "upload-\(getpid())-\(String(UInt64.random(in: .min ... .max), radix: 16)).part"
            let path = spoolDirectory.hasSuffix("/") ? spoolDirectory + name : spoolDirectory + "/" + name
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                spoolDescriptor = descriptor
                spoolPath = path
                return
            }
            if errno != EEXIST {
                throw SpoolError("cannot create a spool file in \(spoolDirectory): \(errnoDescription())")
            }
        }
        throw SpoolError("cannot create a unique spool file in \(spoolDirectory)")
    }

    private func writeToSpool(_ bytes: UnsafeRawBufferPointer) throws(SpoolError) {
        guard var cursor = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(spoolDescriptor, cursor, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw SpoolError("cannot write the spool file \(spoolPath ?? ""): \(errnoDescription())")
            }
            remaining -= written
            cursor += written
        }
    }
}

struct SpoolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
