import Foundation

/// Teacher keys a redaction must catch although they do not look like keys, and every form in which an
/// echoing teacher (`fake_teacher.py --echo-auth`) sends them back.
public enum EchoedKeys {
    /// Short, letters only (no digit: the key-shaped heuristic ignores it), and long with `/`, `+`, `=`.
    public static let short = "Zq8kWm3x"
    public static let lettersOnly = "KeyWithoutAnyDigitsAtAllJustLettersHereX"
    public static let long: String = {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=-_.~")
        return "sk-" + String((0..<197).map { alphabet[($0 * 31 + 7) % alphabet.count] })
    }()
    public static let all = [short, lettersOnly, long]

    /// Raw, percent-encoded (both cases), `\u`-escaped, `\/`-escaped and HTML-escaped: none may appear
    /// in anything Distillery writes or answers.
    public static func forms(of key: String) -> [String] {
        let percent = key.utf8.map { byte -> String in
            let scalar = Unicode.Scalar(byte)
            return CharacterSet.alphanumerics.contains(scalar) && byte < 128 ? String(scalar) : String(format: "%%%02X", byte)
        }.joined()
        let unicode = key.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let forms = [key, percent, percent.lowercased(), unicode, key.replacingOccurrences(of: "/", with: "\\/"),
                     key.replacingOccurrences(of: "/", with: "&#x2F;")]
        return Array(Set(forms)).sorted()
    }

    /// The forms of `key` found in `text` (empty when none leaks).
    public static func leaks(of key: String, in text: String) -> [String] {
        forms(of: key).filter { text.contains($0) }
    }

    /// The same for raw bytes (a database file, a log), searched as bytes.
    public static func leaks(of key: String, in bytes: [UInt8]) -> [String] {
        forms(of: key).filter { bytes.firstRange(of: Array($0.utf8)) != nil }
    }
}
