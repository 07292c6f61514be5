import DistilleryCore
import Dispatch

extension HTTPResponse {
    /// For a handler whose answer waits on the network (a teacher's pre-flight): HTTP threads must
    /// not wait, so the handler returns this at once. `wait` starts the slow part and calls back, from
    /// any thread, with its result; `answer` then builds the response on a background queue and may
    /// throw like a handler (the dispatcher maps its errors the same way).
    static func later<Value: Sendable>(
        waitingFor wait: (@escaping @Sendable (Value) -> Void) -> Void,
        then answer: @escaping @Sendable (Value) throws -> HTTPResponse
    ) -> HTTPResponse {
        let pending = PendingResponse()
        wait { value in
            // Off the caller's thread (the teacher transport's event loop): answering may write to SQLite.
            PendingAnswers.queue.async { pending.fulfil(Result { try answer(value) }) }
        }
        return .pending(pending)
    }
}

enum PendingAnswers {
    static let queue = DispatchQueue(label: "distillery.pending-answers", qos: .userInitiated, attributes: .concurrent)

    /// Waits for the answers already queued (at shutdown, before the database closes under them).
    static func finishQueued() {
        queue.sync(flags: .barrier) {}
    }
}
