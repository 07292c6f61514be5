import Foundation
import Testing
@testable import DistilleryPlatform
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers (private: other helpers' test files share this module)

private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func fileMode(_ path: String) throws -> UInt32 {
    var status = stat()
    #expect(stat(path, &status) == 0)
    return UInt32(status.st_mode) & 0o777
}

private func bytes(of secure: SecureBytes) -> [UInt8] {
    secure.withUnsafeBytes { Array($0) }
}

private func seal(_ text: String, ad: [UInt8], key: MasterKey) throws -> [UInt8] {
    try Array(text.utf8).withUnsafeBytes { try SecretBox.seal($0, associatedData: ad, key: key) }
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { start in
        haystack[start..<(start + needle.count)].elementsEqual(needle)
    }
}

private let teacherKey = "sk-live-0123456789abcdefTEACHERKEY"
/// 32 bytes 0x00...0x1f in standard base64.
private let validEncodedKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// MARK: - SecretBox

@Suite struct SecretBoxTests {
    @Test func sealThenOpenRoundTrips() throws {
        let key = try MasterKey.generate()
        let ad = SecretBox.associatedData(table: "teacher_keys", rowID: 7)
        let sealed = try seal(teacherKey, ad: ad, key: key)
        #expect(sealed.count == teacherKey.utf8.count + SecretBox.overhead)
        let opened = try SecretBox.open(sealed, associatedData: ad, key: key)
        defer { opened.free() }
        #expect(bytes(of: opened) == Array(teacherKey.utf8))
    }

    @Test func emptyPlaintextRoundTrips() throws {
        let key = try MasterKey.generate()
        let sealed = try SecretBox.seal(UnsafeRawBufferPointer(start: nil, count: 0), associatedData: [], key: key)
        #expect(sealed.count == SecretBox.overhead)
        let opened = try SecretBox.open(sealed, associatedData: [], key: key)
        #expect(opened.count == 0)
        opened.free()
    }

    @Test func openWithAnotherRowsAssociatedDataFails() throws {
        let key = try MasterKey.generate()
        let sealed = try seal(teacherKey, ad: SecretBox.associatedData(table: "teacher_keys", rowID: 7), key: key)
        #expect(throws: SecretError.authenticationFailed) {
            try SecretBox.open(sealed, associatedData: SecretBox.associatedData(table: "teacher_keys", rowID: 8), key: key)
        }
    }

    @Test func openWithWrongKeyFails() throws {
        let ad = SecretBox.associatedData(table: "teacher_keys", rowID: 1)
        let sealed = try seal(teacherKey, ad: ad, key: try MasterKey.generate())
        #expect(throws: SecretError.authenticationFailed) {
            try SecretBox.open(sealed, associatedData: ad, key: try MasterKey.generate())
        }
    }

    @Test func anyTamperedByteFails() throws {
        let key = try MasterKey.generate()
        let ad: [UInt8] = Array("row#1".utf8)
        let sealed = try seal(teacherKey, ad: ad, key: key)
        // Every position: nonce, ciphertext and tag are all covered by authentication.
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: SecretError.authenticationFailed) {
                try SecretBox.open(tampered, associatedData: ad, key: key)
            }
        }
    }

    @Test func truncatedInputFails() throws {
        let key = try MasterKey.generate()
        let sealed = try seal(teacherKey, ad: [], key: key)
        for length in [0, 10, SecretBox.overhead - 1, sealed.count - 1] {
            #expect(throws: SecretError.authenticationFailed) {
                try SecretBox.open(Array(sealed.prefix(length)), associatedData: [], key: key)
            }
        }
    }

    @Test func twoSealsOfTheSamePlaintextUseDifferentNonces() throws {
        let key = try MasterKey.generate()
        let first = try seal(teacherKey, ad: [], key: key)
        let second = try seal(teacherKey, ad: [], key: key)
        #expect(first.prefix(24) != second.prefix(24))
        #expect(first != second)
    }

    @Test func sealedOutputDoesNotContainThePlaintext() throws {
        let key = try MasterKey.generate()
        let sealed = try seal(teacherKey, ad: [], key: key)
        #expect(!contains(sealed, Array(teacherKey.utf8)))
        #expect(!contains(sealed, Array("TEACHERKEY".utf8)))
    }

    @Test func withOpenedFreesThePlaintextAfterTheBody() throws {
        let key = try MasterKey.generate()
        let sealed = try seal(teacherKey, ad: [], key: key)
        var escaped: SecureBytes?
        let length = try SecretBox.withOpened(sealed, associatedData: [], key: key) { plaintext in
            escaped = plaintext
            return plaintext.count
        }
        #expect(length == teacherKey.utf8.count)
        #expect(escaped?.isFreed == true)
        #expect(escaped?.count == 0)
    }

    @Test func withOpenedFreesThePlaintextWhenTheJobFails() async throws {
        struct JobFailed: Error {}
        let key = try MasterKey.generate()
        let sealed = try seal(teacherKey, ad: [], key: key)
        var escaped: SecureBytes?
        await #expect(throws: JobFailed.self) {
            try await SecretBox.withOpened(sealed, associatedData: [], key: key) { plaintext in
                escaped = plaintext
                try await Task.sleep(nanoseconds: 1_000)
                throw JobFailed()
            }
        }
        #expect(escaped?.isFreed == true)
    }

    @Test func sealingGuardedMemoryMatchesSealingRawBytes() throws {
        let key = try MasterKey.generate()
        let plaintext = try Array(teacherKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        defer { plaintext.free() }
        let sealed = try SecretBox.seal(plaintext, associatedData: [1, 2], key: key)
        let opened = try SecretBox.open(sealed, associatedData: [1, 2], key: key)
        defer { opened.free() }
        #expect(bytes(of: opened) == Array(teacherKey.utf8))
    }
}

