import CMicroHTTPD
import DistilleryCore

// libmicrohttpd's C callbacks. They are global functions in a file other than main.swift: a closure
// written in main-actor code would be main-actor isolated and crash when MHD calls it on its threads.

/// MHD_AccessHandlerCallback: called once when the head has arrived, once per piece of body, and once
/// when the request is complete (`*uploadDataSize == 0`). `cls` is the unretained `HTTPServer`;
/// `*requestContext` holds our retained `RequestExchange` for this request.
func distilleryAccessHandler(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?,
    _ version: UnsafePointer<CChar>?,
    _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let url, let method, let uploadDataSize, let requestContext else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()

    guard let existing = requestContext.pointee else {
        let exchange = server.beginRequest(connection: connection, url: url, method: method)
        requestContext.pointee = Unmanaged.passRetained(exchange).toOpaque()
        return server.answerEarlyIfRejected(exchange, connection: connection)
    }
    let exchange = Unmanaged<RequestExchange>.fromOpaque(existing).takeUnretainedValue()

    let pieceSize = uploadDataSize.pointee
    if pieceSize > 0 {
        uploadDataSize.pointee = 0
        guard !exchange.responded else { return .YES }
        exchange.receive(UnsafeRawBufferPointer(start: uploadData, count: pieceSize))
        return exchange.drainIsOverdue ? .NO : .YES
    }
    // A parked request's connection was resumed: its answer has come.
    if let parked = exchange.parked { return server.sendAnswer(of: parked, for: exchange, connection: connection) }
    guard !exchange.responded else { return .YES }
    return server.respond(to: exchange, connection: connection)
}

/// MHD_RequestCompletedCallback: the response was sent, or the request failed or was abandoned.
/// Releases the exchange retained in the access handler and removes any spool file left.
func distilleryRequestCompleted(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ termination: MHD_RequestTerminationCode
) {
    guard let cls, let requestContext, let existing = requestContext.pointee else { return }
    requestContext.pointee = nil
    let exchange = Unmanaged<RequestExchange>.fromOpaque(existing).takeRetainedValue()
    exchange.cleanUp()
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    if let parked = exchange.parked { server.parking.remove(parked) }
    server.activeRequests.subtract(1, ordering: .releasing)
}
