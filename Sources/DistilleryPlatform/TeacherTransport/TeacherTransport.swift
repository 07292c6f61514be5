import CCurl
import Foundation

/// Many HTTP transfers in flight on ONE event-loop thread, through the libcurl multi interface
/// (ARCHITECTURE §4): teacher calls must not take a thread each.
///
/// `submit` puts the request in a locked queue and wakes the loop; the loop adds new easy handles before
/// it waits, lets libcurl drive the sockets that are ready and collects finished transfers with
/// `curl_multi_info_read`. On Linux the wait is epoll with libcurl's socket interface (`CurlSocketEvents`,
/// O(ready sockets) per wake-up); elsewhere `curl_multi_poll` + `curl_multi_perform`, woken by
/// `curl_multi_wakeup`. Connections are kept alive and reused across transfers
/// (HTTP/1.1 keep-alive; over HTTPS libcurl negotiates HTTP/2 and multiplexes when the server offers it).
/// TLS certificates and host names are verified; redirects are not followed.
///
/// Completions run on the loop thread, exactly once per submission. They must be quick (hand the result
/// off to a queue or a continuation); while one runs no other transfer makes progress. They may call
/// `submit` and `cancel`. Calling `shutdown` from a completion stops the loop without waiting for it.
///
/// `start()` raises the process's soft open-file limit to the hard limit when it is below
/// `maxConnections` plus a margin (`FileDescriptorLimit`), since each connection is a descriptor.
public final class TeacherTransport: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<TeacherHTTPResponse, TeacherTransportError>) -> Void

    private struct Submission {
        let id: TransferID
        let request: TeacherHTTPRequest
        let completion: Completion
    }

    private enum State { case idle, running, stopping, stopped }

    public let maxConnections: Int

    // Guarded by `lock`.
    private let lock = NSLock()
    private var state = State.idle
    private var queued: [Submission] = []
    private var cancelRequests: [TransferID] = []
    private var nextID: UInt64 = 1
    private var inFlight = 0
    private var loopThread: pthread_t?

    // Touched only by the loop thread while it runs (and by init/deinit).
    private let multi: UnsafeMutableRawPointer
    private var multiCleanedUp = false
    private var active: [UnsafeMutableRawPointer: TeacherEasyTransfer] = [:]
    private var activeHandles: [TransferID: UnsafeMutableRawPointer] = [:]
    #if os(Linux)
    private let socketEvents = CurlSocketEvents()
    #endif

    /// Signalled when the loop has stopped; re-signalled by each waiter so several can wait.
    private let loopStopped = DispatchSemaphore(value: 0)

    /// `maxConnections` caps open connections in total and per host (libcurl queues transfers beyond
    /// it until one frees; queued time counts against their timeout) and sizes the keep-alive cache.
    public init(maxConnections: Int = 1024) {
        precondition(maxConnections > 0, "TeacherTransport needs at least one connection")
        self.maxConnections = maxConnections
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else { fatalError("libcurl could not create a multi handle (out of memory)") }
        self.multi = multi
        _ = distillery_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        _ = distillery_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnections)
        _ = distillery_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        #if os(Linux)
        socketEvents.install(on: multi)
        #endif
    }

    deinit {
        // A running loop holds a strong reference, so here the loop has stopped or never started.
        if !multiCleanedUp { curl_multi_cleanup(multi) }
        #if os(Linux)
        socketEvents.close()
        #endif
    }

    /// Starts the event-loop thread. Requests submitted before are sent once it runs. Calling it again,
    /// or after `shutdown`, does nothing.
    public func start() {
        lock.lock()
        guard state == .idle else {
            lock.unlock()
            return
        }
        state = .running
        lock.unlock()
        FileDescriptorLimit.raiseSoftLimit(toAtLeast: maxConnections + 256)
        Thread { [self] in runLoop() }.start()
    }

    /// Queues a request; `completion` runs later on the loop thread. After `shutdown` it runs at once,
    /// on the caller's thread, with `.cancelled`.
    @discardableResult
    public func submit(_ request: TeacherHTTPRequest, completion: @escaping Completion) -> TransferID {
        lock.lock()
        let id = TransferID(rawValue: nextID)
        nextID += 1
        guard state == .idle || state == .running else {
            lock.unlock()
            completion(.failure(.cancelled))
            return id
        }
        queued.append(Submission(id: id, request: request, completion: completion))
        inFlight += 1
        // Under the lock, so the loop cannot clean the multi handle up between the check and the call.
        if state == .running { wakeLoop() }
        lock.unlock()
        return id
    }

    /// Stops a transfer; its completion gets `.cancelled`. Unknown or finished ids are ignored.
    public func cancel(_ id: TransferID) {
        lock.lock()
        defer { lock.unlock() }
        guard state == .idle || state == .running else { return }
        cancelRequests.append(id)
        if state == .running { wakeLoop() }
    }

    /// Submitted transfers whose completion has not run yet (queued or on the wire).
    public var inFlightCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return inFlight
    }

    /// Cancels everything (completions get `.cancelled`), stops the loop thread and frees the handles.
    /// Waits for the loop to finish, except when called from a completion (on the loop thread itself).
    public func shutdown() {
        lock.lock()
        switch state {
        case .idle:
            state = .stopped
            let abandoned = queued
            queued = []
            cancelRequests = []
            inFlight -= abandoned.count
            lock.unlock()
            for submission in abandoned { submission.completion(.failure(.cancelled)) }
        case .running, .stopping:
            if state == .running {
                state = .stopping
                wakeLoop()
            }
            let onLoopThread = loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
            lock.unlock()
            if !onLoopThread {
                loopStopped.wait()
                loopStopped.signal()
            }
        case .stopped:
            lock.unlock()
        }
    }

    // MARK: - The loop thread

    private func runLoop() {
        // Named from inside the thread: Foundation passes only the current thread's name on to the OS
        // (where top, perf and gdb show it).
        Thread.current.name = "teacher-io"
        lock.lock()
        loopThread = pthread_self()
        lock.unlock()

        while true {
            lock.lock()
            let submissions = queued
            queued = []
            var cancels = Set(cancelRequests)
            cancelRequests = []
            let stopping = state == .stopping
            lock.unlock()

            if stopping {
                for submission in submissions { finish(submission.completion, .failure(.cancelled)) }
                break
            }
            for submission in submissions {
                if cancels.remove(submission.id) != nil {
                    finish(submission.completion, .failure(.cancelled))
                } else {
                    add(submission)
                }
            }
            for id in cancels {
                guard let handle = activeHandles[id], let transfer = detach(handle) else { continue }
                finish(transfer.completion, .failure(.cancelled))
            }

            #if os(Linux)
            // Returns on socket activity, libcurl's next timeout (capped at 1 s) or a wake-up.
            socketEvents.waitAndDispatch(multi, maxWaitMilliseconds: 1000)
            collectFinishedTransfers()
            #else
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinishedTransfers()
            // Returns on socket activity, on libcurl's next timeout (capped at 1 s), or on curl_multi_wakeup.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
            #endif
        }

        for handle in Array(active.keys) {
            if let transfer = detach(handle) { finish(transfer.completion, .failure(.cancelled)) }
        }
        lock.lock()
        state = .stopped
        // No wakeup can race this: submit and cancel only call it while the state is .running.
        curl_multi_cleanup(multi)
        multiCleanedUp = true
        #if os(Linux)
        socketEvents.close()
        #endif
        lock.unlock()
        loopStopped.signal()
    }

    /// Called under `lock` while the state is `.running`.
    private func wakeLoop() {
        #if os(Linux)
        socketEvents.wake()
        #else
        _ = curl_multi_wakeup(multi)
        #endif
    }

    private func add(_ submission: Submission) {
        let transfer: TeacherEasyTransfer
        do {
            transfer = try TeacherEasyTransfer(id: submission.id, request: submission.request, completion: submission.completion)
        } catch {
            finish(submission.completion, .failure(error))
            return
        }
        let code = curl_multi_add_handle(multi, transfer.handle)
        guard code == CURLM_OK else {
            let message = String(cString: curl_multi_strerror(code))
            finish(submission.completion, .failure(.transferFailed(code: Int(code.rawValue), "\(submission.request.redactedTarget): \(message)")))
            return
        }
        active[transfer.handle] = transfer
        activeHandles[transfer.id] = transfer.handle
    }

    private func collectFinishedTransfers() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            // Read the message before detaching: removing the handle invalidates it.
            let code = distillery_curl_msg_result(message)
            guard let transfer = detach(handle) else { continue }
            finish(transfer.completion, transfer.result(code))
        }
    }

    /// Takes the transfer out of the multi handle; its easy handle is freed when the object goes.
    private func detach(_ handle: UnsafeMutableRawPointer) -> TeacherEasyTransfer? {
        guard let transfer = active.removeValue(forKey: handle) else { return nil }
        activeHandles[transfer.id] = nil
        _ = curl_multi_remove_handle(multi, handle)
        return transfer
    }

    private func finish(_ completion: Completion, _ result: Result<TeacherHTTPResponse, TeacherTransportError>) {
        lock.lock()
        inFlight -= 1
        lock.unlock()
        completion(result)
    }
}
