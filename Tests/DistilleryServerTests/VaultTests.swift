import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import DistilleryStorage
import Foundation
import Testing

@Suite(.serialized)
struct VaultTests {
    static let secretKey = "sk-live-DISTILLERY-TEST-KEY-7f3a9c1e5b2d4680"
    static let secondKey = "sk-second-DISTILLERY-KEY-0a1b2c3d4e5f6789"

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard haystack.count >= pattern.count else { return false }
        return (0...(haystack.count - pattern.count)).contains { start in
            haystack[start] == pattern[0] && Array(haystack[start..<(start + pattern.count)]) == pattern
        }
    }

    @Test func aSavedKeyAppearsNowhereButInsideTheVault() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        var responses: [HTTPClientResponse] = []
        let browser = BrowserSession(test)
        try browser.signIn()
        let saved = try browser.submit(
            "/settings/keys", fields: [("provider", "deepseek"), ("label", "team key"), ("key", Self.secretKey)], csrfFrom: "/settings")
        #expect(saved.status == 303)
        let viaAPI = try test.request(
            "POST", "/api/keys", headers: [("Content-Type", "application/json")],
            body: .bytes(Array("{\"provider\":\"qwen\",\"label\":\"api key\",\"key\":\"\(Self.secondKey)\"}".utf8)))
        responses.append(viaAPI)
        #expect(viaAPI.status == 201)
        // A bad key is refused without being echoed.
        let bad = try test.request(
            "POST", "/api/keys", headers: [("Content-Type", "application/json")],
            body: .bytes(Array("{\"provider\":\"qwen\",\"label\":\"x\",\"key\":\"\(Self.secretKey) with spaces\"}".utf8)))
        responses.append(bad)
        #expect(bad.status == 422)

        let settings = try browser.get("/settings")
        #expect(settings.text.contains("…\(Self.secretKey.suffix(4))"))
        let listed = try test.request("GET", "/api/keys")
        responses.append(listed)
        let keys = try #require(try TestApp.object(listed)["keys"] as? [[String: Any]])
        #expect(keys.count == 2)
        let id = try #require(keys.first { $0["label"] as? String == "team key" }.flatMap { ($0["id"] as? NSNumber)?.int64Value })

        // Use it the way a synthesis job will: decrypted only inside the closure, then freed.
        let admin = try #require(try test.app.services.users.credentials(name: TestApp.adminName)?.user)
        let matches = try test.app.services.vault.withKey(id: id, actor: admin, purpose: "test job", now: 5) { plaintext in
            plaintext.withUnsafeBytes { Array($0) == Array(Self.secretKey.utf8) }
        }
        #expect(matches)
        responses.append(try test.request("GET", "/api/admin/audit"))
        responses.append(try test.request("GET", "/admin/audit"))
        responses.append(try test.request("GET", "/api/keys"))
        let lastUsed = try #require(try TestApp.object(try test.request("GET", "/api/keys"))["keys"] as? [[String: Any]])
        #expect(lastUsed.first { ($0["id"] as? NSNumber)?.int64Value == id }?["lastUsedAt"] != nil)

        // Scan the data folder while running (the WAL holds the recent writes) and after a clean
        // stop (the WAL has been checkpointed into the main file).
        func scanDataFolder() throws -> [String] {
            let folder = try FileManager.default.contentsOfDirectory(atPath: test.directory)
            for name in folder where !name.hasPrefix("uploads") && !name.hasPrefix("tmp") {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: test.directory + "/" + name)))
                #expect(!Self.contains(bytes, Self.secretKey), "the key is in \(name)")
                #expect(!Self.contains(bytes, Self.secondKey), "the second key is in \(name)")
            }
            return folder
        }
        let whileRunning = try scanDataFolder()
        #expect(whileRunning.contains("distillery.sqlite-wal"))
        let walSize = (try FileManager.default.attributesOfItem(atPath: test.directory + "/distillery.sqlite-wal")[.size] as? Int) ?? 0
        #expect(walSize > 0)
        test.stop()
        #expect(try scanDataFolder().contains("distillery.sqlite"))
        for response in responses + browser.responses {
            #expect(!Self.contains(response.body, Self.secretKey))
            #expect(!Self.contains(response.body, Self.secondKey))
            #expect(!response.headers.fields.contains { $0.value.contains(Self.secretKey) })
        }
        #expect(!test.logs.text.contains(Self.secretKey))
        #expect(!test.logs.text.contains(Self.secondKey))
    }

    @Test func aCiphertextMovedToAnotherRowDoesNotOpen() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let vault = test.app.services.vault
        let first = try Array(Self.secretKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        let second = try Array(Self.secondKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        let a = try vault.save(key: first, provider: "glm", label: "a", userID: nil, actor: nil, remoteAddress: "", now: 1)
        let b = try vault.save(key: second, provider: "glm", label: "b", userID: nil, actor: nil, remoteAddress: "", now: 1)
        try test.app.services.database.write { connection in
            try connection.run("UPDATE teacher_keys SET sealed = (SELECT sealed FROM teacher_keys WHERE id = ?) WHERE id = ?", .integer(a), .integer(b))
        }
        #expect(throws: SecretError.authenticationFailed) { _ = try vault.open(id: b, actor: nil, purpose: "test", now: 2) }
        let opened = try vault.open(id: a, actor: nil, purpose: "test", now: 2)
        #expect(opened.withUnsafeBytes { Array($0) } == Array(Self.secretKey.utf8))
        opened.free()
    }

    @Test func rotationReSealsEveryKeyAndAWrongMasterKeyRefusesToStart() throws {
        let first = try TestApp()
        defer { first.removeFiles() }
        let keyFile = first.directory + "/master.key"
        var info = stat()
        #expect(stat(keyFile, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let vault = first.app.services.vault
        let plaintext = try Array(Self.secretKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        let owner = try #require(try first.app.services.users.credentials(name: TestApp.adminName)?.user)
        let id = try vault.save(key: plaintext, provider: "kimi", label: "k", userID: owner.id, actor: nil, remoteAddress: "", now: 1)
        let sealedBefore = try TeacherKeyStore(database: first.app.services.database).key(id: id)?.sealed
        first.stop()
        let oldKeyFile = try String(contentsOfFile: keyFile, encoding: .utf8)

        var configuration = AppConfiguration()
        configuration.dataDirectory = first.directory
        let result = try MasterKeySetup.rotate(configuration: configuration)
        #expect(result.resealedKeys == 1)
        #expect(result.newKeyForEnvironment == nil)
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) != oldKeyFile)
        #expect(!FileManager.default.fileExists(atPath: keyFile + ".next"))

        let second = try TestApp(directory: first.directory)
        let after = try TeacherKeyStore(database: second.app.services.database).key(id: id)?.sealed
        #expect(after != nil && after != sealedBefore)
        let opened = try second.app.services.vault.open(id: id, actor: nil, purpose: "after rotation", now: 3)
        #expect(opened.withUnsafeBytes { Array($0) } == Array(Self.secretKey.utf8))
        opened.free()
        second.stop()

        // Someone restores an old or foreign key file: the server refuses to start, and says why.
        try (try MasterKey.generate().encodedForExport() + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        #expect {
            _ = try TestApp(directory: first.directory)
        } throws: { error in
            "\(error)".contains("does not open the teacher keys stored in this database")
        }
    }
}
