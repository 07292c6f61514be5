import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection that writes exactly the bytes it is given, for requests no well-behaved client
/// sends (conflicting framing, endless uploads, headers trickled in slowly). IPv4 only. Every send and
/// read gives up after `timeoutSeconds`, so a test using it is bounded in time.
public final class RawHTTPConnection {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private var descriptor: Int32

    /// Connects to `host:port`; with `sourceAddress` (e.g. "127.0.0.2") the connection comes from that
    /// address, which on loopback lets one machine act as several clients.
    public init(host: String = "127.0.0.1", port: Int, sourceAddress: String? = nil, timeoutSeconds: Double = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        do {
            if let sourceAddress {
                try Self.withAddress(sourceAddress, port: 0) { address, length in
                    guard bind(descriptor, address, length) == 0 else {
                        throw Failure(description: "bind to \(sourceAddress): \(String(cString: strerror(errno)))")
                    }
                }
            }
            try Self.withAddress(host, port: port) { address, length in
                guard connect(descriptor, address, length) == 0 else {
                    throw Failure(description: "connect to \(host):\(port): \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { closeNow() }

    /// Closes the connection from this side.
    public func closeNow() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    /// Writes all of `bytes`; throws when the peer closed the connection or the send timed out.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Everything the server sends until it closes the connection (or the read times out: then what
    /// came so far). An empty result means the server closed without answering.
    public func readUntilClosed() -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return received
            }
        }
    }

    /// The bytes one read returns (waiting up to the timeout): enough to see that an answer has begun
    /// on a connection that stays open. Empty when the server closed the connection or sent nothing.
    public func readSome() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? Array(buffer[0..<count]) : []
        }
    }

    /// One response, for a request sent with `Connection: close` (or one the server answers by
    /// closing): the status code of its first line, or nil when nothing came back.
    public func readStatus() -> (status: Int?, text: String) {
        let text = String(decoding: readUntilClosed(), as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return (nil, text) }
        return (status, text)
    }

    /// True when the server has closed the connection: a read returns end-of-file or a reset at once.
    /// Waits up to `seconds` for it.
    public func isClosedByPeer(within seconds: Double) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return false }
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_PEEK))
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }

    private static func withAddress<T>(
        _ host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T
    ) throws -> T {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "not an IPv4 address: \(host)") }
        return try withUnsafePointer(to: &address) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
