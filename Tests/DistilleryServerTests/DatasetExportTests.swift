import DistilleryCore
import DistilleryPlatform
import Foundation
import Testing

/// GET /datasets/{id}/export in every format from a real dataset, parsed back with independent
/// readers (JSONSerialization; Python's csv module for RFC 4180), and `distillery export` as a process.
@Suite(.serialized)
struct DatasetExportTests {
    /// 126 plain rows plus four that stress the writers: quotes, commas, newlines, escapes, non-ASCII, emoji, multi-turn.
    static let lines: [String] = Fixtures.chatLines(126) + [
        #"{"messages":[{"role":"system","content":"Answer \"briefly\", please"},{"role":"user","content":"a,b\nc\r\nd \u00e9t\u00e9 日本 😀 \ud83d\ude00 \\ \/"},{"role":"assistant","content":"=1+1, \"two\""}]}"#,
        #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"first, \"turn\""},{"role":"assistant","content":"one\ntwo"},{"role":"user","content":"second 🚀"},{"role":"assistant","content":"done\u0021"}]}"#,
        #"{"id":9,"messages":[{"role":"system","content":"tabs\there","name":"x"},{"role":"user","content":"ünïcödé"},{"role":"assistant","content":"ok"}]}"#,
        #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a2"},{"role":"user","content":"u3"},{"role":"assistant","content":"a3"}]}"#,
    ]

    /// Each line's messages as (role, content) pairs, decoded by Foundation, not by the code under test.
    static var expected: [[(role: String, content: String)]] {
        lines.map { line in
            let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (object["messages"] as! [[String: Any]]).map { ($0["role"] as! String, $0["content"] as! String) }
        }
    }

