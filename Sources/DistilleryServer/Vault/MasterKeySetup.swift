import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation

/// Where the master key comes from, and key rotation. The key is the `DISTILLERY_MASTER_KEY`
/// environment variable when set, else `master.key` in the data folder (created 0600 on first run).
public enum MasterKeySetup {
    public static let environmentVariable = MasterKey.defaultEnvironmentVariable

    static func keyFilePath(_ configuration: AppConfiguration) -> String {
        configuration.dataDirectory + "/master.key"
    }

    /// A rotation writes the new key here before re-sealing, and renames it over `master.key`
    /// after; a crash in between is finished at the next start.
    static func pendingKeyFilePath(_ configuration: AppConfiguration) -> String {
        keyFilePath(configuration) + ".next"
    }

    static func load(_ configuration: AppConfiguration) throws -> (key: MasterKey, source: MasterKey.Source) {
        do {
            return try MasterKey.load(
                environmentValue: ProcessInfo.processInfo.environment[environmentVariable],
                keyFilePath: keyFilePath(configuration))
        } catch {
            throw StartupError(description: "cannot load the master key: \(error)")
        }
    }

    /// The vault with the right master key, or a start-up error that says what to do.
    static func openVault(database: Database, configuration: AppConfiguration) throws -> Vault {
        let (key, source) = try load(configuration)
        let vault = Vault(masterKey: key, database: database, source: source)
        if try vault.verifiesCanary() { return vault }
        let pending = pendingKeyFilePath(configuration)
        if case .keyFile(let path, _) = source, FileManager.default.fileExists(atPath: pending) {
            let (nextKey, _) = try MasterKey.load(environmentValue: nil, keyFilePath: pending)
            let nextVault = Vault(masterKey: nextKey, database: database, source: source)
            if try nextVault.verifiesCanary() {
                guard rename(pending, path) == 0 else {
                    throw StartupError(description: "cannot finish the interrupted key rotation: renaming \(pending) failed")
                }
                return nextVault
            }
        }
        let origin: String
        switch source {
        case .environment: origin = "the \(environmentVariable) environment variable"
        case .keyFile(let path, _): origin = path
        }
        throw StartupError(
            description: "the master key from \(origin) does not open the teacher keys stored in this database; "
                + "start with the key the database was created with (see README, Security)")
    }

    public struct RotationResult: Sendable {
        public let resealedKeys: Int
        /// Set when the key lives in the environment: the operator must install it there.
        public let newKeyForEnvironment: String?
        public let keyFilePath: String?
    }

    /// `distillery keys rotate`: a new master key, every stored key re-sealed under it in one transaction.
    public static func rotate(configuration: AppConfiguration) throws -> RotationResult {
        let database = try Database(path: configuration.databasePath, readerCount: 1)
        defer { database.close() }
        let vault = try openVault(database: database, configuration: configuration)
        let (_, source) = try load(configuration)
        let newKey = try MasterKey.generate()
        switch source {
        case .environment:
            let count = try Vault.rotate(database: database, from: vault.masterKey, to: newKey)
            try AuditLogStore(database: database).record(
                .keysRotated, user: nil, userName: "shell", detail: "\(count) keys re-sealed", remoteAddress: "",
                now: Clock.nowMilliseconds())
            return RotationResult(resealedKeys: count, newKeyForEnvironment: newKey.encodedForExport(), keyFilePath: nil)
        case .keyFile(let path, _):
            let pending = pendingKeyFilePath(configuration)
            try writeKeyFile(newKey, to: pending)
            let count = try Vault.rotate(database: database, from: vault.masterKey, to: newKey)
            guard rename(pending, path) == 0 else {
                throw StartupError(description: "keys were re-sealed but renaming \(pending) to \(path) failed; the next start finishes it")
            }
            try AuditLogStore(database: database).record(
                .keysRotated, user: nil, userName: "shell", detail: "\(count) keys re-sealed", remoteAddress: "",
                now: Clock.nowMilliseconds())
            return RotationResult(resealedKeys: count, newKeyForEnvironment: nil, keyFilePath: path)
        }
    }

    static func writeKeyFile(_ key: MasterKey, to path: String) throws {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw StartupError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let text = Array((key.encodedForExport() + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(descriptor) == 0 else {
            throw StartupError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
