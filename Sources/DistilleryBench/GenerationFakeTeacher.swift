import DistilleryCore
import DistilleryPlatform
import Foundation
import Synchronization

/// An in-process OpenAI-compatible teacher for the generation benchmark: it answers a request for N items (N read
/// from `response_format.json_schema`'s `minItems`, else from the prompt's "holding exactly N items") with a JSON
/// object `{"items": [{"question", "answer"}, …]}` after a fixed latency. Some items are deliberate duplicates of
/// items it sent before (exact copies, some with changed case and spacing, or near copies with one word changed) and
/// some answers do not parse (cut JSON, or an item without its answer). Random choices come from one seeded generator,
/// so a run is reproducible up to the order requests arrive in.
///
/// It runs on `HTTPServer` with pending answers, so 64 or 1,000 requests can wait out their latency at once without a
/// thread each. A request without an item count (the pre-flight's timing request) gets a one-word answer.
final class GenerationFakeTeacher: Sendable {
    struct Behaviour: Sendable {
        var latencyMs = 200
        /// Of all items in well-formed answers: copies of an earlier item (exact after normalisation) …
        var exactCopyRate = 0.07
        /// … and near copies (one word changed near the end: word-shingle Jaccard ≈ 0.9).
        var nearCopyRate = 0.03
        /// Of all answers: half cut JSON, half an item without its "answer".
        var malformedRate = 0.03
        var seed: UInt64 = 10
    }

    /// What the teacher did, for the benchmark's own accounting.
    struct Tally: Sendable {
        /// Requests that asked for items, and the items they asked for.
        var calls = 0
        /// Of those, the calls that sent `response_format: json_schema` (the rest spelled the count out in the prompt).
        var callsWithSchema = 0
        var itemsAsked = 0
        var malformedAnswers = 0
        /// Items in well-formed answers, and how many of those were copies.
        var itemsSent = 0
        var exactCopiesSent = 0
        var nearCopiesSent = 0
        /// Other chat requests (the pre-flight's timing request).
        var otherRequests = 0
        var inFlight = 0
        var maxInFlight = 0
        /// Seconds (Unix time) of the first item request received and the last item answer sent.
        var firstReceived: Double?
        var lastAnswered: Double?
        /// When each item request arrived and when its answer left (Unix seconds), in arrival order.
        var received: [Double] = []
        var answered: [Double] = []
    }

    private struct State {
        var random: SeededRandom
        /// Questions and answers sent as originals: what later copies are taken from.
        var originals: [(question: String, answer: String)] = []
        var tally = Tally()
    }

    static let wordsPerQuestion = 40
    private static let vocabulary: [String] = {
        let consonants = Array("bcdfghjklmnprstvz")
        let vowels = Array("aeiou")
        let syllables = consonants.flatMap { consonant in vowels.map { String([consonant, $0]) } }
        return syllables.flatMap { first in syllables.map { first + $0 } }
    }()