    static func uploadDataset(_ test: TestApp) throws -> Int64 {
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "Export me")
        _ = try test.waitUntilValidated(id)
        return id
    }

    static func jsonLines(_ response: HTTPClientResponse) throws -> [[String: Any]] {
        try response.text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    static func messages(_ object: [String: Any]) throws -> [(role: String, content: String)] {
        #expect(Array(object.keys) == ["messages"], "nothing but messages")
        return try #require(object["messages"] as? [[String: String]]).map {
            #expect(Set($0.keys) == ["role", "content"])
            return ($0["role"]!, $0["content"]!)
        }
    }

    static func same(_ a: [(role: String, content: String)], _ b: [(role: String, content: String)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.role == $1.role && Array($0.content.utf8) == Array($1.content.utf8) }
    }

    @Test func openaiIsTheDefaultAndMatchesThePlainDownloadByteForByte() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.uploadDataset(test)
        let export = try test.get("/datasets/\(id)/export")
        #expect(export.status == 200)
        #expect(export.headers["Content-Type"] == "application/jsonl; charset=utf-8")
        #expect(export.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id).jsonl\"")
        #expect(export.body == (try test.get("/datasets/\(id)/download")).body)
        let rows = try Self.jsonLines(export)
        #expect(rows.count == Self.lines.count)
        for (row, expected) in zip(rows, Self.expected) { #expect(Self.same(try Self.messages(row), expected)) }
        // The escapes of the upload are kept as written, not re-encoded.
        #expect(export.text.contains(#""content":"a,b\nc\r\nd \u00e9t\u00e9 日本 😀 \ud83d\ude00 \\ \/""#))
    }

    @Test func jsonIsOneArrayOfTheMessagesObjects() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.uploadDataset(test)
        let export = try test.get("/datasets/\(id)/export?format=json")
        #expect(export.status == 200)
        #expect(export.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(export.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id).json\"")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(export.body)) as? [[String: Any]])
        #expect(array.count == Self.lines.count)
        for (row, expected) in zip(array, Self.expected) { #expect(Self.same(try Self.messages(row), expected)) }
    }

    @Test func sharegptMapsRolesToFromAndValue() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.uploadDataset(test)
        let export = try test.get("/datasets/\(id)/export?format=sharegpt")
        #expect(export.status == 200)
        #expect(export.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id)-sharegpt.jsonl\"")
        let rows = try Self.jsonLines(export)
        #expect(rows.count == Self.lines.count)
        let names = ["system": "system", "user": "human", "assistant": "gpt"]
        for (row, expected) in zip(rows, Self.expected) {
            #expect(Array(row.keys) == ["conversations"])
            let turns = try #require(row["conversations"] as? [[String: String]]).map { ($0["from"]!, $0["value"]!) }
            #expect(Self.same(turns, expected.map { (names[$0.role]!, $0.content) }))
        }
    }

    @Test func alpacaPutsEarlierTurnsInHistory() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.uploadDataset(test)
        let export = try test.get("/datasets/\(id)/export?format=alpaca")
        #expect(export.status == 200)
        #expect(export.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id)-alpaca.jsonl\"")
        let rows = try Self.jsonLines(export)
        #expect(rows.count == Self.lines.count)
        for (row, expected) in zip(rows, Self.expected) {
            #expect(Set(row.keys) == ["instruction", "input", "output", "system", "history"])
            #expect(row["system"] as? String == expected[0].content)
            #expect(row["input"] as? String == "")
            let turns = Array(expected.dropFirst())
            #expect((row["instruction"] as? String).map { Array($0.utf8) } == Array(turns[turns.count - 2].content.utf8))
            #expect((row["output"] as? String).map { Array($0.utf8) } == Array(turns[turns.count - 1].content.utf8))
            let history = try #require(row["history"] as? [[String]])
            let expectedHistory = stride(from: 0, to: turns.count - 2, by: 2).map { [turns[$0].content, turns[$0 + 1].content] }
            #expect(history == expectedHistory)
        }
        #expect((rows.last?["history"] as? [[String]]) == [["u1", "a1"], ["u2", "a2"]])
    }

    @Test func csvParsesBackWithPythonsCSVModule() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.uploadDataset(test)
        let export = try test.get("/datasets/\(id)/export?format=csv")
        #expect(export.status == 200)
        #expect(export.headers["Content-Type"] == "text/csv; charset=utf-8")
        #expect(export.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id).csv\"")
        // Python's csv module (RFC 4180 dialect) reads the file back.
        let records = try DatasetSplitExportTests.csvRecords(export.body, directory: test.directory)
        #expect(records.first == ["split", "system", "user", "assistant", "messages"])
        #expect(records.count == Self.lines.count + 1)
        for (record, expected) in zip(records.dropFirst(), Self.expected) {
            #expect(record.count == 5)
            #expect(record[0] == "", "no split yet")
            if expected.count == 3 {
                #expect(record.map { Array($0.utf8) } == ["", expected[0].content, expected[1].content, expected[2].content, ""].map { Array($0.utf8) })
            } else {
                #expect(record[1...3] == ["", "", ""])
                let array = try #require(try JSONSerialization.jsonObject(with: Data(record[4].utf8)) as? [[String: String]])
                #expect(Self.same(array.map { ($0["role"]!, $0["content"]!) }, expected))
            }
        }
    }

    @Test func anUnknownFormatIs400NamingTheParameterAndSeedsHaveNoExport() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try Self.uploadDataset(test)
        let bad = try test.get("/datasets/\(id)/export?format=parquet")
        #expect(bad.status == 400)
        #expect(bad.text.contains("format"))
        #expect(bad.text.contains("parquet"))

        let page = try test.get("/datasets/\(id)")
        #expect(page.text.contains("<h2>Export</h2>"))
        for format in ["openai", "json", "csv", "sharegpt", "alpaca", "bundle"] {
            #expect(page.text.contains("href=\"/datasets/\(id)/export?format=\(format)\""), "\(format) in the Export menu")
        }
        let twin = try test.json("/api/datasets/\(id)")
        #expect((twin["exports"] as? [[String: Any]])?.compactMap { $0["url"] as? String }.count == 6)

        let seedsID = try test.uploadRaw(Array("{\"input\":\"Write a tagline\"}\n".utf8), name: "Seeds", mode: "seeds",
                                         skillPrompt: "You write taglines.")
        _ = try test.waitUntilValidated(seedsID)
        let seedsPage = try test.get("/datasets/\(seedsID)")
        #expect(seedsPage.status == 200)
        #expect(!seedsPage.text.contains("<h2>Export</h2>"))
        #expect(!seedsPage.text.contains("/export?format="))
        #expect(try test.get("/datasets/\(seedsID)/export").status == 409)
    }

    @Test func alpacaIsOfferedOnlyWhenRolesAlternate() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        var lines = Fixtures.chatLines(120)
        lines[4] = #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a"}]}"#
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "Uneven")
        _ = try test.waitUntilValidated(id)
        let refused = try test.get("/datasets/\(id)/export?format=alpaca")
        #expect(refused.status == 409)
        #expect(refused.text.contains("lines 5"))
        #expect(!(try test.get("/datasets/\(id)")).text.contains("href=\"/datasets/\(id)/export?format=alpaca\""))
        #expect(try test.get("/datasets/\(id)/export?format=sharegpt").status == 200)
    }

    @Test func exportCommandWritesEachFormatAndRefusesBadInput() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/chat.jsonl"
        try Data(Fixtures.jsonl(Self.lines)).write(to: URL(fileURLWithPath: input))
        for format in ["openai", "json", "csv", "sharegpt", "alpaca"] {
            let out = directory + "/out.\(format)"
            let run = try DistilleryBinary.run(["export", input, "--format", format, "--out", out])
            #expect(run.status == 0, "\(format): \(run.err)")
            #expect(run.out.contains("Wrote \(Self.lines.count) rows as \(format)"))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            switch format {
            case "json":
                let array = try #require(try JSONSerialization.jsonObject(with: bytes) as? [[String: Any]])
                #expect(array.count == Self.lines.count)
                #expect(Self.same(try Self.messages(array[126]), Self.expected[126]))
            case "csv":
                #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("split,system,user,assistant,messages\r\n"))
            default:
                let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
                #expect(lines.count == Self.lines.count)
            }
        }
        // The CLI's openai file equals the server's export of the same upload.
        let openai = try Data(contentsOf: URL(fileURLWithPath: directory + "/out.openai"))
        #expect(String(decoding: openai, as: UTF8.self).split(separator: "\n").last
            == #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"},{"role":"assistant","content":"a2"},{"role":"user","content":"u3"},{"role":"assistant","content":"a3"}]}"#)

        let bad = directory + "/bad.jsonl"
        var badLines = Fixtures.chatLines(3)
        badLines[1] = #"{"messages":[{"role":"user","content":"no system"},{"role":"assistant","content":"x"}]}"#
        try Data(Fixtures.jsonl(badLines)).write(to: URL(fileURLWithPath: bad))
        let refused = try DistilleryBinary.run(["export", bad, "--format", "csv", "--out", directory + "/never.csv"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("messages[0].role"), "names the field: \(refused.err)")
        #expect(refused.err.contains("nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/never.csv"))

        let unknown = try DistilleryBinary.run(["export", input, "--format", "xml", "--out", directory + "/x"])
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("--format"))
        #expect(unknown.err.contains("xml"))

        let missing = try DistilleryBinary.run(["export", directory + "/absent.jsonl", "--out", directory + "/x"])
        #expect(missing.status == 2)
        #expect(missing.err.contains("absent.jsonl"))
    }
}
