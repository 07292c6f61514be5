import CCurl
import DistilleryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One transfer on the transport's loop thread: its libcurl easy handle and everything libcurl points
/// into (response buffers, header list, error buffer). Only the loop thread touches it. `deinit`
/// frees the handle, so remove it from the multi handle first.
final class TeacherEasyTransfer {
    let id: TransferID
    let handle: UnsafeMutableRawPointer
    let completion: TeacherTransport.Completion
    /// Response headers and body, filled by the HTTP client's libcurl callbacks.
    private let receiver: CurlTransfer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let target: String
    /// Applied to everything the teacher sends back before it leaves this object.
    private let redactor: TeacherKeyRedactor
    private let startedAt = ContinuousClock.now

    init(id: TransferID, request: TeacherHTTPRequest, completion: @escaping TeacherTransport.Completion) throws(TeacherTransportError) {
        self.id = id
        self.completion = completion
        target = request.redactedTarget
        redactor = TeacherKeyRedactor(request)
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        guard let handle = curl_easy_init() else {
            errorBuffer.deallocate()
            throw .transferFailed(code: 0, "\(request.redactedTarget): libcurl could not create a handle")
        }
        self.handle = handle
        // A body-less CurlTransfer is only a receiver; its initializer throws for unreadable body files only.
        guard let receiver = try? CurlTransfer(request: HTTPClientRequest(url: request.url)) else {
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
            throw .transferFailed(code: 0, "\(request.redactedTarget): could not prepare the response buffers")
        }
        self.receiver = receiver
        try configure(request)
    }

    deinit {
        curl_easy_cleanup(handle)
        distillery_curl_slist_wipe(headerList)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private func configure(_ request: TeacherHTTPRequest) throws(TeacherTransportError) {
        var setupCode = CURLE_OK
        func set(_ result: CURLcode) { if setupCode == CURLE_OK { setupCode = result } }
        let context = Unmanaged.passUnretained(receiver).toOpaque()

        set(distillery_curl_easy_setopt_string(handle, CURLOPT_URL, request.url))
        // libcurl must never raise SIGALRM/SIGPIPE in a multithreaded process.
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
        let timeoutMilliseconds = max(1, Int(request.timeoutSeconds * 1000))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds))
        set(distillery_curl_easy_setopt_long(
            handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, max(1, Int(request.connectTimeoutSeconds * 1000)))))
        set(distillery_curl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, curlReceiveBody))
        set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        set(distillery_curl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, curlReceiveHeaderLine))
        set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context))

        let method = request.method.uppercased()
        if !request.body.isEmpty || method == "POST" {
            // The body is copied into libcurl and sent with a Content-Length.
            set(distillery_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            if request.body.isEmpty {
                set(distillery_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                request.body.withUnsafeBytes { bytes in
                    set(distillery_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, bytes.baseAddress!.assumingMemoryBound(to: CChar.self)))
                }
            }
            if method != "POST" { set(distillery_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)) }
            // Without this, libcurl waits up to a second for "100 Continue" before sending a body over 1 KiB.
            try appendHeaderLine(Array("Expect:".utf8), secret: nil)
        } else if method == "HEAD" {
            set(distillery_curl_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
        } else if method != "GET" {
            set(distillery_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
        }

        for (name, value) in request.headers {
            try checkHeaderName(name)
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw .transferFailed(code: 0, "\(target): the value of header \"\(name.prefix(40))\" contains a line break")
            }
            // "Name;" is libcurl's way to send a header with an empty value.
            let line = value.isEmpty ? Array("\(name);".utf8) : Array("\(name): ".utf8) + Array(value.utf8)
            try appendHeaderLine(line, secret: nil)
        }
        for secretHeader in request.secretHeaders {
            try checkHeaderName(secretHeader.name)
            let invalid = secretHeader.secret.withUnsafeBytes { bytes in
                bytes.isEmpty || bytes.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 })
            }
            guard !invalid else {
                throw .transferFailed(code: 0, "\(target): the secret for header \"\(secretHeader.name.prefix(40))\" is empty or contains a line break")
            }
            try appendHeaderLine(Array("\(secretHeader.name): \(secretHeader.valuePrefix)".utf8), secret: secretHeader.secret)
        }
        if headerList != nil { set(distillery_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)) }

        guard setupCode == CURLE_OK else {
            throw .transferFailed(code: Int(setupCode.rawValue), "\(target): \(curlMessage(setupCode))")
        }
    }

    private func checkHeaderName(_ name: String) throws(TeacherTransportError) {
        // Checked on bytes: "\r\n" is a single Character, so a Character test would miss it.
        guard !name.isEmpty, !name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 || $0 == 0 }) else {
            throw .transferFailed(code: 0, "\(target): header name \"\(name.prefix(40))\" is empty or contains a line break or colon")
        }
    }

    /// Appends `prefix` followed by the secret's bytes as one header line. The line is assembled in a
    /// scratch buffer that is wiped before it is freed; libcurl's own copy is wiped in `deinit`.
    private func appendHeaderLine(_ prefix: [UInt8], secret: SecureBytes?) throws(TeacherTransportError) {
        let secretCount = secret?.count ?? 0
        let length = prefix.count + secretCount
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: length + 1)
        defer {
            explicit_bzero(scratch, length + 1)
            scratch.deallocate()
        }
        prefix.withUnsafeBufferPointer { scratch.update(from: $0.baseAddress!, count: prefix.count) }
        secret?.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { (scratch + prefix.count).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        }
        scratch[length] = 0
        let appended = scratch.withMemoryRebound(to: CChar.self, capacity: length + 1) { curl_slist_append(headerList, $0) }
        guard let appended else { throw .transferFailed(code: 0, "\(target): out of memory building the header list") }
        headerList = appended
    }

    /// The outcome once libcurl reported the transfer done with `code`.
    func result(_ code: CURLcode) -> Result<TeacherHTTPResponse, TeacherTransportError> {
        guard code == CURLE_OK else {
            let message = "\(target): \(curlMessage(code))"
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(.timedOut)
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR,
                CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
                return .failure(.connectionFailed(message))
            default:
                return .failure(.transferFailed(code: Int(code.rawValue), message))
            }
        }
        var status = 0
        _ = distillery_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        let elapsed = ContinuousClock.now - startedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return .success(TeacherHTTPResponse(status: status, headers: redactedHeaders(), body: redactedBody(), elapsedSeconds: seconds))
    }

    // Teacher text enters our code here and nowhere else: body, headers and libcurl's error string
    // leave this object with the request's keys removed (see TeacherKeyRedactor).

    private func redactedBody() -> [UInt8] {
        guard let redacted = redactor.redacted(receiver.responseBody) else { return receiver.responseBody }
        TeacherKeyRedactor.wipe(&receiver.responseBody)
        return redacted
    }

    private func redactedHeaders() -> HTTPHeaders {
        guard !redactor.isEmpty else { return HTTPHeaders(receiver.responseHeaders) }
        return HTTPHeaders(receiver.responseHeaders.map { (redactor.redacted($0.0), redactor.redacted($0.1)) })
    }

    private func curlMessage(_ code: CURLcode) -> String {
        let summary = String(cString: curl_easy_strerror(code))
        let detail = redactor.redacted(String(cString: errorBuffer))
        return detail.isEmpty ? summary : "\(summary): \(detail)"
    }
}
