import DistilleryPlatform
import DistilleryTestSupport
import Foundation

extension FakeTeacherProcess {
    func chatRequest(seed: String, model: String = "fake-teacher", system: String? = nil, n: Int = 1, key: String? = nil, timeout: Double = 30)
        -> TeacherHTTPRequest
    {
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        return TeacherHTTPRequest(
            url: baseURL + "/v1/chat/completions", method: "POST", headers: headers,
            body: Self.chatBody(seed: seed, model: model, system: system, n: n), timeoutSeconds: timeout)
    }
}

extension TeacherTransport {
    /// Submits and waits for the completion.
    func send(_ request: TeacherHTTPRequest) async -> Result<TeacherHTTPResponse, TeacherTransportError> {
        await withCheckedContinuation { continuation in
            submit(request) { continuation.resume(returning: $0) }
        }
    }

    /// Submits all at once and waits for every completion; results in request order.
    func sendAll(_ requests: [TeacherHTTPRequest]) async -> [Result<TeacherHTTPResponse, TeacherTransportError>] {
        await withTaskGroup(of: (Int, Result<TeacherHTTPResponse, TeacherTransportError>).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask { (index, await self.send(request)) }
            }
            var results = [Result<TeacherHTTPResponse, TeacherTransportError>?](repeating: nil, count: requests.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }
}

extension Result where Success == TeacherHTTPResponse, Failure == TeacherTransportError {
    var response: TeacherHTTPResponse? { try? get() }
    var failure: TeacherTransportError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// The first choice's content of a chat-completions body, or nil.
func chatContent(_ response: TeacherHTTPResponse, choice: Int = 0) -> String? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
        let choices = object["choices"] as? [[String: Any]], choices.count > choice,
        let message = choices[choice]["message"] as? [String: Any]
    else { return nil }
    return message["content"] as? String
}

/// Monotonic seconds since `start`.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