// MARK: - MasterKey

@Suite struct MasterKeyTests {
    @Test func loadsAValidKeyFromTheEnvironmentWithoutTouchingTheKeyFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("master.key").path

        let (key, source) = try MasterKey.load(environmentValue: validEncodedKey + "\n", keyFilePath: keyFile)
        #expect(source == .environment)
        #expect(key.encodedForExport() == validEncodedKey)
        #expect(!FileManager.default.fileExists(atPath: keyFile))
    }

    @Test func acceptsTheKeyWithoutPadding() throws {
        let unpadded = String(validEncodedKey.dropLast())
        let (key, _) = try MasterKey.load(environmentValue: unpadded, keyFilePath: "/nonexistent/master.key")
        #expect(key.encodedForExport() == validEncodedKey)
    }

    @Test(arguments: [
        // Valid base64, wrong lengths.
        ("c2hvcnQta2V5LXZhbHVlLVNFQ1JFVA==", "decodes to 22 bytes"),
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vSEVMTE9TRUNSRVQ=", "decodes to 59 bytes"),
        // Not base64 at all.
        ("not*base64!SUPERSECRETVALUE", "not valid base64"),
        ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "hex is not accepted"),
    ])
    func rejectsABadEnvironmentValueWithoutEchoingIt(value: String, expectedReason: String) throws {
        do {
            _ = try MasterKey.load(environmentValue: value, keyFilePath: "/nonexistent/master.key", environmentVariableName: "DISTILLERY_MASTER_KEY")
            Issue.record("a malformed key was accepted")
        } catch let error as SecretError {
            let text = "\(error)"
            #expect(text.contains("DISTILLERY_MASTER_KEY"))
            #expect(text.contains(expectedReason))
            #expect(!text.contains(value))
            #expect(!text.contains("SECRET"))
            #expect(error.localizedDescription == text)
        }
    }

    @Test func rejectsAnEmptyEnvironmentValueInsteadOfFallingBackToTheKeyFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("master.key").path
        #expect(throws: SecretError.self) {
            try MasterKey.load(environmentValue: "  ", keyFilePath: keyFile)
        }
        #expect(!FileManager.default.fileExists(atPath: keyFile))
    }

    @Test func createsTheKeyFileWithMode0600OnFirstLoadAndReusesIt() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("master.key").path

        let previousMask = umask(0o022)  // a typical umask must not widen the mode
        defer { umask(previousMask) }
        let (first, firstSource) = try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
        #expect(firstSource == .keyFile(path: keyFile, created: true))
        #expect(try fileMode(keyFile) == 0o600)
        let contents = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(contents == first.encodedForExport() + "\n")
        #expect(contents.count == 45)

        let (second, secondSource) = try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
        #expect(secondSource == .keyFile(path: keyFile, created: false))
        #expect(second == first)

        // A secret sealed under the first load opens under the second (the point of persisting).
        let sealed = try seal(teacherKey, ad: [9], key: first)
        let opened = try SecretBox.open(sealed, associatedData: [9], key: second)
        #expect(bytes(of: opened) == Array(teacherKey.utf8))
        opened.free()
    }

    /// Several rounds, because the window in which a racing reader could see a half-written
    /// file is short.
    @Test func concurrentFirstRunsAgreeOnOneKey() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var loads: [(MasterKey, MasterKey.Source)] = []
            var errors: [String] = []
        }
        for round in 0..<25 {
            let keyFile = directory.appendingPathComponent("master-\(round).key").path
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    let loaded = try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
                    results.lock.withLock { results.loads.append(loaded) }
                } catch {
                    results.lock.withLock { results.errors.append("\(error)") }
                }
            }
            #expect(results.errors == [])
            #expect(results.loads.filter { $0.1 == .keyFile(path: keyFile, created: true) }.count == 1)
            #expect(results.loads.allSatisfy { $0.0 == results.loads[0].0 })
        }
        // No temporary files are left beside the keys.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { $0.hasSuffix(".key") })
    }

    @Test func refusesAKeyFileReadableByGroupOrOthers() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("master.key").path
        let (key, _) = try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
        let encoded = key.encodedForExport()

        for mode: mode_t in [0o644, 0o640, 0o604, 0o660] {
            #expect(chmod(keyFile, mode) == 0)
            do {
                _ = try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
                Issue.record("key file with mode \(String(mode, radix: 8)) was accepted")
            } catch let error as SecretError {
                #expect(error == .keyFileTooPermissive(path: keyFile, mode: UInt32(mode) | 0o100000))
                let text = "\(error)"
                #expect(text.contains(keyFile))
                #expect(text.contains("chmod 600"))
                #expect(text.contains(String(mode, radix: 8)))
                #expect(!text.contains(encoded))
            }
        }
        #expect(chmod(keyFile, 0o600) == 0)
        #expect(try MasterKey.load(environmentValue: nil, keyFilePath: keyFile).key == key)
    }

    @Test func rejectsAMalformedKeyFileWithoutEchoingIt() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("master.key").path
        let junk = "c2hvcnQta2V5LXZhbHVlLVNFQ1JFVA=="
        #expect(FileManager.default.createFile(atPath: keyFile, contents: Data(junk.utf8), attributes: [.posixPermissions: 0o600]))
        do {
            _ = try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
            Issue.record("a malformed key file was accepted")
        } catch let error as SecretError {
            let text = "\(error)"
            #expect(text.contains(keyFile))
            #expect(text.contains("decodes to 22 bytes"))
            #expect(!text.contains(junk))
        }
        // The malformed file is left alone, never silently replaced by a new key.
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == junk)
    }

    @Test func reportsAMissingDataFolderClearly() throws {
        let keyFile = "/nonexistent-\(UUID().uuidString)/master.key"
        #expect(throws: SecretError.keyFileIO(path: keyFile, operation: "create", errno: ENOENT)) {
            try MasterKey.load(environmentValue: nil, keyFilePath: keyFile)
        }
    }

    @Test func exportedKeyLoadsBackToTheSameKey() throws {
        let key = try MasterKey.generate()
        let exported = key.encodedForExport()
        #expect(exported.count == 44)
        let (loaded, _) = try MasterKey.load(environmentValue: exported, keyFilePath: "/nonexistent/master.key")
        #expect(loaded == key)
        #expect(try MasterKey.generate() != key)
    }

    @Test func descriptionsRedactTheKey() throws {
        let key = try MasterKey.generate()
        let exported = key.encodedForExport()
        #expect("\(key)" == "MasterKey(redacted)")
        #expect(!String(reflecting: key).contains(exported))
    }
}

