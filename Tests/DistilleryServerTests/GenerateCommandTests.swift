import DistilleryTestSupport
import Foundation
import Testing

/// `distillery generate` (the real binary) against the fake teacher: the items written, the progress line, the exit
/// codes for a complete run, a shortfall and bad input.
@Suite(.serialized)
struct GenerateCommandTests {
    @Test func generateWritesExactlyTheQuotasAndExitsByOutcome() throws {
        let directory = TestApp.makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let teacher = try FakeTeacherProcess(["--gen-duplicate-rate", "0.2", "--gen-duplicates-for", "roaming"])
        let template = directory + "/template.json"
        try #"{"name": "seeds", "type": "prompts", "system_prompt": "You are a support agent.", "prompt": "Write {count} questions about {topic}."}"#
            .write(toFile: template, atomically: true, encoding: .utf8)
        let variables = directory + "/variables.json"
        try #"{"topic": [{"value": "billing", "weight": 3}, {"value": "outages", "weight": 1}]}"#.write(toFile: variables, atomically: true, encoding: .utf8)
        let teacherFlags = ["--provider", "openai-compatible", "--model", "fake-teacher", "--base-url", teacher.baseURL + "/v1"]

        let out = directory + "/seeds.jsonl"
        let ok = try DistilleryBinary.run(
            ["generate", "--template", template, "--variables", variables, "--count", "40", "--out", out, "--items-per-call", "4"] + teacherFlags)
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("completed: 40 of 40 items written"), "\(ok.out)")
        #expect(ok.err.contains("items/min") || ok.err.contains("/40"), "the progress line: \(ok.err)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 40)
        let inputs = try lines.map { try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])?["input"]) }
        #expect(Set(inputs).count == 40)

        // A stratum that can only produce duplicates: the run ends short, says why, and exits 1.
        try #"{"topic": ["billing", "roaming"]}"#.write(toFile: variables, atomically: true, encoding: .utf8)
        let short = try DistilleryBinary.run(
            ["generate", "--template", template, "--variables", variables, "--count", "10", "--out", directory + "/short.jsonl"] + teacherFlags)
        #expect(short.status == 1, "\(short.err)")
        #expect(short.out.contains("completed_with_shortfall: 6 of 10 items written"), "\(short.out)")
        #expect(short.out.contains("short: topic=roaming: 1 of 5 accepted after 15 items asked (3× cap): 14 duplicates"), "\(short.out)")

        // Bad input: named, exit 2, nothing written.
        try #"{"topic": [{"value": "billing", "weight": -1}]}"#.write(toFile: variables, atomically: true, encoding: .utf8)
        let bad = try DistilleryBinary.run(
            ["generate", "--template", template, "--variables", variables, "--count", "10", "--out", directory + "/never.jsonl"] + teacherFlags)
        #expect(bad.status == 2)
        #expect(bad.err.contains("variables.topic[0].weight"), "\(bad.err)")
        try #"{"type": "poems", "prompt": "x"}"#.write(toFile: template, atomically: true, encoding: .utf8)
        let badType = try DistilleryBinary.run(
            ["generate", "--template", template, "--variables", variables, "--count", "10", "--out", directory + "/never.jsonl"] + teacherFlags)
        #expect(badType.status == 2)
        #expect(badType.err.contains("type: must be one of prompts, qa, dialogue, transform"), "\(badType.err)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/never.jsonl"))
    }
}
