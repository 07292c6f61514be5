import DistilleryPlatform
import DistilleryTestSupport
import Foundation
import Testing

/// The fake teacher's scripted behaviour, which the synthesis engine's tests rely on.
@Suite(.serialized) struct FakeTeacherTests {
    private func choices(_ response: TeacherHTTPResponse) -> [[String: Any]] {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return object?["choices"] as? [[String: Any]] ?? []
    }

    @Test func scriptedFaultsHappenForTheFirstAttemptsOnly() async throws {
        let teacher = try FakeTeacherProcess()
        let transport = TeacherTransport()
        transport.start()
        defer { transport.shutdown() }

        var statuses: [Int] = []
        for _ in 0..<3 {
            statuses.append(await transport.send(teacher.chatRequest(seed: "flaky [fail:500x2]")).response?.status ?? -1)
        }
        #expect(statuses == [500, 500, 200])

        let empty = try #require(await transport.send(teacher.chatRequest(seed: "void [fail:empty]")).response)
        #expect(empty.status == 200 && chatContent(empty) == "")
        #expect(chatContent(try #require(await transport.send(teacher.chatRequest(seed: "void [fail:empty]")).response)) == "Answer to: void [fail:empty]")

        let truncated = try #require(await transport.send(teacher.chatRequest(seed: "long story [fail:truncated]")).response)
        #expect(choices(truncated).first?["finish_reason"] as? String == "length")
        #expect(chatContent(truncated).map { "Answer to: long story [fail:truncated]".hasPrefix($0) && $0.count < 30 } == true)

        let malformed = try #require(await transport.send(teacher.chatRequest(seed: "garbled [fail:malformed]")).response)
        #expect(malformed.status == 200)
        #expect((try? JSONSerialization.jsonObject(with: Data(malformed.body))) == nil)

        let limited = try #require(await transport.send(teacher.chatRequest(seed: "busy [fail:429]")).response)
        #expect(limited.status == 429 && limited.headers["retry-after"] == "1")

        let log = try teacher.logEntries().filter { $0["path"] as? String == "/v1/chat/completions" }
        #expect(log.filter { $0["seed"] as? String == "flaky [fail:500x2]" }.compactMap { $0["status"] as? Int } == [500, 500, 200])
        #expect(log.first?["fault"] as? String == "500")
    }

    @Test func answerLengthsAndADeterministicJudgeAreScripted() async throws {
        let teacher = try FakeTeacherProcess(["--judge-garbage-at-zero", "--judge-tokens", "40"])
        let transport = TeacherTransport()
        transport.start()
        defer { transport.shutdown() }
        func send(_ payload: [String: Any]) async throws -> [String: Any] {
            var request = teacher.chatRequest(seed: "")
            request.body = Array(try JSONSerialization.data(withJSONObject: payload))
            let response = try #require(await transport.send(request).response)
            return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        }
        func ask(_ seed: String, maxTokens: Int, temperature: Double = 0.7, judge: Bool = false, json: Bool = false) async throws
            -> (finish: String?, tokens: Int?, content: String?)
        {
            var messages: [[String: String]] = []
            if judge { messages.append(["role": "system", "content": "You are a strict evaluator."]) }
            messages.append(["role": "user", "content": seed])
            var payload: [String: Any] = ["model": "fake-teacher", "messages": messages, "max_tokens": maxTokens, "temperature": temperature]
            if json { payload["response_format"] = ["type": "json_object"] }
            let body = try await send(payload)
            let choice = (body["choices"] as? [[String: Any]])?.first
            return (choice?["finish_reason"] as? String, (body["usage"] as? [String: Any])?["completion_tokens"] as? Int,
                (choice?["message"] as? [String: Any])?["content"] as? String)
        }
        // [len:N]: cut off at max_tokens below N, whole (N tokens) from N up.
        let cut = try await ask("Explain [len:100]", maxTokens: 64)
        #expect(cut.finish == "length" && cut.tokens == 64)
        let whole = try await ask("Explain [len:100]", maxTokens: 100)
        #expect(whole.finish == "stop" && whole.tokens == 100)
        // The judge: prose at temperature 0 every time, JSON once the temperature moves or JSON mode is asked for;
        // its verdict needs 40 tokens.
        let verdict = "Candidate 1: a\nCandidate 2: b (candidate 2)"
        for _ in 0..<2 { #expect(try await ask(verdict, maxTokens: 100, temperature: 0, judge: true).content?.contains("\"best\"") == false) }
        #expect(try await ask(verdict, maxTokens: 100, temperature: 0.2, judge: true).content?.contains("\"best\": 2") == true)
        #expect(try await ask(verdict, maxTokens: 100, temperature: 0, judge: true, json: true).content?.contains("\"best\": 2") == true)
        #expect(try await ask(verdict, maxTokens: 20, temperature: 0.2, judge: true).finish == "length")
        // The log carries the sampling the request asked for.
        let last = try #require(try teacher.logEntries().last)
        #expect(last["max_tokens"] as? Int == 20)
        #expect(last["temperature"] as? Double == 0.2)
    }

    @Test func candidatesAreNumberedAndTheJudgePicksTheMarkedOne() async throws {
        let teacher = try FakeTeacherProcess()
        let transport = TeacherTransport()
        transport.start()
        defer { transport.shutdown() }

        let three = try #require(await transport.send(teacher.chatRequest(seed: "Name a colour", n: 3)).response)
        let contents = choices(three).compactMap { ($0["message"] as? [String: Any])?["content"] as? String }
        #expect(contents == (0..<3).map { "Answer to: Name a colour (candidate \($0))" })

        // Shuffled as the engine will present them: label 3 holds "(candidate 2)", the default marker.
        let judgeMessage = """
            Seed: Name a colour
            Candidate 1: \(contents[1])
            Candidate 2: \(contents[0])
            Candidate 3: \(contents[2])
            """
        let system = "You are a JUDGE. Answer with JSON."
        let verdict = try #require(await transport.send(teacher.chatRequest(seed: judgeMessage, model: "fake-judge", system: system)).response)
        let verdictText = try #require(chatContent(verdict))
        let verdictObject = try #require(try JSONSerialization.jsonObject(with: Data(verdictText.utf8)) as? [String: Any])
        #expect(verdictObject["best"] as? Int == 3)
        #expect((verdictObject["reason"] as? String)?.isEmpty == false)

        let garbage = try #require(
            await transport.send(teacher.chatRequest(seed: judgeMessage + "\n[fail:badjudge]", model: "fake-judge", system: system)).response)
        #expect(chatContent(garbage).map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil } == true)
    }

