import CCurl

/// libcurl's process-wide setup. `curl_global_init` is not thread-safe, so call `initialize()` once
/// early (before threads start); later calls, and the one `HTTPClient.send` makes, are no-ops.
public enum CurlGlobal {
    // A global/static `let` is initialized exactly once, under swift_once, even with racing callers.
    private static let initializationResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    public static func initialize() {
        _ = initializationResult
    }
}
