import CCurl
import DistilleryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Synchronous HTTP client over a libcurl easy handle. Thread-safe: each call uses its own handle.
/// TLS certificates and host names are verified; redirects are not followed.
public enum HTTPClient {
    /// Bodies up to this size are sent without `Expect: 100-continue` (saves a round trip); larger or
    /// chunked ones keep it, so a server can refuse them (413) before they are sent.
    static let expectContinueThreshold = 1024 * 1024

    public static func send(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw failure(.transferFailed, code: 0, request, "libcurl could not create a handle")
        }
        defer { curl_easy_cleanup(handle) }

        let transfer = try CurlTransfer(request: request)
        defer { transfer.finish() }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var setupCode = CURLE_OK
        func set(_ result: CURLcode) { if setupCode == CURLE_OK { setupCode = result } }

        set(distillery_curl_easy_setopt_string(handle, CURLOPT_URL, request.url))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        let timeoutMilliseconds = max(1, Int(request.timeoutSeconds * 1000))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds))
        set(distillery_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, 10_000)))
        set(distillery_curl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, curlReceiveBody))
        set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        set(distillery_curl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, curlReceiveHeaderLine))
        set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context))

        let method = request.method.uppercased()
        if let uploadSize = transfer.uploadSize {
            // Every body goes through the read callback ("upload" mode), which adds no Content-Type
            // of its own; the custom request line restores the wanted method.
            set(distillery_curl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1))
            set(distillery_curl_easy_setopt_read_function(handle, curlSendBody))
            set(distillery_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, context))
            set(distillery_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
            if uploadSize >= 0 {
                set(distillery_curl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(uploadSize)))
            }
            if uploadSize >= 0 && uploadSize <= expectContinueThreshold {
                headerList = curl_slist_append(headerList, "Expect:")
            }
        } else if method == "HEAD" {
            set(distillery_curl_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
        } else if method == "POST" || method == "PUT" || method == "PATCH" {
            // Send "Content-Length: 0" rather than no length at all.
            set(distillery_curl_easy_setopt_long(handle, CURLOPT_POST, 1))
            set(distillery_curl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, 0))
            set(distillery_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
            if method != "POST" { set(distillery_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)) }
        } else if method != "GET" {
            set(distillery_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
        }

        for (name, value) in request.headers {
            // Checked on bytes: "\r\n" is a single Character, so a Character test would miss it.
            guard !name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 }),
                !value.utf8.contains(where: { $0 == 13 || $0 == 10 })
            else {
                throw failure(.invalidRequest, code: 0, request, "header \"\(name.prefix(40))\" contains a line break or colon")
            }
            // "Name;" is libcurl's way to send a header with an empty value.
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if headerList != nil { set(distillery_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)) }

        guard setupCode == CURLE_OK else {
            throw failure(.invalidRequest, code: Int(setupCode.rawValue), request, curlMessage(setupCode, errorBuffer))
        }

        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            throw failure(kind(of: result), code: Int(result.rawValue), request, curlMessage(result, errorBuffer))
        }
        var status = 0
        _ = distillery_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, headers: HTTPHeaders(transfer.responseHeaders), body: transfer.responseBody)
    }

    private static func kind(of code: CURLcode) -> HTTPClientError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .connectionFailed
        case CURLE_OPERATION_TIMEDOUT: return .timedOut
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .invalidRequest
        default: return .transferFailed
        }
    }

    private static func curlMessage(_ code: CURLcode, _ errorBuffer: UnsafeMutablePointer<CChar>) -> String {
        let summary = String(cString: curl_easy_strerror(code))
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? summary : "\(summary): \(detail)"
    }

    static func failure(_ kind: HTTPClientError.Kind, code: Int, _ request: HTTPClientRequest, _ cause: String) -> HTTPClientError {
        // The query may carry tokens; method, scheme, host and path are enough to find the call.
        let url = request.url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.url
        let what: String
        switch kind {
        case .connectionFailed: what = "could not connect"
        case .timedOut: what = "timed out after \(request.timeoutSeconds) s"
        case .invalidRequest: what = "invalid request"
        case .transferFailed: what = "transfer failed"
        }
        let curlPart = code == 0 ? "" : " (curl error \(code))"
        return HTTPClientError(kind: kind, curlCode: code, description: "\(request.method) \(url): \(what)\(curlPart): \(cause)")
    }
}
