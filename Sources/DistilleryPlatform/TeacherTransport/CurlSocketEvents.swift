#if os(Linux)
import CCurl
import Glibc

/// The event side of TeacherTransport's loop on Linux: libcurl's multi *socket* interface over epoll.
///
/// Why not `curl_multi_perform` + `curl_multi_poll`: with a thousand transfers in flight, every
/// `curl_multi_perform` call visits every transfer (and polls each socket once more), so each wake-up
/// costs O(transfers) system calls. With `curl_multi_socket_action` libcurl tells us which sockets to
/// watch (socket callback) and when its next timeout is due (timer callback); each wake-up then costs
/// O(ready sockets). An eventfd in the same epoll set plays the role of `curl_multi_wakeup`.
///
/// Loop thread only, except `wake()`, which the transport calls under its lock from any thread.
final class CurlSocketEvents {
    private static let batchSize: Int32 = 256
    let epollDescriptor: Int32
    private let wakeDescriptor: Int32
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`; nil for no timer.
    var timerDeadline: ContinuousClock.Instant?
    private let readyDescriptors = UnsafeMutablePointer<Int32>.allocate(capacity: Int(batchSize))
    private let readyBits = UnsafeMutablePointer<Int32>.allocate(capacity: Int(batchSize))
    private var closed = false

    init() {
        epollDescriptor = distillery_epoll_create()
        wakeDescriptor = distillery_eventfd_create()
        precondition(epollDescriptor >= 0 && wakeDescriptor >= 0, "TeacherTransport could not create its epoll set or eventfd (errno \(errno))")
        _ = distillery_epoll_watch(epollDescriptor, wakeDescriptor, CURL_POLL_IN)
    }

    deinit {
        close()
        readyDescriptors.deallocate()
        readyBits.deallocate()
    }

    /// Routes libcurl's socket and timer callbacks to this object (which must outlive the multi handle).
    func install(on multi: UnsafeMutableRawPointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = distillery_curl_multi_setopt_socket_function(multi, teacherTransportSocketCallback)
        _ = distillery_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        _ = distillery_curl_multi_setopt_timer_function(multi, teacherTransportTimerCallback)
        _ = distillery_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
    }

    func wake() {
        if !closed { distillery_eventfd_signal(wakeDescriptor) }
    }

    /// Closes the descriptors; call after `curl_multi_cleanup` (which may still report sockets).
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(wakeDescriptor)
        Glibc.close(epollDescriptor)
    }

    /// Waits for socket activity, libcurl's timer, a wake-up or `maxWaitMilliseconds`, and hands what
    /// happened to libcurl. Finished transfers are then read with `curl_multi_info_read`.
    func waitAndDispatch(_ multi: UnsafeMutableRawPointer, maxWaitMilliseconds: Int32) {
        var timeout = maxWaitMilliseconds
        if let deadline = timerDeadline {
            let remaining = deadline - ContinuousClock.now
            let milliseconds = remaining.components.seconds * 1000 + (remaining.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            timeout = Int32(clamping: max(0, min(Int64(timeout), milliseconds)))
        }
        let count = distillery_epoll_wait_curl(epollDescriptor, readyDescriptors, readyBits, Self.batchSize, timeout)
        var running: Int32 = 0
        for index in 0..<Int(max(0, count)) {
            let descriptor = readyDescriptors[index]
            if descriptor == wakeDescriptor {
                distillery_eventfd_drain(wakeDescriptor)
                continue
            }
            _ = curl_multi_socket_action(multi, descriptor, readyBits[index], &running)
        }
        if let deadline = timerDeadline, ContinuousClock.now >= deadline {
            timerDeadline = nil
            // CURL_SOCKET_TIMEOUT (== CURL_SOCKET_BAD, -1): "no socket, the timer expired".
            _ = curl_multi_socket_action(multi, -1, 0, &running)
        }
    }
}

// libcurl callbacks: global functions (see ARCHITECTURE §7), handed the CurlSocketEvents unretained.

/// CURLMOPT_SOCKETFUNCTION: libcurl asks to watch `socket` for `what` (CURL_POLL_IN/OUT/INOUT/REMOVE).
func teacherTransportSocketCallback(
    _ easy: UnsafeMutableRawPointer?, _ socket: curl_socket_t, _ what: Int32, _ context: UnsafeMutableRawPointer?,
    _ socketContext: UnsafeMutableRawPointer?
) -> Int32 {
    guard let context else { return -1 }
    let events = Unmanaged<CurlSocketEvents>.fromOpaque(context).takeUnretainedValue()
    return distillery_epoll_watch(events.epollDescriptor, socket, what) == 0 ? 0 : -1
}

/// CURLMOPT_TIMERFUNCTION: libcurl's next timeout in milliseconds; -1 removes the timer. It must not
/// call back into libcurl here, so the loop acts on the deadline.
func teacherTransportTimerCallback(_ multi: UnsafeMutableRawPointer?, _ timeoutMilliseconds: Int, _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return -1 }
    let events = Unmanaged<CurlSocketEvents>.fromOpaque(context).takeUnretainedValue()
    events.timerDeadline = timeoutMilliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(timeoutMilliseconds)
    return 0
}
#endif
