#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binds the listening socket ourselves rather than letting libmicrohttpd do it, so that port 0 works
/// (we read the real port back with getsockname) and "address in use" becomes a clear message.
struct ListeningSocket {
    let descriptor: Int32
    let port: Int
    let isIPv6: Bool

    static func open(host: String, port: Int) throws -> ListeningSocket {
        guard (0...65535).contains(port) else {
            throw HTTPServerError("port \(port) is out of range (0...65535)")
        }
        let address = try SocketAddress.parse(host: host, port: port)
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw HTTPServerError("cannot create a socket for \(host): \(errnoDescription())")
        }
        var success = false
        defer { if !success { close(descriptor) } }

        var enable: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &enable, socklen_t(MemoryLayout<Int32>.size))

        let bindResult = address.withSockaddr { bind(descriptor, $0, $1) }
        guard bindResult == 0 else {
            let code = errno
            if code == EADDRINUSE {
                throw HTTPServerError("port \(port) on \(host) is already in use")
            }
            throw HTTPServerError("cannot bind \(host) port \(port): \(errnoDescription(code))")
        }
        guard listen(descriptor, 1024) == 0 else {
            throw HTTPServerError("cannot listen on \(host) port \(port): \(errnoDescription())")
        }
        // libmicrohttpd's thread pool shares the socket between threads; accept must not block.
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)

        let boundPort = try readBoundPort(descriptor, host: host)
        success = true
        return ListeningSocket(descriptor: descriptor, port: boundPort, isIPv6: address.family == AF_INET6)
    }

    private static func readBoundPort(_ descriptor: Int32, host: String) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else {
            throw HTTPServerError("cannot read the bound port on \(host): \(errnoDescription())")
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer -> Int in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}

/// An IPv4 or IPv6 socket address parsed from a literal (no DNS: the listen host is configuration).
enum SocketAddress {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    var family: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    static func parse(host: String, port: Int) throws -> SocketAddress {
        var literal = host
        if literal == "localhost" { literal = "127.0.0.1" }
        if literal.hasPrefix("[") && literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }

        var v4 = sockaddr_in()
        if inet_pton(AF_INET, literal, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = UInt16(port).bigEndian
            return .v4(v4)
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, literal, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = UInt16(port).bigEndian
            return .v6(v6)
        }
        throw HTTPServerError("invalid listen address \"\(host)\": expected an IPv4 or IPv6 literal or \"localhost\"")
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        switch self {
        case .v4(var address):
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(var address):
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// Text form of a peer address; IPv4-mapped IPv6 addresses (dual-stack sockets) are shown as IPv4.
    static func text(of address: UnsafePointer<sockaddr>) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin_addr
                guard inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "" }
                return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin6_addr
                guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "" }
                let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if text.hasPrefix("::ffff:") && text.contains(".") { return String(text.dropFirst(7)) }
                return text
            }
        default:
            return ""
        }
    }
}

func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
