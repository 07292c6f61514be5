import DistilleryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scrubs the keys a request was sent with out of everything the teacher sent back. `TeacherEasyTransfer`
/// applies it where teacher text enters our code (the response body, every header, libcurl's error
/// string), so the engine, the pre-flight, the parser, the database, the logs and the pages only ever
/// see redacted text. A teacher that echoes `Authorization: Bearer <key>` in an error or an answer
/// leaks nothing, however short the key or whatever its characters.
///
/// Trade-off: the keys stay in their `SecureBytes` (guarded memory) and are read in place for each
/// response; no encoded form of a key is ever built as a Swift `String` or array. That costs two
/// `mprotect` calls per key per response (negligible beside a network round trip) and matching that
/// understands the encodings (`ExactSecretRedaction`) instead of plain substring searches over
/// precomputed variants, which would have left long-lived plaintext copies in ordinary memory.
/// A body that held a key is wiped once its redacted copy exists.
struct TeacherKeyRedactor {
    let secrets: [SecureBytes]
    /// Credentials a caller put in ordinary headers (tests, tools): already plain Swift strings, so
    /// they cost no extra exposure here, and the redaction does not depend on how the key was sent.
    let plainSecrets: [[UInt8]]

    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "x-api-key", "api-key"]

    init(_ request: TeacherHTTPRequest) {
        secrets = request.secretHeaders.map(\.secret)
        plainSecrets = request.headers.filter { Self.credentialHeaders.contains($0.0.lowercased()) }.flatMap { _, value in
            // The whole value, and the token after a scheme ("Bearer sk-...").
            let token = value.split(separator: " ", maxSplits: 1).last.map(String.init) ?? value
            return [Array(value.utf8), Array(token.utf8)].filter { !$0.isEmpty }
        }
    }

    var isEmpty: Bool { secrets.isEmpty && plainSecrets.isEmpty }

    /// `bytes` with every key removed; nil when none was there.
    func redacted(_ bytes: [UInt8]) -> [UInt8]? {
        var current: [UInt8]?
        for secret in secrets {
            let found = secret.withUnsafeBytes { key in ExactSecretRedaction.redact(current ?? bytes, secret: key) }
            if let found { current = found }
        }
        for secret in plainSecrets {
            let found = secret.withUnsafeBytes { key in ExactSecretRedaction.redact(current ?? bytes, secret: key) }
            if let found { current = found }
        }
        return current
    }

    /// `text` with every key removed.
    func redacted(_ text: String) -> String {
        guard !isEmpty, let bytes = redacted(Array(text.utf8)) else { return text }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Overwrites a buffer that held a key before it is released.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { explicit_bzero(base, buffer.count) }
        }
        bytes = []
    }
}
