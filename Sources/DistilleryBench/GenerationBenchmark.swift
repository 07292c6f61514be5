import ArgumentParser
import DistilleryCore
import DistilleryStorage
import Foundation

/// `distillery-bench generate`: issue 10's "must show". A `qa` generation task of 10,000 items over 12 strata runs in
/// the real server (`POST /api/generations`) against `GenerationFakeTeacher`, which duplicates 10% of its items and
/// garbles 3% of its answers. The benchmark then checks the output dataset itself — rows per stratum from each row's
/// metadata, exact and near duplicate questions — rather than trusting the task's report, and prints the wall time
/// against the floor the calls actually made allow, and the server's peak RSS.
struct GenerationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "10,000 qa items over 12 strata, 5 per call, 10% duplicated and 3% malformed, 200 ms, 64 in flight.")

    @Option(help: "The distillery executable.")
    var binary = FileManager.default.currentDirectoryPath + "/.build/release/distillery"

    @Option(help: "Items asked for in all.")
    var count = 10_000

    @Option(help: "Items per call.")
    var itemsPerCall = 5

    @Option(help: "The teacher's latency per call, in milliseconds.")
    var latencyMs = 200

    @Option(help: "Calls in flight at once.")
    var inFlight = 64

    @Flag(help: "Declare the teacher able to take response_format json_schema (the item count then comes from minItems).")
    var structuredOutput = false

    /// Two weighted variables whose product gives 12 strata with weights from 0.022 to 0.29 (summing to 1); most
    /// quotas are not whole numbers of items, so the largest-remainder split matters.
    static let variables: [(name: String, values: [(value: String, weight: Double)])] = [
        ("topic", [("billing", 0.5), ("outages", 0.2), ("onboarding", 0.17), ("security", 0.13)]),
        ("difficulty", [("easy", 0.583), ("medium", 0.25), ("hard", 0.167)]),
    ]

    func run() throws {
        let directory = NSTemporaryDirectory() + "distillery-bench-generate-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try BenchServer(binary: binary, directory: directory)
        let teacher = try GenerationFakeTeacher(.init(latencyMs: latencyMs))
        let template = try TemplateStore(database: server.database).create(
            TemplateDraft(
                name: "Support questions", type: .qa, systemPrompt: "You are a support agent.",
                prompt: "Write {count} questions a customer could ask about {topic}, at {difficulty} difficulty, each with its answer."),
            by: nil)
        try server.start()

        let started = Date()
        let created = try server.send("POST", "/api/generations", body: try request(templateID: template.id, teacher: teacher))
        let job = try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any] ?? [:]
        guard created.status == 201, let jobID = Self.jobID(job) else {
            throw BenchFailure("POST /api/generations answered \(created.status): \(String(decoding: created.body, as: UTF8.self))")
        }
        // The task's end is watched in the database (as the server's own readers do), not through its report, so
        // that building reports many times a second does not take the server's CPU from the task it measures.
        let status = { try server.database.read { try $0.scalar("SELECT status FROM generation_jobs WHERE job_id = ?", .integer(jobID))?.stringValue } }
        while !Self.finishedStatuses.contains(try status() ?? "") { Thread.sleep(forTimeInterval: 0.005) }
        let ended = Date()
        let seconds = ended.timeIntervalSince(started)
        let peakKB = server.peakRSSKB()
        let report = try server.api("GET", "/api/generations/\(jobID)")

        guard let datasetID = Self.datasetID(report) else {
            throw BenchFailure("the task ended \(report["status"] ?? "?") without a dataset: \(report)")
        }
        let download = try server.send("GET", "/datasets/\(datasetID)/metadata.jsonl")
        guard download.status == 200 else { throw BenchFailure("metadata.jsonl answered \(download.status)") }
        server.stop()
        let output = try OutputRows(jsonl: download.body, variableNames: Self.variables.map(\.name))
        print(describe(report: report, output: output, teacher: teacher.tally, seconds: seconds, wire: teacher.wireSeconds, peakKB: peakKB))
        print(Self.whereTheTimeGoes(teacher.tally, started: started.timeIntervalSince1970, ended: ended.timeIntervalSince1970, latencyMs: latencyMs))
    }

    private func request(templateID: Int64, teacher: GenerationFakeTeacher) throws -> [UInt8] {
        var variables: [String: Any] = [:]
        for variable in Self.variables {
            variables[variable.name] = variable.values.map { ["value": $0.value, "weight": $0.weight] }
        }
        let body: [String: Any] = [
            "template_id": templateID, "name": "Support questions (bench)", "count": count, "items_per_call": itemsPerCall,
            "variables": variables, "api_key": "sk-bench",
            "teacher": [
                "provider": "openai-compatible", "custom_model": "fake-teacher", "base_url": teacher.apiBaseURL,
                "max_in_flight": "\(inFlight)", "supports_structured_output": structuredOutput ? "true" : "false",
            ],
        ]
        return Array(try JSONSerialization.data(withJSONObject: body))
    }

    static func jobID(_ answer: [String: Any]) -> Int64? {
        for candidate in [answer["jobID"], answer["job_id"], answer["id"], (answer["job"] as? [String: Any])?["id"]] {
            if let id = (candidate as? NSNumber)?.int64Value { return id }
        }
        return nil
    }

    /// The output dataset's id, once the task has stored it.
    static func datasetID(_ report: [String: Any]) -> Int64? {
        ((report["datasetID"] ?? report["dataset_id"]) as? NSNumber)?.int64Value
    }

    static let finishedStatuses: Set<String> = ["completed", "completed_with_shortfall", "failed", "cancelled"]

    /// The stratum's weight as the benchmark declared it: the product of its values' weights.
    static func weight(of values: [String: String]) -> Double {
        variables.reduce(1) { product, variable in
            product * (variable.values.first { $0.value == values[variable.name] }?.weight ?? 0)
        }
    }

    private func describe(
        report: [String: Any], output: OutputRows, teacher: GenerationFakeTeacher.Tally, seconds: Double, wire: Double, peakKB: Int?
    ) -> String {
        let strata = (report["strata"] as? [[String: Any]]) ?? []
        func int(_ object: [String: Any], _ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        var lines = [
            "\(count) qa items over \(strata.count) strata, \(itemsPerCall) per call, \(latencyMs) ms, \(inFlight) in flight: task \(report["status"] ?? "?")",
            "  stratum                                   weight  target  accepted  dup dropped  unparseable  surplus  shortfall  rows out",
        ]
        var atQuota = 0
        var targetsMatchWeights = true
        var targetSum = 0
        for stratum in strata {
            let values = (stratum["values"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
            let target = int(stratum, "target")
            let weight = Self.weight(of: values)
            let rows = output.rowsByStratum[OutputRows.key(values, Self.variables.map(\.name))] ?? 0
            targetSum += target
            if abs(Double(target) - weight * Double(count)) >= 1 { targetsMatchWeights = false }
            if rows == target { atQuota += 1 }
            let label = (stratum["label"] as? String ?? "?").padding(toLength: 40, withPad: " ", startingAt: 0)
            lines.append(
                "  \(label)  \(format(weight, digits: 4))  \(pad(target, 6))  \(pad(int(stratum, "accepted"), 8))  \(pad(int(stratum, "duplicates"), 11))  "
                    + "\(pad(int(stratum, "unparseable"), 11))  \(pad(int(stratum, "surplus"), 7))  \(pad(int(stratum, "shortfall"), 9))  \(pad(rows, 8))")
        }
        let totals = report["totals"] as? [String: Any] ?? [:]
        lines.append(
            "  " + "total".padding(toLength: 40, withPad: " ", startingAt: 0) + "  1.0000  \(pad(int(totals, "target"), 6))  \(pad(int(totals, "accepted"), 8))  "
                + "\(pad(int(totals, "duplicates"), 11))  \(pad(int(totals, "unparseable"), 11))  \(pad(int(totals, "surplus"), 7))  "
                + "\(pad(int(totals, "shortfall"), 9))  \(pad(output.rows, 8))")
        let minimumCalls = (count + itemsPerCall - 1) / itemsPerCall
        let floor = Double((teacher.calls + inFlight - 1) / inFlight) * Double(latencyMs) / 1000
        lines += [
            "  checks by the benchmark on the output dataset (\(output.rows) rows, metadata.jsonl):",
            "    strata exactly at quota: \(atQuota) of \(strata.count); targets sum to \(targetSum) (asked \(count)), each within 1 of weight × count: \(targetsMatchWeights)",
            "    rows without their stratum's values in the metadata: \(output.rowsWithoutStratum)",
            "    duplicate rows: \(output.exactDuplicateRows) exact after normalisation (target 0); near-duplicate groups (MinHash, Jaccard ≥ 0.8) with > 1 row: \(output.nearDuplicateGroups) (target 0)",
            "  teacher: \(teacher.calls) calls (minimum \(minimumCalls); \(teacher.callsWithSchema) with a json_schema) asking for \(teacher.itemsAsked) items; \(teacher.malformedAnswers) malformed answers; "
                + "\(teacher.exactCopiesSent) exact and \(teacher.nearCopiesSent) near copies in \(teacher.itemsSent) items of well-formed answers; at most \(teacher.maxInFlight) in flight",
            "  wall time (POST to the task's end, output dataset stored): \(format(seconds, digits: 2)) s; floor ceil(\(teacher.calls) calls / \(inFlight)) × \(latencyMs) ms = "
                + "\(format(floor, digits: 2)) s; ratio \(format(seconds / floor, digits: 3))× (target ≤ 1.15×); teacher's first request to last answer \(format(wire, digits: 2)) s",
            "  server peak RSS: \(peakKB.map { "\($0 / 1024) MiB" } ?? "unknown") (target < 100 MB)",
        ]
        return lines.joined(separator: "\n")
    }

    /// Before the first call, after the last answer, and the calls in flight over the last seconds (a tail of
    /// top-ups and retries shows as rounds of few calls).
    static func whereTheTimeGoes(_ tally: GenerationFakeTeacher.Tally, started: Double, ended: Double, latencyMs: Int) -> String {
        guard let first = tally.firstReceived, let last = tally.lastAnswered else { return "  no calls" }
        let latency = Double(latencyMs) / 1000
        var tail: [String] = []
        var t = max(first, last - 8 * latency)
        while t < last {
            tail.append(String(tally.received.filter { $0 <= t }.count - tally.answered.filter { $0 <= t }.count))
            t += latency / 2
        }
        return "  where the time goes: POST to the first call \(format((first - started) * 1000, digits: 0)) ms; last answer to the task's end "
            + "\(format((ended - last) * 1000, digits: 0)) ms; calls in flight every \(latencyMs / 2) ms over the last \(8 * latencyMs) ms: \(tail.joined(separator: " "))"
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// The output dataset as its `metadata.jsonl` download has it: rows per stratum (from each row's metadata), and the
/// duplicates among its questions (the user turns), exact after normalisation and near by `NearDuplicateGrouping`.
struct OutputRows {
    var rows = 0
    var rowsByStratum: [String: Int] = [:]
    var rowsWithoutStratum = 0
    var exactDuplicateRows = 0
    var nearDuplicateGroups = 0

    init(jsonl: [UInt8], variableNames: [String]) throws {
        var questions: [String] = []
        for line in jsonl.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let entry = try SynthesisJSON.parse(Array(line))
            rows += 1
            let messages = entry["row"]?["messages"]?.arrayValue ?? []
            questions.append(messages.first { $0["role"]?.stringValue == "user" }?["content"]?.stringValue ?? "")
            let values = Self.values(in: entry["metadata"], names: variableNames)
            if values.count == variableNames.count {
                rowsByStratum[Self.key(values, variableNames), default: 0] += 1
            } else {
                rowsWithoutStratum += 1
            }
        }
        exactDuplicateRows = questions.count - Set(questions.map(NearDuplicateText.normalized)).count
        let grouping = NearDuplicateGrouping(texts: questions)
        var members = [Int](repeating: 0, count: grouping.groupCount)
        for group in grouping.groupOfRow { members[group] += 1 }
        nearDuplicateGroups = members.filter { $0 > 1 }.count
    }

    static func key(_ values: [String: String], _ names: [String]) -> String {
        names.map { "\($0)=\(values[$0] ?? "")" }.joined(separator: " · ")
    }

    /// The variables' values in a row's metadata: at its top level or in a nested object (e.g. `variables`).
    private static func values(in metadata: SynthesisJSON?, names: [String]) -> [String: String] {
        guard case .object(let fields) = metadata else { return [:] }
        var found: [String: String] = [:]
        for (key, value) in fields {
            if names.contains(key), let text = value.stringValue { found[key] = text }
            if case .object = value { found.merge(values(in: value, names: names)) { current, _ in current } }
        }
        return found
    }
}
