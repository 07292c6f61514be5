import CSodium
import Foundation

/// Guarded memory from `sodium_malloc` for a secret's plaintext, for as long as it is in use.
///
/// Swift arrays and strings get copied behind your back (copy-on-write, bridging, resizing), and
/// `sodium_memzero` cannot reach the copies. So plaintext secrets (the master key, a decrypted
/// teacher API key) live ONLY in a `SecureBytes`: its pages sit between guard pages, are
/// `mlock`ed (kept out of swap and core dumps where the OS allows), end in a canary that
/// `sodium_free` checks, and are `PROT_NONE` whenever no closure is reading or writing them.
///
/// Lifetime rule: a decrypted teacher key lives in a `SecureBytes` for the duration of the job
/// that needs it, and is wiped and freed when the job ends, on success or failure
/// (`defer { key.free() }`, or `SecretBox.withOpened`). `deinit` frees as a safety net only.
///
/// Thread-safe: concurrent and nested `withUnsafeBytes` calls are fine. `free()` during an
/// access is deferred until the last access ends. After `free()` the buffer is empty
/// (`count == 0`) and closures receive an empty buffer rather than a dangling pointer.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    // All mutable state below is guarded by `lock`.
    private let lock = NSLock()
    private var base: UnsafeMutableRawPointer?
    private let byteCount: Int
    private var activeReaders = 0
    private var activeWriters = 0
    private var freeRequested = false

    /// Allocates `count` zeroed bytes of guarded memory.
    public init(count: Int) throws {
        precondition(count >= 0, "SecureBytes count must not be negative")
        try Sodium.initialize()
        // sodium_malloc(0) is legal but its result is awkward to protect; one spare byte is harmless.
        guard let allocated = sodium_malloc(max(count, 1)) else {
            throw SecretError.secureAllocationFailed(byteCount: count)
        }
        // sodium_malloc fills with 0xdb to expose use of uninitialised memory; start from zeros.
        sodium_memzero(allocated, max(count, 1))
        base = allocated
        byteCount = count
        _ = sodium_mprotect_noaccess(allocated)
    }

    /// Allocates guarded memory holding a copy of `bytes`. The caller remains responsible for
    /// wiping the source if it is not itself guarded memory.
    public convenience init(copying bytes: UnsafeRawBufferPointer) throws {
        try self.init(count: bytes.count)
        withUnsafeMutableBytes { destination in
            if let source = bytes.baseAddress, bytes.count > 0 {
                destination.baseAddress!.copyMemory(from: source, byteCount: bytes.count)
            }
        }
    }

    deinit {
        // No other reference exists, so no access can be in progress.
        if let base { Self.release(base, byteCount: byteCount) }
    }

    /// Number of bytes; 0 after `free()`.
    public var count: Int {
        lock.withLock { base == nil ? 0 : byteCount }
    }

    /// Whether `free()` has released the memory.
    public var isFreed: Bool {
        lock.withLock { base == nil }
    }

    /// Read access. The pages are read-only during `body` and inaccessible otherwise.
    /// Do not let the pointer escape `body`, and do not copy the bytes into Swift arrays or strings.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let pointer = beginAccess(writing: false) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        defer { endAccess(writing: false) }
        return try body(UnsafeRawBufferPointer(start: pointer, count: byteCount))
    }

    /// Write access, for filling the buffer (decrypting, decoding, reading a file) in place.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        guard let pointer = beginAccess(writing: true) else {
            return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        }
        defer { endAccess(writing: true) }
        return try body(UnsafeMutableRawBufferPointer(start: pointer, count: byteCount))
    }

    /// Overwrites the contents with zeros (`sodium_memzero`); the buffer stays allocated.
    public func wipe() {
        lock.withLock {
            guard let base else { return }
            Self.protect(base, .readWrite)
            sodium_memzero(base, max(byteCount, 1))
            applyProtectionForActiveAccesses(base)
        }
    }

    /// Wipes and releases the memory (`sodium_free`). Idempotent; `deinit` also frees.
    public func free() {
        lock.withLock {
            guard let base else { return }
            if activeReaders + activeWriters > 0 {
                freeRequested = true
                return
            }
            Self.release(base, byteCount: byteCount)
            self.base = nil
        }
    }

    public var description: String { "SecureBytes(count: \(count), contents redacted)" }

    // MARK: - Access bookkeeping

    private func beginAccess(writing: Bool) -> UnsafeMutableRawPointer? {
        lock.withLock {
            guard let base, !freeRequested else { return nil }
            if writing { activeWriters += 1 } else { activeReaders += 1 }
            applyProtectionForActiveAccesses(base)
            return base
        }
    }

    private func endAccess(writing: Bool) {
        lock.withLock {
            if writing { activeWriters -= 1 } else { activeReaders -= 1 }
            guard let base else { return }
            if freeRequested && activeReaders + activeWriters == 0 {
                Self.release(base, byteCount: byteCount)
                self.base = nil
            } else {
                applyProtectionForActiveAccesses(base)
            }
        }
    }

    /// Caller holds `lock`.
    private func applyProtectionForActiveAccesses(_ base: UnsafeMutableRawPointer) {
        if activeWriters > 0 {
            Self.protect(base, .readWrite)
        } else if activeReaders > 0 {
            Self.protect(base, .readOnly)
        } else {
            Self.protect(base, .noAccess)
        }
    }

    private enum Protection { case noAccess, readOnly, readWrite }

    private static func protect(_ base: UnsafeMutableRawPointer, _ protection: Protection) {
        let result: Int32
        switch protection {
        case .noAccess:
            // Failing to revoke access weakens a defence but breaks nothing; carry on.
            _ = sodium_mprotect_noaccess(base)
            return
        case .readOnly: result = sodium_mprotect_readonly(base)
        case .readWrite: result = sodium_mprotect_readwrite(base)
        }
        // The next access would fault anyway; stop here with a message instead of a bare SIGSEGV.
        guard result == 0 else { fatalError("sodium_mprotect failed to make guarded memory accessible") }
    }

    private static func release(_ base: UnsafeMutableRawPointer, byteCount: Int) {
        protect(base, .readWrite)
        sodium_memzero(base, max(byteCount, 1))
        sodium_free(base)
    }
}
