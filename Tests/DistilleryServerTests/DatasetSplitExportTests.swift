import DistilleryCore
import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing
import ZIPFoundation

/// `&split=` on GET /datasets/{id}/export, the CSV split column and the trainer bundle, from a real split
/// dataset. Which rows are in which split comes from the rows API; every expected text from the uploaded lines.
@Suite(.serialized)
struct DatasetSplitExportTests {
    typealias Messages = [(role: String, content: String)]

    /// The export suite's 130 lines (escapes, commas, quotes, multi-turn), split 80/10/10 with seed 7.
    static func splitDataset(_ test: TestApp) throws -> (id: Int64, lineSplits: [Int: String]) {
        let id = try DatasetExportTests.uploadDataset(test)
        let response = try test.request(
            "PUT", "/api/datasets/\(id)/split", headers: [("Content-Type", "application/json")],
            body: .bytes(Array(#"{"train":0.8,"validation":0.1,"test":0.1,"seed":7}"#.utf8)))
        #expect(response.status == 200)
        let items = try #require(try test.json("/api/datasets/\(id)/rows?per_page=500")["items"] as? [[String: Any]])
        var lineSplits: [Int: String] = [:]
        for item in items { lineSplits[try #require(item["line"] as? Int)] = try #require(item["split"] as? String) }
        #expect(lineSplits.count == DatasetExportTests.lines.count)
        return (id, lineSplits)
    }

    /// The uploaded rows of one split, in upload order.
    static func expected(in split: String, _ lineSplits: [Int: String]) -> [Messages] {
        DatasetExportTests.expected.enumerated().filter { lineSplits[$0.offset + 1] == split }.map(\.element)
    }

    static func sameRows(_ got: [Messages], _ want: [Messages]) -> Bool {
        got.count == want.count && zip(got, want).allSatisfy { DatasetExportTests.same($0, $1) }
    }

    /// Each exported row's messages, read back by an independent parser per format.
    static func rows(of format: String, _ response: HTTPClientResponse, directory: String) throws -> [Messages] {
        switch format {
        case "openai":
            return try DatasetExportTests.jsonLines(response).map(DatasetExportTests.messages)
        case "json":
            let array = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
            return try array.map(DatasetExportTests.messages)
        case "sharegpt":
            let roles = ["system": "system", "human": "user", "gpt": "assistant"]
            return try DatasetExportTests.jsonLines(response).map { row in
                try #require(row["conversations"] as? [[String: String]]).map { (roles[$0["from"]!]!, $0["value"]!) }
            }
        case "alpaca":
            return try DatasetExportTests.jsonLines(response).map { row in
                var messages: Messages = []
                if let system = row["system"] as? String, !system.isEmpty { messages.append(("system", system)) }
                for pair in try #require(row["history"] as? [[String]]) { messages += [("user", pair[0]), ("assistant", pair[1])] }
                return messages + [("user", row["instruction"] as! String), ("assistant", row["output"] as! String)]
            }
        case "csv":
            return try csvRecords(response.body, directory: directory).dropFirst().map(csvMessages)
        default:
            throw TestFailure("no reader for \(format)")
        }
    }

    /// The CSV as records, parsed by Python's csv module (RFC 4180), not by our code.
    static func csvRecords(_ body: [UInt8], directory: String) throws -> [[String]] {
        let path = directory + "/export-\(UUID().uuidString).csv"
        try Data(body).write(to: URL(fileURLWithPath: path))
        let script = "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n    print(json.dumps(list(csv.reader(f, strict=True))))"
        let output = try runPython(["-c", script, path])
        return try #require(try JSONSerialization.jsonObject(with: output) as? [[String]])
    }

    static func csvMessages(_ record: [String]) throws -> Messages {
        if record[4].isEmpty { return [("system", record[1]), ("user", record[2]), ("assistant", record[3])] }
        let array = try #require(try JSONSerialization.jsonObject(with: Data(record[4].utf8)) as? [[String: String]])
        return array.map { ($0["role"]!, $0["content"]!) }
    }

    static func runPython(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("python3 \(arguments) exited \(process.terminationStatus)") }
        return data
    }

    @Test func eachFormatWithSplitHoldsExactlyThatSplitsRows() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let (id, lineSplits) = try Self.splitDataset(test)
        for split in ["train", "validation", "test"] {
            let want = Self.expected(in: split, lineSplits)
            #expect(!want.isEmpty)
            for format in ["openai", "json", "csv", "sharegpt", "alpaca"] {
                let response = try test.get("/datasets/\(id)/export?format=\(format)&split=\(split)")
                #expect(response.status == 200, "\(format) \(split)")
                let suffix = ExportFormat(rawValue: format)!.filenameSuffix
                #expect(response.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id)-\(split)\(suffix)\"")
                let got = try Self.rows(of: format, response, directory: test.directory)
                #expect(Self.sameRows(got, want), "\(format) \(split): \(got.count) rows, \(want.count) expected")
            }
            let csv = try Self.csvRecords(try test.get("/datasets/\(id)/export?format=csv&split=\(split)").body, directory: test.directory)
            #expect(csv.dropFirst().allSatisfy { $0[0] == split })
        }
    }

    @Test func csvRowsCarryTheirSplit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let (id, lineSplits) = try Self.splitDataset(test)
        let records = try Self.csvRecords(try test.get("/datasets/\(id)/export?format=csv").body, directory: test.directory)
        #expect(records.count == DatasetExportTests.lines.count + 1)
        for (line, record) in zip(1..., records.dropFirst()) {
            #expect(record[0] == lineSplits[line], "line \(line)")
        }
        #expect(Set(records.dropFirst().map { $0[0] }) == ["train", "validation", "test"])
    }

    @Test func badSplitOrFormatIs400AndASplitOfAnUnsplitDatasetIs409() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try DatasetExportTests.uploadDataset(test)
        let unknown = try test.get("/datasets/\(id)/export?format=openai&split=holdout")
        #expect(unknown.status == 400)
        #expect(unknown.text.contains("split"))
        #expect(unknown.text.contains("train, validation, test"))
        #expect(unknown.text.contains("holdout"))
        let badFormat = try test.get("/datasets/\(id)/export?format=parquet&split=train")
        #expect(badFormat.status == 400)
        #expect(badFormat.text.contains("bundle"), "the allowed formats include the bundle: \(badFormat.text)")
        let bundleOfOneSplit = try test.get("/datasets/\(id)/export?format=bundle&split=train")
        #expect(bundleOfOneSplit.status == 400)
        #expect(bundleOfOneSplit.text.contains("split"))
        let notSplit = try test.get("/datasets/\(id)/export?format=csv&split=test")
        #expect(notSplit.status == 409)
        #expect(notSplit.text.contains("not split"))
        // Unsplit: the CSV split column is empty, and the page offers no per-split menu.
        let records = try Self.csvRecords(try test.get("/datasets/\(id)/export?format=csv").body, directory: test.directory)
        #expect(records.dropFirst().allSatisfy { $0[0].isEmpty })
        #expect(!(try test.get("/datasets/\(id)")).text.contains("&amp;split="))
    }

    @Test func theExportMenuOffersEveryFormatPerSplit() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let (id, _) = try Self.splitDataset(test)
        let page = try test.get("/datasets/\(id)").text
        #expect(page.contains("href=\"/datasets/\(id)/export?format=bundle\""))
        for split in ["train", "validation", "test"] {
            for format in ["openai", "json", "csv", "sharegpt", "alpaca"] {
                #expect(page.contains("href=\"/datasets/\(id)/export?format=\(format)&amp;split=\(split)\""), "\(format) \(split)")
            }
            #expect(!page.contains("format=bundle&amp;split=\(split)"))
        }
        let twin = try test.json("/api/datasets/\(id)")
        let perSplit = try #require(twin["splitExports"] as? [[String: Any]])
        #expect(perSplit.compactMap { $0["split"] as? String } == ["train", "validation", "test"])
        #expect(perSplit.allSatisfy { ($0["links"] as? [[String: Any]])?.count == 5 })
    }

