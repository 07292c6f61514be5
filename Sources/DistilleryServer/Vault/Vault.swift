import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Teacher API keys at rest: sealed with the master key (XChaCha20-Poly1305), bound to their row
/// by associated data, so a ciphertext copied to another row does not open.
///
/// Lifetime of a plaintext key: `open` decrypts into libsodium-allocated memory (`SecureBytes`,
/// guarded pages, locked against access outside `withUnsafeBytes`). The job that needs the key
/// holds it for its run and frees it when it ends, on success or failure (`withKey` does this for
/// you); nothing else ever sees the plaintext, which is never put in a Swift String, a log line,
/// the database, a page, a JSON response or an error message.
public final class Vault: Sendable {
    let masterKey: MasterKey
    let store: TeacherKeyStore
    let audit: AuditLogStore
    /// Where the master key came from (the environment, or the key file and whether it was just created).
    public let masterKeySource: MasterKey.Source
    static let canaryPlaintext = Array("distillery-vault-canary".utf8)

    init(masterKey: MasterKey, database: Database, source: MasterKey.Source) {
        self.masterKey = masterKey
        self.masterKeySource = source
        self.store = TeacherKeyStore(database: database)
        self.audit = AuditLogStore(database: database)
    }

    static func associatedData(keyID: Int64) -> [UInt8] {
        SecretBox.associatedData(table: "teacher_keys", rowID: keyID)
    }

    static let canaryAssociatedData = SecretBox.associatedData(table: "vault_canary", rowID: 1)

    /// Seals `key` in a new row. `lastFour` are shown to the owner to tell keys apart.
    public func save(
        key: SecureBytes, provider: String, label: String, userID: Int64?, jobID: Int64? = nil, actor: User?,
        remoteAddress: String, now: Int64
    ) throws -> Int64 {
        let lastFour = key.withUnsafeBytes { bytes in String(decoding: bytes.suffix(4), as: UTF8.self) }
        return try store.insert(
            userID: userID, provider: provider, label: label, lastFour: lastFour, jobID: jobID, now: now,
            auditedAs: { connection, id in
                try AuditLogStore.record(
                    in: connection, .keySaved, user: actor,
                    detail: "key #\(id) \"\(label)\" for \(provider) (…\(lastFour))\(jobID.map { " for job #\($0)" } ?? "")",
                    remoteAddress: remoteAddress, now: now)
            },
            seal: { id in try SecretBox.seal(key, associatedData: Self.associatedData(keyID: id), key: masterKey) })
    }

    /// Decrypts key `id` into secure memory the caller must `free()` when its job ends.
    public func open(id: Int64, actor: User?, purpose: String, remoteAddress: String = "", now: Int64) throws -> SecureBytes {
        guard let (info, sealed) = try store.key(id: id), !sealed.isEmpty else { throw AppError.notFound("No saved key \(id).") }
        let plaintext = try SecretBox.open(sealed, associatedData: Self.associatedData(keyID: id), key: masterKey)
        try store.markUsed(id: id, now: now)
        try audit.record(
            .keyUsed, user: actor, detail: "key #\(id) \"\(info.label)\" (…\(info.lastFour)) for \(purpose)",
            remoteAddress: remoteAddress, now: now)
        return plaintext
    }

    /// Runs `body` with the key decrypted, and wipes and frees it afterwards, whatever happens.
    public func withKey<R>(id: Int64, actor: User?, purpose: String, now: Int64, _ body: (SecureBytes) throws -> R) throws -> R {
        let plaintext = try open(id: id, actor: actor, purpose: purpose, now: now)
        defer { plaintext.free() }
        return try body(plaintext)
    }

    /// Checks that this master key is the one the database's keys were sealed with.
    func verifiesCanary() throws -> Bool {
        guard let canary = try store.canary() else {
            try store.setCanaryIfMissing(try Self.sealCanary(with: masterKey))
            return true
        }
        return (try? SecretBox.open(canary, associatedData: Self.canaryAssociatedData, key: masterKey))
            .map { opened in
                defer { opened.free() }
                return opened.withUnsafeBytes { Array($0) == Self.canaryPlaintext }
            } ?? false
    }

    static func sealCanary(with key: MasterKey) throws -> [UInt8] {
        try canaryPlaintext.withUnsafeBytes { try SecretBox.seal($0, associatedData: canaryAssociatedData, key: key) }
    }

    /// Re-seals every stored key under `newKey` in one transaction. Returns how many.
    static func rotate(database: Database, from oldKey: MasterKey, to newKey: MasterKey) throws -> Int {
        let store = TeacherKeyStore(database: database)
        return try store.resealAll(canary: try sealCanary(with: newKey)) { id, sealed in
            let plaintext = try SecretBox.open(sealed, associatedData: associatedData(keyID: id), key: oldKey)
            defer { plaintext.free() }
            return try SecretBox.seal(plaintext, associatedData: associatedData(keyID: id), key: newKey)
        }
    }
}