    private let behaviour: Behaviour
    private let state: Mutex<State>
    private let server: HTTPServer
    private let spoolDirectory: String

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        state = Mutex(State(random: SeededRandom(seed: behaviour.seed)))
        spoolDirectory = NSTemporaryDirectory() + "distillery-bench-teacher-\(getpid())-\(UUID().uuidString)"
        let box = HandlerBox()
        server = HTTPServer(
            configuration: HTTPServerConfiguration(spoolDirectory: spoolDirectory, port: 0, threadCount: 2, maxConnectionsPerAddress: 4096),
            handler: { box.teacher?.handle($0) ?? HTTPResponse(status: 503) },
            rejectionHandler: { rejection, _ in HTTPResponse(status: rejection.suggestedStatus) })
        box.teacher = self
        try server.start()
    }

    deinit {
        server.stop(timeoutSeconds: 1)
        try? FileManager.default.removeItem(atPath: spoolDirectory)
    }

    /// The OpenAI-style base URL, `…/v1`.
    var apiBaseURL: String { "http://127.0.0.1:\(server.port)/v1" }

    var tally: Tally { state.withLock { $0.tally } }

    /// Seconds from the first item request received to the last item answer sent.
    var wireSeconds: Double {
        let tally = tally
        guard let first = tally.firstReceived, let last = tally.lastAnswered else { return 0 }
        return last - first
    }

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        if request.method == "GET", request.path.hasSuffix("/models") {
            return Self.json(#"{"object":"list","data":[{"id":"fake-teacher","object":"model","created":1700000000,"owned_by":"bench"}]}"#)
        }
        guard request.method == "POST", request.path.hasSuffix("/chat/completions"),
            let payload = try? SynthesisJSON.parse(Self.bodyBytes(request.body))
        else { return HTTPResponse(status: 404) }
        let prompt = payload["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
        let received = Date().timeIntervalSince1970
        let content: String
        if let count = Self.itemCount(payload, prompt: prompt) {
            let withSchema = payload["response_format"]?["type"]?.stringValue == "json_schema"
            content = state.withLock { state in
                state.tally.calls += 1
                if withSchema { state.tally.callsWithSchema += 1 }
                state.tally.itemsAsked += count
                state.tally.inFlight += 1
                state.tally.maxInFlight = max(state.tally.maxInFlight, state.tally.inFlight)
                state.tally.firstReceived = min(state.tally.firstReceived ?? received, received)
                state.tally.received.append(received)
                return answer(count: count, state: &state)
            }
        } else {
            state.withLock { $0.tally.otherRequests += 1 }
            content = "Ready."
        }
        let body = Self.completion(content: content, promptChars: prompt.count)
        let pending = PendingResponse()
        let isItemCall = content != "Ready."
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(behaviour.latencyMs)) { [self] in
            if isItemCall {
                let answered = Date().timeIntervalSince1970
                state.withLock { state in
                    state.tally.inFlight -= 1
                    state.tally.lastAnswered = max(state.tally.lastAnswered ?? answered, answered)
                    state.tally.answered.append(answered)
                }
            }
            pending.fulfil(.success(Self.json(body)))
        }
        return .pending(pending)
    }

    private static func itemCount(_ payload: SynthesisJSON, prompt: String) -> Int? {
        let schema = payload["response_format"]?["json_schema"]?["schema"]
        if let count = schema?["properties"]?["items"]?["minItems"]?.intValue { return count }
        guard let range = prompt.range(of: "holding exactly ") else { return nil }
        return Int(prompt[range.upperBound...].prefix { $0.isNumber })
    }

    /// The answer's content: `count` items, or a malformed answer.
    private func answer(count: Int, state: inout State) -> String {
        if Double.random(in: 0..<1, using: &state.random) < behaviour.malformedRate {
            state.tally.malformedAnswers += 1
            let question = newQuestion(&state.random)
            return state.tally.malformedAnswers.isMultiple(of: 2)
                ? "{\"items\": [{\"question\": \"\(question)\", \"answer\": \"The answer is"
                : Self.itemsObject([(question, nil)] + (1..<max(1, count)).map { _ in (newQuestion(&state.random), "An answer.") })
        }
        var items: [(String, String?)] = []
        for _ in 0..<count {
            let draw = Double.random(in: 0..<1, using: &state.random)
            if !state.originals.isEmpty, draw < behaviour.exactCopyRate + behaviour.nearCopyRate {
                let original = state.originals.randomElement(using: &state.random)!
                if draw < behaviour.exactCopyRate {
                    state.tally.exactCopiesSent += 1
                    // Every other exact copy differs only in case and spacing: equal after normalisation.
                    let question = state.tally.exactCopiesSent.isMultiple(of: 2) ? "  " + original.question.uppercased() + " " : original.question
                    items.append((question, original.answer))
                } else {
                    state.tally.nearCopiesSent += 1
                    var words = original.question.split(separator: " ").map(String.init)
                    words[words.count - 2] = Self.vocabulary.randomElement(using: &state.random)!
                    items.append((words.joined(separator: " "), original.answer))
                }
            } else {
                let question = newQuestion(&state.random)
                let answer = "The answer to \(question.prefix(24)) is \(Self.vocabulary.randomElement(using: &state.random)!)."
                state.originals.append((question, answer))
                items.append((question, answer))
            }
        }
        state.tally.itemsSent += count
        return Self.itemsObject(items)
    }

    private func newQuestion(_ random: inout SeededRandom) -> String {
        (0..<Self.wordsPerQuestion).map { _ in Self.vocabulary.randomElement(using: &random)! }.joined(separator: " ") + "?"
    }

    private static func itemsObject(_ items: [(question: String, answer: String?)]) -> String {
        let list = items.map { item -> SynthesisJSON in
            var fields: [(key: String, value: SynthesisJSON)] = [("question", .string(item.question))]
            if let answer = item.answer { fields.append(("answer", .string(answer))) }
            return .object(fields)
        }
        return SynthesisJSON.object([("items", .array(list))]).serialized
    }

    private static func completion(content: String, promptChars: Int) -> String {
        let promptTokens = max(1, promptChars / 4)
        let completionTokens = max(1, content.count / 4)
        return SynthesisJSON.object([
            ("id", "chatcmpl-bench"), ("object", "chat.completion"), ("model", "fake-teacher"),
            ("choices", .array([.object([("index", 0), ("message", .object([("role", "assistant"), ("content", .string(content))])), ("finish_reason", "stop")])])),
            ("usage", .object([
                ("prompt_tokens", .number(Double(promptTokens))), ("completion_tokens", .number(Double(completionTokens))),
                ("total_tokens", .number(Double(promptTokens + completionTokens))),
            ])),
        ]).serialized
    }

    private static func json(_ text: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(Array(text.utf8)))
    }

    private static func bodyBytes(_ body: RequestBody) -> [UInt8] {
        switch body {
        case .empty: return []
        case .bytes(let bytes): return bytes
        case .file(let path, _): return (FileManager.default.contents(atPath: path)).map(Array.init) ?? []
        }
    }

    /// The server is built before `self` exists; its handler reaches the teacher through this box.
    private final class HandlerBox: @unchecked Sendable {
        weak var teacher: GenerationFakeTeacher?
    }
}
