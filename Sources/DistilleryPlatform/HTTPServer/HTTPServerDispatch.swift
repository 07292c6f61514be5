import CMicroHTTPD
import DistilleryCore

/// The steps of one request, called from the C callbacks in HTTPServerCallbacks.swift.
extension HTTPServer {
    func beginRequest(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>) -> RequestExchange {
        activeRequests.add(1, ordering: .relaxed)
        let head = RequestHeadReader.read(connection: connection, url: url, method: method)
        let declaredLength = head.headers["Content-Length"].flatMap { Int($0.trimmingSpaces) }
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
            declaredLength: declaredLength
        )
        if let declaredLength, declaredLength > maxBodyBytes {
            exchange.rejection = .bodyTooLarge(limit: maxBodyBytes, declaredLength: declaredLength)
        }
        return exchange
    }

    /// A body declared too large is refused on the first callback: MHD then sends no
    /// "100 Continue", reads none of the upload and closes the connection after the answer.
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
        do {
            return try ResponseQueueing.queue(response, on: connection, closeConnection: isStopping.load(ordering: .relaxed))
        } catch {
            return sendRejection(.responseFailed(reason: error.reason), for: exchange.head, connection: connection)
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

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
