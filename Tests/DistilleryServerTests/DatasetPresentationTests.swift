import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// What a dataset's page and JSON say about a file in the wrong mode, many identical errors, an invalid
/// dataset's download and its warnings.
@Suite(.serialized)
struct DatasetPresentationTests {
    @Test func aChatFileUploadedAsSeedsIsRecognisedOnce() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let chat = Fixtures.jsonl(Fixtures.chatLines(50))
        let refused = try test.request(
            "POST", "/api/datasets?name=wrong&mode=seeds&skill_prompt=Be+brief.", headers: [("Content-Type", "application/jsonl")],
            body: .bytes(chat))
        #expect(refused.status == 422)
        let fields = (try TestApp.object(refused)["error"] as? [String: Any])?["fields"] as? [String: String]
        #expect(fields?["file"] == "This looks like a chat-format file ({\"messages\": [...]} per line); pick Upload (chat format).")
        #expect(try test.json("/api/datasets")["count"] as? Int == 0)  // nothing stored, no 50 missing_input errors

        // The reverse: seeds uploaded as chat.
        let seeds = try test.request(
            "POST", "/api/datasets?name=wrong&mode=chat", headers: [("Content-Type", "application/jsonl")],
            body: .bytes(Fixtures.jsonl(Fixtures.seedLines(5))))
        #expect(seeds.status == 422)
        #expect(seeds.text.contains("pick Seeds + skill prompt"))

        // In the browser form, the sentence appears once, by the file field.
        let page = try DatasetPagesTests().formUpload(
            test, fields: [("name", "wrong"), ("mode", "seeds"), ("skill_prompt", "Be brief.")], file: chat)
        #expect(page.status == 422)
        #expect(page.text.components(separatedBy: "pick Upload (chat format)").count - 1 == 1)
        #expect(!page.text.contains("missing_input"))
    }

    @Test func lineErrorsAreGroupedByCode() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let lines = Fixtures.seedLines(3) + Array(repeating: "{\"prompt\":\"no input key\"}", count: 589) + ["{"]
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "grouped", mode: "seeds", skillPrompt: "Be brief.")
        _ = try test.waitUntilValidated(id)
        let json = try test.json("/api/datasets/\(id)")
        let groups = try #require(json["errorCodeCounts"] as? [[String: Any]])
        #expect(groups.map { $0["text"] as? String } == ["589 × missing_input", "1 × invalid_json"])
        let page = try test.get("/datasets/\(id)").text
        #expect(page.contains("<code>589 × missing_input</code>"))
    }

    @Test func anInvalidDatasetsDownloadSaysItHoldsOnlyTheValidRows() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        // 32 valid rows, 3 broken lines and a CRLF warning: invalid (too few, and line errors).
        var lines = Fixtures.chatLines(32) + ["{", "[1]", "not json"]
        lines[0] += "\r"
        let id = try test.uploadRaw(Fixtures.jsonl(lines), name: "broken")
        _ = try test.waitUntilValidated(id)
        let json = try test.json("/api/datasets/\(id)")
        #expect((json["dataset"] as? [String: Any])?["status"] as? String == "invalid")
        #expect(json["downloadLabel"] as? String == "Download the 32 valid rows")
        #expect((json["downloadDescription"] as? String ?? "").hasPrefix("Only the 32 valid rows"))
        let page = try test.get("/datasets/\(id)").text
        #expect(page.contains(">Download the 32 valid rows</a>"))
        #expect(page.contains("crlf_line_endings"))
        #expect(!page.contains("can still be used"))
        #expect(try test.get("/datasets/\(id)/download").text.split(separator: "\n").count == 32)
    }
}
