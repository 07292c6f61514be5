import Synchronization

/// The answer to a request that waits on something slow, such as a teacher's pre-flight. A handler
/// returns `HTTPResponse.pending(_:)` at once; the HTTP glue parks the connection without holding
/// its thread, and sends the response when `fulfil` is called, from any thread.
///
/// The outcome may be an error, so that whoever maps handler errors to responses can map this one
/// the same way (see `map`).
public final class PendingResponse: Sendable {
    public typealias Outcome = Result<HTTPResponse, any Error>

    private enum State {
        case waiting([@Sendable (Outcome) -> Void])
        case fulfilled(Outcome)
    }

    private let state = Mutex(State.waiting([]))

    public init() {}

    /// Sets the outcome and runs the waiting actions on the calling thread. Later calls are ignored.
    public func fulfil(_ outcome: Outcome) {
        let actions: [@Sendable (Outcome) -> Void] = state.withLock { state in
            guard case .waiting(let actions) = state else { return [] }
            state = .fulfilled(outcome)
            return actions
        }
        for action in actions { action(outcome) }
    }

    /// Runs `action` with the outcome: at once (on this thread) when it is known, otherwise on the
    /// thread that fulfils it.
    public func whenFulfilled(_ action: @escaping @Sendable (Outcome) -> Void) {
        let known: Outcome? = state.withLock { state in
            switch state {
            case .waiting(let actions):
                state = .waiting(actions + [action])
                return nil
            case .fulfilled(let outcome):
                return outcome
            }
        }
        if let known { action(known) }
    }

    /// A pending response whose outcome is this one's, transformed (e.g. errors turned into error pages).
    public func map(_ transform: @escaping @Sendable (Outcome) -> Outcome) -> PendingResponse {
        let mapped = PendingResponse()
        whenFulfilled { mapped.fulfil(transform($0)) }
        return mapped
    }
}

extension HTTPResponse {
    /// A response whose status, headers and body are not known yet: `pending` brings them later.
    public static func pending(_ pending: PendingResponse) -> HTTPResponse {
        var response = HTTPResponse()
        response.pending = pending
        return response
    }
}