    /// The bundle's entries by name, read back with ZIPFoundation.
    static func bundleEntries(_ zip: [UInt8], directory: String) throws -> [String: [UInt8]] {
        let path = directory + "/read-\(UUID().uuidString).zip"
        try Data(zip).write(to: URL(fileURLWithPath: path))
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var entries: [String: [UInt8]] = [:]
        for entry in archive {
            var bytes: [UInt8] = []
            _ = try archive.extract(entry) { bytes += $0 }
            entries[entry.path] = bytes
        }
        return entries
    }

    static func jsonObject(_ bytes: [UInt8]?) throws -> [String: Any] {
        let data = Data(try #require(bytes))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The YAML parsed by PyYAML, as JSON.
    static func yaml(_ bytes: [UInt8]?, directory: String) throws -> Any {
        let path = directory + "/config-\(UUID().uuidString).yaml"
        try Data(try #require(bytes)).write(to: URL(fileURLWithPath: path))
        let output = try runPython(["-c", "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path])
        return try JSONSerialization.jsonObject(with: output)
    }

    @Test func theBundleHoldsEachSplitAndConfigsThatNameTheirFiles() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let (id, lineSplits) = try Self.splitDataset(test)
        let response = try test.get("/datasets/\(id)/export?format=bundle")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/zip")
        #expect(response.headers["Content-Disposition"] == "attachment; filename=\"Export-me-\(id)-bundle.zip\"")
        let entries = try Self.bundleEntries(response.body, directory: test.directory)
        #expect(Set(entries.keys) == [
            "train.jsonl", "validation.jsonl", "test.jsonl", "dataset_info.json", "axolotl.yaml", "README.md", "provenance.json",
        ])
        let splits = ["train", "validation", "test"]
        var counts: [String: Int] = [:]
        for split in splits {
            let lines = String(decoding: try #require(entries["\(split).jsonl"]), as: UTF8.self).split(separator: "\n")
            let got = try lines.map { line in
                try DatasetExportTests.messages(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
            }
            #expect(Self.sameRows(got, Self.expected(in: split, lineSplits)), "\(split)")
            counts[split] = got.count
        }
        // The escapes of the upload are kept as written.
        let all = splits.map { String(decoding: entries["\($0).jsonl"]!, as: UTF8.self) }.joined()
        #expect(all.contains(#""content":"a,b\nc\r\nd \u00e9t\u00e9 日本 😀 \ud83d\ude00 \\ \/""#))

        let info = try Self.jsonObject(entries["dataset_info.json"])
        #expect(info.count == 3)
        for split in splits {
            let entry = try #require(info["export_me_\(split)"] as? [String: Any])
            #expect(entry["file_name"] as? String == "\(split).jsonl")
            #expect(entry["formatting"] as? String == "sharegpt")
            #expect(entry["columns"] as? [String: String] == ["messages": "messages"])
            #expect(entry["tags"] as? [String: String] == [
                "role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant", "system_tag": "system",
            ])
        }

        let axolotl = try #require(try Self.yaml(entries["axolotl.yaml"], directory: test.directory) as? [String: Any])
        let trainEntries = try #require(axolotl["datasets"] as? [[String: Any]])
        let evalEntries = try #require(axolotl["test_datasets"] as? [[String: Any]])
        #expect(trainEntries.compactMap { $0["path"] as? String } == ["train.jsonl"])
        #expect(evalEntries.compactMap { $0["path"] as? String } == ["validation.jsonl", "test.jsonl"])
        for entry in trainEntries + evalEntries {
            #expect(entry["type"] as? String == "chat_template")
            #expect(entry["field_messages"] as? String == "messages")
            #expect(entry["message_property_mappings"] as? [String: String] == ["role": "role", "content": "content"])
            #expect(entry["roles_to_train"] as? [String] == ["assistant"])
        }

        let card = String(decoding: try #require(entries["README.md"]), as: UTF8.self)
        #expect(card.hasPrefix("---\n"))
        let frontMatter = card.dropFirst(4).components(separatedBy: "\n---\n")[0]
        let configs = try #require(try Self.yaml(Array(frontMatter.utf8), directory: test.directory) as? [String: Any])
        #expect((configs["configs"] as? [[String: Any]])?.first?["data_files"] as? [[String: String]] == splits.map {
            ["split": $0, "path": "\($0).jsonl"]
        })
        #expect(card.contains("# Export me"))

        let provenance = try Self.jsonObject(entries["provenance.json"])
        #expect(provenance["rows"] as? [String: Int] == counts)
        #expect(provenance["dataset_id"] as? Int64 == id)
        #expect(((provenance["split"] as? [String: Any])?["leakage"] as? [String: Any])?["cross_split_pairs"] as? Int == 0)
        #expect(provenance["distillery_version"] as? String == DistilleryVersion.current)
        #expect((provenance["created_at"] as? String)?.hasSuffix("Z") == true)
        #expect(entries["recipe.json"] == nil, "an upload has no recipe")
        // Nothing is left behind in the spool folder.
        let spool = try FileManager.default.contentsOfDirectory(atPath: test.directory + "/tmp")
        #expect(spool.allSatisfy { !$0.hasPrefix("bundle") }, "\(spool)")
    }

    @Test func anUnsplitDatasetsBundleHasEveryRowInTrain() throws {
        let test = try TestApp()
        defer { test.removeFiles() }
        let id = try DatasetExportTests.uploadDataset(test)
        let entries = try Self.bundleEntries(try test.get("/datasets/\(id)/export?format=bundle").body, directory: test.directory)
        #expect(Set(entries.keys) == ["train.jsonl", "dataset_info.json", "axolotl.yaml", "README.md", "provenance.json"])
        let lines = String(decoding: try #require(entries["train.jsonl"]), as: UTF8.self).split(separator: "\n")
        #expect(lines.map(String.init) == (try test.get("/datasets/\(id)/download")).text.split(separator: "\n").map(String.init))
        #expect(lines.count == DatasetExportTests.lines.count)
        #expect(try Self.jsonObject(entries["dataset_info.json"]).keys.sorted() == ["export_me_train"])
        let provenance = try Self.jsonObject(entries["provenance.json"])
        #expect(provenance["split"] is NSNull)
        #expect(provenance["rows"] as? [String: Int] == ["train": DatasetExportTests.lines.count, "validation": 0, "test": 0])
        let axolotl = try #require(try Self.yaml(entries["axolotl.yaml"], directory: test.directory) as? [String: Any])
        #expect(axolotl["test_datasets"] == nil)
    }

    @Test func aSynthesizedBundleHasItsRecipeTeacherAndCostButNoKey() throws {
        let teacher = try FakeTeacherProcess(["--api-key", SynthesisTests.teacherKey, "--latency-ms", "5"])
        let test = try TestApp()
        defer { test.removeFiles() }
        let parent = try test.uploadRaw(SynthesisTests.seeds(110), name: "taglines", mode: "seeds", skillPrompt: SynthesisTests.skill)
        _ = try test.waitUntilValidated(parent)
        let jobID = try SynthesisTests.jobID(try SynthesisTests.start(test, dataset: parent, teacher: teacher))
        let job = try SynthesisTests.waitForJob(test, jobID)
        let childID = try #require((job["childDatasetID"] as? NSNumber)?.int64Value)

        let response = try test.get("/datasets/\(childID)/export?format=bundle")
        #expect(response.status == 200)
        #expect(!response.body.contains(subsequence: Array(SynthesisTests.teacherKey.utf8)), "no key in the archive bytes")
        let entries = try Self.bundleEntries(response.body, directory: test.directory)
        for (name, bytes) in entries {
            #expect(!bytes.contains(subsequence: Array(SynthesisTests.teacherKey.utf8)), "no key in \(name)")
            #expect(!String(decoding: bytes, as: UTF8.self).contains("keyDescription"), "\(name)")
        }
        let recipe = try Self.jsonObject(entries["recipe.json"])
        #expect(recipe["synthesis_job"] as? Int64 == jobID)
        let settings = try #require(recipe["settings"] as? [String: Any])
        #expect(settings["model"] as? String == "fake-teacher")
        #expect(settings["baseURL"] as? String == teacher.baseURL + "/v1")
        let provenance = try Self.jsonObject(entries["provenance.json"])
        #expect(provenance["teachers"] as? [[String: String]] == [["provider": "openai-compatible", "model": "fake-teacher"]])
        let parents = try #require(provenance["parents"] as? [[String: Any]])
        #expect(parents.count == 1)
        #expect(parents.first?["id"] as? Int64 == parent)
        #expect(parents.first?["name"] as? String == "taglines")
        #expect(provenance["cost_usd"] is NSNumber)
        let lines = String(decoding: try #require(entries["train.jsonl"]), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 110)
    }

    @Test func exportCommandWritesOneSplitAndTheBundle() throws {
        let directory = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/chat.jsonl"
        try Data(Fixtures.jsonl(DatasetExportTests.lines)).write(to: URL(fileURLWithPath: input))
        let splitOptions = ["--train", "0.8", "--validation", "0.1", "--test", "0.1", "--seed", "3"]

        // `distillery split` with the same options is the reference for which rows go where.
        let reference = try DistilleryBinary.run(["split", input, "--out", directory + "/ref"] + splitOptions)
        #expect(reference.status == 0, "\(reference.err)")
        for split in ["train", "validation", "test"] {
            let out = directory + "/\(split).csv"
            let run = try DistilleryBinary.run(["export", input, "--format", "csv", "--split", split, "--out", out] + splitOptions)
            #expect(run.status == 0, "\(run.err)")
            let records = try Self.csvRecords(Array(try Data(contentsOf: URL(fileURLWithPath: out))), directory: directory)
            let referenceRows = try String(contentsOfFile: directory + "/ref/\(split).jsonl", encoding: .utf8).split(separator: "\n")
            let want = try referenceRows.map { line in
                try DatasetExportTests.messages(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
            }
            #expect(Self.sameRows(try records.dropFirst().map(Self.csvMessages), want), "\(split)")
            #expect(records.dropFirst().allSatisfy { $0[0] == split })
            #expect(run.out.contains("Wrote \(want.count) \(split) rows as csv"))
        }

        let zip = directory + "/bundle.zip"
        let bundle = try DistilleryBinary.run(["export", input, "--format", "bundle", "--out", zip] + splitOptions)
        #expect(bundle.status == 0, "\(bundle.err)")
        let attributes = try FileManager.default.attributesOfItem(atPath: zip)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let entries = try Self.bundleEntries(Array(try Data(contentsOf: URL(fileURLWithPath: zip))), directory: directory)
        for split in ["train", "validation", "test"] {
            #expect(entries["\(split).jsonl"] == Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/ref/\(split).jsonl"))), "\(split)")
        }
        #expect(try Self.jsonObject(entries["dataset_info.json"]).keys.sorted() == ["chat_test", "chat_train", "chat_validation"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).allSatisfy { !$0.hasPrefix("bundle-") })

        let refused = try DistilleryBinary.run(["export", input, "--format", "bundle", "--split", "train", "--out", zip])
        #expect(refused.status == 64)
        #expect(refused.err.contains("--split"))
        let unknown = try DistilleryBinary.run(["export", input, "--split", "holdout", "--out", directory + "/x"])
        #expect(unknown.status == 64)
        #expect(unknown.err.contains("holdout"))
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
