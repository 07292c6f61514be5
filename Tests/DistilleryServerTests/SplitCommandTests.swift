import Foundation
import Testing

/// `distillery split` as a real process: the files it writes, what it prints, and its refusals.
struct SplitCommandTests {
    @Test func splitWritesThreeFilesAndPrintsCountsAndLeakage() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/chat.jsonl"
        try Data(Fixtures.jsonl(DatasetSplitAPITests.lines())).write(to: URL(fileURLWithPath: file))
        let out = directory + "/out"

        let result = try DistilleryBinary.run(
            ["split", file, "--train", "0.8", "--validation", "0.1", "--test", "0.1", "--seed", "42", "--out", out])
        #expect(result.status == 0, "stdout: \(result.out) stderr: \(result.err)")
        #expect(result.out.contains("train 120, validation 15, test 15 rows (of 150)"))
        #expect(result.out.contains("leakage check: 0 cross-split near-duplicate pairs; 1 group of duplicates (6 rows) kept together"))

        var lineOfUser: [String: String] = [:]
        for (name, count) in [("train", 120), ("validation", 15), ("test", 15)] {
            let lines = try String(contentsOfFile: "\(out)/\(name).jsonl", encoding: .utf8).split(separator: "\n")
            #expect(lines.count == count)
            for line in lines {
                let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let user = ((row["messages"] as? [[String: String]]) ?? []).first { $0["role"] == "user" }?["content"] ?? ""
                lineOfUser[user] = name
            }
        }
        let family = Set(DatasetSplitAPITests.lines().prefix(6).map { line in
            let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return lineOfUser[((row?["messages"] as? [[String: String]]) ?? [])[1]["content"] ?? ""] ?? "missing"
        })
        #expect(family.count == 1 && !family.contains("missing"))

        let again = directory + "/again"
        _ = try DistilleryBinary.run(["split", file, "--seed", "42", "--out", again])
        for name in ["train", "validation", "test"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name).jsonl"))
                == Data(contentsOf: URL(fileURLWithPath: "\(again)/\(name).jsonl")))
        }
    }

    @Test func badFractionsAndBadFilesExitNonZeroWithAClearMessage() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/chat.jsonl"
        try Data(Fixtures.jsonl(Fixtures.chatLines(120))).write(to: URL(fileURLWithPath: file))

        let sum = try DistilleryBinary.run(["split", file, "--train", "0.8", "--validation", "0.2", "--test", "0.1", "--out", directory])
        #expect(sum.status != 0)
        #expect(sum.err.contains("--train, --validation, --test: train + validation + test must sum to 1"), "stderr: \(sum.err)")
        let range = try DistilleryBinary.run(["split", file, "--train", "1.5", "--out", directory])
        #expect(range.status != 0)
        #expect(range.err.contains("--train must be a number from 0 to 1"), "stderr: \(range.err)")

        var badLines = Fixtures.chatLines(120)
        badLines[4] = "not json"
        let bad = directory + "/bad.jsonl"
        try Data(Fixtures.jsonl(badLines)).write(to: URL(fileURLWithPath: bad))
        let invalid = try DistilleryBinary.run(["split", bad, "--out", directory + "/never"])
        #expect(invalid.status == 1)
        #expect(invalid.err.contains("is not valid; nothing was split"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/never"))
        let missing = try DistilleryBinary.run(["split", directory + "/nope.jsonl", "--out", directory])
        #expect(missing.status == 2)
        #expect(missing.err.contains("nope.jsonl"))
    }
}
