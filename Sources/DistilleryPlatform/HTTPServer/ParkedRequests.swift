import CMicroHTTPD
import DistilleryCore
import Synchronization

/// A request whose handler answered `.pending`: its connection is suspended (MHD_suspend_connection),
/// so no HTTP thread waits for the answer, and it is resumed exactly once, when the answer comes or
/// when the server stops. libmicrohttpd then calls the access handler again on the connection's own
/// thread, which queues the answer (`HTTPServer.sendAnswer`).
final class ParkedRequest: Sendable {
    private struct State {
        /// Set while the connection is suspended; cleared when it is resumed.
        var connection: SuspendedConnection?
        var outcome: PendingResponse.Outcome?
    }

    private let state = Mutex(State())

    /// Records the suspended connection (called under the parking lot's lock, right after suspending).
    fileprivate func suspended(_ connection: OpaquePointer) {
        state.withLock { $0.connection = SuspendedConnection(pointer: connection) }
    }

    /// Keeps the outcome and resumes the connection, unless an earlier outcome already did.
    /// Resuming happens under the lock, so once `ParkingLot.closeAll` has passed every parked request,
    /// none is left suspended (MHD_stop_daemon aborts the process on a suspended connection).
    func deliver(_ outcome: PendingResponse.Outcome) {
        state.withLock { state in
            guard state.outcome == nil else { return }
            state.outcome = outcome
            if let connection = state.connection {
                state.connection = nil
                MHD_resume_connection(connection.pointer)
            }
        }
    }

    /// The outcome once delivered; read on the connection's thread after the resume.
    var outcome: PendingResponse.Outcome? {
        state.withLock { $0.outcome }
    }
}

/// A suspended connection handed between threads. Sound because libmicrohttpd neither processes
/// nor frees a suspended connection, and `ParkedRequest` resumes it once, then forgets it.
private struct SuspendedConnection: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Every parked request of one server, so that stopping can resume them all.
final class ParkingLot: Sendable {
    private struct State {
        var requests: [ObjectIdentifier: ParkedRequest] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Suspends the connection and registers the request; false (nothing suspended) once the server
    /// is stopping, when the caller answers at once instead.
    func park(_ request: ParkedRequest, connection: OpaquePointer) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            MHD_suspend_connection(connection)
            request.suspended(connection)
            state.requests[ObjectIdentifier(request)] = request
            return true
        }
    }

    func remove(_ request: ParkedRequest) {
        _ = state.withLock { $0.requests.removeValue(forKey: ObjectIdentifier(request)) }
    }

    /// Refuses further parking and answers every request still waiting with `outcome`; returns how many.
    func closeAll(answering outcome: PendingResponse.Outcome) -> Int {
        let waiting = state.withLock { state in
            state.closed = true
            let waiting = Array(state.requests.values)
            state.requests = [:]
            return waiting
        }
        for request in waiting { request.deliver(outcome) }
        return waiting.count
    }

    /// Accepts parking again (after a restart).
    func reopen() {
        state.withLock { $0.closed = false }
    }
}