// MARK: - SecureBytes

@Suite struct SecureBytesTests {
    @Test func copiesBytesIn() throws {
        let source: [UInt8] = [1, 2, 3, 4, 5]
        let secure = try source.withUnsafeBytes { try SecureBytes(copying: $0) }
        #expect(secure.count == 5)
        #expect(bytes(of: secure) == source)
        secure.free()
    }

    @Test func startsZeroed() throws {
        let secure = try SecureBytes(count: 64)
        #expect(bytes(of: secure) == [UInt8](repeating: 0, count: 64))
        secure.free()
    }

    @Test func wipeZeroesTheMemoryButKeepsTheBuffer() throws {
        let secure = try Array(teacherKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        #expect(bytes(of: secure).contains { $0 != 0 })
        secure.wipe()
        #expect(secure.count == teacherKey.utf8.count)
        #expect(bytes(of: secure) == [UInt8](repeating: 0, count: teacherKey.utf8.count))
        secure.free()
    }

    @Test func freeIsIdempotentAndLeavesAnEmptyBuffer() throws {
        let secure = try SecureBytes(count: 16)
        secure.free()
        secure.free()
        secure.wipe()  // harmless after free
        #expect(secure.isFreed)
        #expect(secure.count == 0)
        #expect(secure.withUnsafeBytes { $0.count } == 0)
    }

    @Test func freeDuringAnAccessIsDeferredUntilTheAccessEnds() throws {
        let secure = try [UInt8](repeating: 7, count: 8).withUnsafeBytes { try SecureBytes(copying: $0) }
        let sum = secure.withUnsafeBytes { buffer -> Int in
            secure.free()
            #expect(!secure.isFreed)
            return buffer.reduce(0) { $0 + Int($1) }  // still readable: no use after free
        }
        #expect(sum == 56)
        #expect(secure.isFreed)
    }

    @Test func nestedAndConcurrentReadsSeeTheSameBytes() async throws {
        let secure = try Array(teacherKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        defer { secure.free() }
        let nested = secure.withUnsafeBytes { outer in
            secure.withUnsafeBytes { inner in Array(outer) == Array(inner) }
        }
        #expect(nested)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { _ in bytes(of: secure) == Array(teacherKey.utf8) }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }

    @Test func descriptionHidesTheContents() throws {
        let secure = try Array(teacherKey.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        defer { secure.free() }
        #expect(!"\(secure)".contains("TEACHERKEY"))
        #expect("\(secure)".contains("\(teacherKey.utf8.count)"))
    }
}

// MARK: - Tokens and digests

@Suite struct RandomTokenAndDigestTests {
    @Test func tokensAreURLSafeBase64WithoutPadding() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for (byteCount, expectedLength) in [(32, 43), (16, 22), (1, 2), (3, 4)] {
            let token = RandomToken.generate(bytes: byteCount)
            #expect(token.count == expectedLength)
            #expect(token.allSatisfy { allowed.contains($0) })
        }
        #expect(RandomToken.generate().count == 43)
    }

    @Test func thousandTokensAreAllDifferent() {
        let tokens = (0..<1000).map { _ in RandomToken.generate() }
        #expect(Set(tokens).count == 1000)
        // Both URL-safe substitutes appear across 43,000 characters unless the alphabet is wrong.
        let joined = tokens.joined()
        #expect(joined.contains("-") && joined.contains("_"))
        #expect(!joined.contains("+") && !joined.contains("/") && !joined.contains("="))
    }

    @Test func sha256HexMatchesKnownVectors() {
        #expect(SecretDigest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretDigest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SecretDigest.sha256Hex("é") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")  // UTF-8 bytes c3 a9
    }

    @Test func constantTimeComparison() {
        #expect(SecretDigest.equalConstantTime([1, 2, 3], [1, 2, 3]))
        #expect(!SecretDigest.equalConstantTime([1, 2, 3], [1, 2, 4]))
        #expect(!SecretDigest.equalConstantTime([1, 2, 3], [1, 2]))
        #expect(!SecretDigest.equalConstantTime([], [0]))
        #expect(SecretDigest.equalConstantTime([], []))
        let digest = Array(SecretDigest.sha256Hex("token").utf8)
        #expect(SecretDigest.equalConstantTime(digest, Array(SecretDigest.sha256Hex("token").utf8)))
        #expect(!SecretDigest.equalConstantTime(digest, Array(SecretDigest.sha256Hex("tokeN").utf8)))
    }
}
