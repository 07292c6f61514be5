import CMicroHTTPD
import DistilleryCore

/// The steps of one request, called from the C callbacks in HTTPServerCallbacks.swift.
extension HTTPServer {
    func beginRequest(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>) -> RequestExchange {
        activeRequests.add(1, ordering: .relaxed)
        let head = RequestHeadReader.read(connection: connection, url: url, method: method)
        let framing = RequestFraming.of(head.headers)
        var declaredLength: Int?
        if case .success(.length(let length)) = framing { declaredLength = length }
        let maxBodyBytes: Int
        let inMemoryBodyLimit: Int
        switch configuration.bodyPolicy(head.method, head.path) {
        case .spooled:
            maxBodyBytes = configuration.maxBodyBytes
            inMemoryBodyLimit = configuration.inMemoryBodyLimit
        case .inMemory(let limit):
            // A body that may never exceed the memory limit is never spooled.
            maxBodyBytes = limit
            inMemoryBodyLimit = limit
        }
        let exchange = RequestExchange(
            head: head,
            maxBodyBytes: maxBodyBytes,
            inMemoryBodyLimit: inMemoryBodyLimit,
            spoolDirectory: configuration.spoolDirectory,
            declaredLength: declaredLength,
            drainSeconds: configuration.oversizedUploadDrainSeconds
        )
        if case .failure(let problem) = framing {
            exchange.rejection = .invalidFraming(reason: problem.description)
        } else if let declaredLength, declaredLength > maxBodyBytes {
            exchange.rejection = .bodyTooLarge(limit: maxBodyBytes, declaredLength: declaredLength)
        }
        return exchange
    }

    /// A body declared too large, or framed ambiguously, is refused on the first callback: MHD then
    /// sends no "100 Continue", reads none of the upload and closes the connection after the answer.
    func answerEarlyIfRejected(_ exchange: RequestExchange, connection: OpaquePointer) -> MHD_Result {
        guard let rejection = exchange.rejection else { return .YES }
        exchange.responded = true
        return sendRejection(rejection, for: exchange.head, connection: connection)
    }

    func respond(to exchange: RequestExchange, connection: OpaquePointer) -> MHD_Result {
        exchange.responded = true
        if let rejection = exchange.rejection {
            return sendRejection(rejection, for: exchange.head, connection: connection)
        }
        var request = exchange.head
        request.body = exchange.finishBody()
        let response = handler(request)
        if let pending = response.pending {
            return park(exchange, until: pending, connection: connection)
        }
        return send(response, for: exchange.head, connection: connection)
    }

    /// The handler's answer waits on something slow: the connection is suspended until it comes, and
    /// this thread serves other connections meanwhile.
    private func park(_ exchange: RequestExchange, until pending: PendingResponse, connection: OpaquePointer) -> MHD_Result {
        let parked = ParkedRequest()
        guard parking.park(parked, connection: connection) else {
            return sendRejection(.stopping, for: exchange.head, connection: connection)
        }
        // Set before the answer can arrive: the resumed connection comes back to this thread, after this returns.
        exchange.parked = parked
        pending.whenFulfilled { parked.deliver($0) }
        return .YES
    }

    /// On the connection's thread, once a parked request's connection was resumed with its answer.
    func sendAnswer(of parked: ParkedRequest, for exchange: RequestExchange, connection: OpaquePointer) -> MHD_Result {
        guard let outcome = parked.outcome else { return .YES }
        exchange.parked = nil
        parking.remove(parked)
        switch outcome {
        case .success(let response) where response.pending == nil:
            return send(response, for: exchange.head, connection: connection)
        case .success:
            return sendRejection(.responseFailed(reason: "a pending answer was itself pending"), for: exchange.head, connection: connection)
        case .failure(let error) where error is ServerStopping:
            return sendRejection(.stopping, for: exchange.head, connection: connection)
        case .failure(let error):
            return sendRejection(.responseFailed(reason: "\(error)"), for: exchange.head, connection: connection)
        }
    }

    private func send(_ response: HTTPResponse, for head: HTTPRequest, connection: OpaquePointer) -> MHD_Result {
        do {
            return try ResponseQueueing.queue(response, on: connection, closeConnection: isStopping.load(ordering: .relaxed))
        } catch {
            return sendRejection(.responseFailed(reason: error.reason), for: head, connection: connection)
        }
    }

    private func sendRejection(_ rejection: HTTPRejection, for head: HTTPRequest, connection: OpaquePointer) -> MHD_Result {
        let response = rejectionHandler(rejection, head)
        // After a rejection the rest of the request may be unread; the connection cannot be reused.
        do {
            return try ResponseQueueing.queue(response, on: connection, closeConnection: true)
        } catch {
            return ResponseQueueing.queuePlainError(
                status: rejection.suggestedStatus, message: rejection.message + "\n", on: connection)
        }
    }
}

/// The outcome given to requests still parked when the server stops.
struct ServerStopping: Error {}
