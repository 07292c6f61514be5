import DistilleryCore
import DistilleryTestSupport
import Foundation

/// The benchmarks use the same fake teacher as the tests (DistilleryTestSupport); its request log
/// tells what the engine really sent.
extension FakeTeacherProcess {
    /// The OpenAI-style base URL, `…/v1`.
    var apiBaseURL: String { baseURL + "/v1" }

    func chatLog() -> [[String: Any]] {
        ((try? logEntries()) ?? []).filter { ($0["path"] as? String) == "/v1/chat/completions" }
    }

    /// The job's own requests: the chat log without the pre-flight's one-token timing request, which a
    /// custom server gets before the job exists (it costs one latency in the whole-job figure).
    func synthesisLog() -> [[String: Any]] {
        chatLog().filter { ($0["seed"] as? String) != PreflightCheck.timingPrompt }
    }

    /// Seconds from the job's first request received to its last answer sent.
    func wireSeconds() -> Double {
        let log = synthesisLog()
        guard let first = log.compactMap({ $0["t_received"] as? Double }).min(), let last = log.compactMap({ $0["t"] as? Double }).max()
        else { return 0 }
        return last - first
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func writeSeeds(_ count: Int, to path: String, marker: (Int) -> String = { _ in "" }) throws {
    let text = (0..<count).map { "{\"input\":\"Benchmark seed \($0)\(marker($0))\"}" }.joined(separator: "\n") + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
