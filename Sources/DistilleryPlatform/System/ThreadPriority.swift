import Foundation

/// Lowers the calling thread's scheduling priority so background jobs leave the CPU to request
/// threads. On Linux the nice value is per thread, and `setpriority(PRIO_PROCESS, 0, …)` applies
/// to the calling thread only (setpriority(2), "Bugs").
public enum ThreadPriority {
    public static func lowerCurrentThread(niceness: Int32 = 10) {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