    @Test func providersWithoutNAreImitated() async throws {
        let teacher = try FakeTeacherProcess(["--no-n"])
        let transport = TeacherTransport()
        transport.start()
        defer { transport.shutdown() }

        let refused = try #require(await transport.send(teacher.chatRequest(seed: "pick one", n: 3)).response)
        #expect(refused.status == 400)
        var answers: [String] = []
        for _ in 0..<3 {
            answers.append(chatContent(try #require(await transport.send(teacher.chatRequest(seed: "pick one")).response)) ?? "")
        }
        #expect(answers == (0..<3).map { "Answer to: pick one (candidate \($0))" })
    }

    @Test func modelsReasoningAndRuntimeControl() async throws {
        let teacher = try FakeTeacherProcess(["--models", "deep-think"])
        let transport = TeacherTransport()
        transport.start()
        defer { transport.shutdown() }

        let unknown = try #require(await transport.send(teacher.chatRequest(seed: "hi", model: "no-such-model")).response)
        #expect(unknown.status == 404 && unknown.text.contains("model_not_found"))

        let configuration = try teacher.control(["reasoning": true, "latency_ms": 300])
        #expect(configuration["reasoning"] as? Bool == true)
        #expect(configuration["api_key_set"] as? Bool == false)
        let slow = try #require(await transport.send(teacher.chatRequest(seed: "why?", model: "deep-think")).response)
        #expect(slow.elapsedSeconds >= 0.3)
        let message = choices(slow).first?["message"] as? [String: Any]
        #expect(message?["reasoning_content"] as? String == "Reasoning about: why?")
        #expect(message?["content"] as? String == "Answer to: why?")
        let usage = try #require((try JSONSerialization.jsonObject(with: Data(slow.body)) as? [String: Any])?["usage"] as? [String: Any])
        #expect((usage["prompt_tokens"] as? Int ?? 0) > 0 && (usage["completion_tokens"] as? Int ?? 0) > 0)

        try teacher.control(["latency_ms": 0, "rate_500": 1.0, "reset_stats": true])
        let failed = await transport.sendAll((0..<5).map { teacher.chatRequest(seed: "doomed \($0)", model: "deep-think") })
        #expect(failed.allSatisfy { $0.response?.status == 500 })
        let stats = try teacher.stats()
        #expect((stats["by_status"] as? [String: Int])?["500"] == 5)

        #expect(throws: (any Error).self) { try teacher.control(["no_such_option": 1]) }
    }
}
