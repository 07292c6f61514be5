import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and first-run creation of the master key file in the data folder.
enum MasterKeyFile {
    /// A key file is 45 bytes; anything this large is certainly something else.
    static let maximumFileSize = 4096

    static func loadOrCreate(path: String) throws -> (key: MasterKey, created: Bool) {
        // Two rounds cover the race where another process creates the file between our
        // "does not exist" and our exclusive create: the second round reads its key.
        for _ in 0..<2 {
            if let key = try readExisting(path: path) {
                return (key, false)
            }
            let key = try MasterKey.generate()
            if try createExclusively(path: path, key: key) {
                return (key, true)
            }
        }
        throw SecretError.keyFileIO(path: path, operation: "create (another process kept creating and removing it)", errno: EEXIST)
    }

    /// The key from an existing file, or nil when there is no file.
    static func readExisting(path: String) throws -> MasterKey? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw SecretError.keyFileIO(path: path, operation: "open", errno: code)
        }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SecretError.keyFileIO(path: path, operation: "stat", errno: errno)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SecretError.keyFileNotRegular(path: path)
        }
        guard status.st_mode & 0o077 == 0 else {
            throw SecretError.keyFileTooPermissive(path: path, mode: UInt32(status.st_mode))
        }

        // Read straight into guarded memory: the file's text is as secret as the key.
        let contents = try SecureBytes(count: maximumFileSize + 1)
        defer { contents.free() }
        let length = try contents.withUnsafeMutableBytes { buffer -> Int in
            var total = 0
            while total < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + total, buffer.count - total)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw SecretError.keyFileIO(path: path, operation: "read", errno: errno)
                }
                if count == 0 { break }
                total += count
            }
            return total
        }
        guard length <= maximumFileSize else {
            throw SecretError.invalidMasterKey(
                source: "master key file \(path)",
                reason: "it is larger than \(maximumFileSize) bytes, so it cannot be a master key file")
        }
        return try contents.withUnsafeBytes { bytes in
            try MasterKey.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<length]), describedAs: "master key file \(path)")
        }
    }

    /// Writes `key` to a new file with mode 0600. Returns false if the file already exists.
    ///
    /// The key is written and synced under a temporary name first, then hard-linked into place:
    /// `link` fails if the name exists, so of several processes starting at once exactly one
    /// wins, and a reader never sees a half-written file (which an exclusive create of the
    /// final name would expose between `open` and `write`).
    static func createExclusively(path: String, key: MasterKey) throws -> Bool {
        let temporaryPath = path + ".new-" + RandomToken.generate(bytes: 9)
        try writeNewFile(path: temporaryPath, reportedPath: path, key: key)
        defer { unlink(temporaryPath) }
        guard link(temporaryPath, path) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw SecretError.keyFileIO(path: path, operation: "link into place", errno: code)
        }
        syncParentDirectory(of: path)
        return true
    }

    /// Creates `path` exclusively with mode 0600 and writes the key; removes it on any failure.
    private static func writeNewFile(path: String, reportedPath: String, key: MasterKey) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SecretError.keyFileIO(path: reportedPath, operation: "create", errno: errno)
        }
        var completed = false
        defer {
            close(descriptor)
            if !completed { unlink(path) }
        }
        // open's mode is filtered by the umask; fchmod states the intended mode exactly.
        guard fchmod(descriptor, 0o600) == 0 else {
            throw SecretError.keyFileIO(path: reportedPath, operation: "chmod 600", errno: errno)
        }
        let encoded = try key.encodedForKeyFile()
        defer { encoded.free() }
        try encoded.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw SecretError.keyFileIO(path: reportedPath, operation: "write", errno: errno)
                }
                written += count
            }
        }
        guard fsync(descriptor) == 0 else {
            throw SecretError.keyFileIO(path: reportedPath, operation: "fsync", errno: errno)
        }
        completed = true
    }

    /// Makes the new directory entry durable, so a crash right after first run cannot lose the
    /// key while secrets sealed with it reach the database. Best effort: some file systems
    /// refuse fsync on directories, and the file itself is already synced.
    private static func syncParentDirectory(of path: String) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}
