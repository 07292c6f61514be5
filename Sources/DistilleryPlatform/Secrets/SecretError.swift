import Foundation

/// Failures of the secret-handling building blocks.
///
/// Rule: no case carries plaintext, key material, encoded keys, passwords or hashes, so a
/// description can go to logs and to operators as-is. Paths, lengths and modes are fine.
public enum SecretError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `sodium_init` failed; nothing in this folder can work.
    case sodiumInitializationFailed
    /// `sodium_malloc` returned NULL (address space or mlock limits exhausted).
    case secureAllocationFailed(byteCount: Int)
    /// Decryption failed: wrong key, wrong associated data, or tampered/truncated ciphertext.
    /// Deliberately says nothing about which, so it cannot serve as an oracle.
    case authenticationFailed
    /// Encryption failed inside libsodium (should not happen for sane sizes).
    case sealingFailed
    /// The master key given in an environment variable or key file is malformed.
    /// `reason` is built from lengths and fixed text only, never from the value.
    case invalidMasterKey(source: String, reason: String)
    /// The key file's permissions let group or others access it.
    case keyFileTooPermissive(path: String, mode: UInt32)
    /// The key file path exists but is not a regular file.
    case keyFileNotRegular(path: String)
    /// Reading, creating or writing the key file failed at the system level.
    case keyFileIO(path: String, operation: String, errno: Int32)
    /// `crypto_pwhash_str` failed (in practice: not enough memory for the chosen strength).
    case passwordHashingFailed

    public var description: String {
        switch self {
        case .sodiumInitializationFailed:
            return "libsodium failed to initialise (sodium_init returned -1)"
        case .secureAllocationFailed(let byteCount):
            return "sodium_malloc could not allocate \(byteCount) bytes of guarded memory (check RLIMIT_MEMLOCK and available memory)"
        case .authenticationFailed:
            return "decryption failed: the ciphertext does not authenticate with this key and associated data"
        case .sealingFailed:
            return "encryption failed inside libsodium"
        case .invalidMasterKey(let source, let reason):
            return "invalid master key in \(source): \(reason)"
        case .keyFileTooPermissive(let path, let mode):
            let octal = String(mode & 0o777, radix: 8)
            return "refusing to use master key file \(path): it is accessible by group or others (mode \(octal)); run `chmod 600 \(path)`"
        case .keyFileNotRegular(let path):
            return "master key file \(path) is not a regular file"
        case .keyFileIO(let path, let operation, let errno):
            return "master key file \(path): \(operation) failed: \(systemErrorText(errno)) (errno \(errno))"
        case .passwordHashingFailed:
            return "password hashing failed (crypto_pwhash_str ran out of memory for the chosen strength)"
        }
    }
}

/// So `error.localizedDescription` (what Foundation-based logging prints) shows the same message.
extension SecretError: LocalizedError {
    public var errorDescription: String? { description }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "unknown error" }
    return String(cString: text)
}
