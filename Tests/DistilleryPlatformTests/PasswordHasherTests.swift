import Testing
@testable import DistilleryPlatform

@Suite struct PasswordHasherTests {
    @Test func hashVerifiesTheRightPasswordOnly() throws {
        let hash = try PasswordHasher.hash("correct horse battery staple", strength: .minimumForTests)
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(!hash.contains("correct horse"))
        #expect(PasswordHasher.verify("correct horse battery staple", against: hash))
        #expect(!PasswordHasher.verify("correct horse battery stapl", against: hash))
        #expect(!PasswordHasher.verify("Correct horse battery staple", against: hash))
        #expect(!PasswordHasher.verify("", against: hash))
    }

    @Test func samePasswordHashesDifferentlyEachTime() throws {
        let first = try PasswordHasher.hash("hunter2", strength: .minimumForTests)
        let second = try PasswordHasher.hash("hunter2", strength: .minimumForTests)
        #expect(first != second)  // random salt
        #expect(PasswordHasher.verify("hunter2", against: first))
        #expect(PasswordHasher.verify("hunter2", against: second))
    }

    @Test(arguments: ["", "pässwörd ✓ 密码", String(repeating: "x", count: 4096), "with\0nul"])
    func unusualPasswordsRoundTrip(password: String) throws {
        let hash = try PasswordHasher.hash(password, strength: .minimumForTests)
        #expect(PasswordHasher.verify(password, against: hash))
        #expect(!PasswordHasher.verify(password + "!", against: hash))
    }

    @Test func passwordsDifferingAfterANulByteAreDistinct() throws {
        let hash = try PasswordHasher.hash("with\0nul", strength: .minimumForTests)
        #expect(!PasswordHasher.verify("with", against: hash))
    }

    @Test func malformedHashesNeverVerify() {
        for hash in ["", "$argon2id$", "not a hash", "$2b$12$abcdefghijklmnopqrstuv", String(repeating: "$", count: 500)] {
            #expect(!PasswordHasher.verify("anything", against: hash))
            #expect(PasswordHasher.needsRehash(hash))
        }
    }

    @Test func needsRehashWhenParametersDifferFromTheTarget() throws {
        let light = try PasswordHasher.hash("pw", strength: .minimumForTests)
        #expect(PasswordHasher.needsRehash(light))
        #expect(PasswordHasher.needsRehash(light, strength: .interactive))
        #expect(!PasswordHasher.needsRehash(light, strength: .minimumForTests))
    }

    /// The one test at the real default cost (64 MiB, 2 passes): a fraction of a second.
    @Test func defaultStrengthIsArgon2idInteractive() throws {
        let hash = try PasswordHasher.hash("correct horse battery staple")
        #expect(hash.hasPrefix("$argon2id$v=19$m=65536,t=2,p=1$"))
        #expect(PasswordHasher.verify("correct horse battery staple", against: hash))
        #expect(!PasswordHasher.verify("wrong", against: hash))
        #expect(!PasswordHasher.needsRehash(hash))
        #expect(PasswordHasher.needsRehash(hash, strength: .moderate))
    }
}
