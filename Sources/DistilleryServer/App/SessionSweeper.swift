import Dispatch
import Logging

/// Deletes expired sessions every `AppConfiguration.sessionSweepSeconds`, so a session whose cookie
/// never comes back (a lost laptop, a cleared browser) does not stay in the database for ever.
/// A request with an expired cookie still ends its session at once (`Authenticator.identify`).
/// `DistilleryApp` calls `start` and `stop` once each, from its own start and stop.
final class SessionSweeper {
    private let services: Services
    private let queue = DispatchQueue(label: "distillery.session-sweeper")
    /// Created by `start` and resumed at once (libdispatch must never release a suspended source).
    private var timer: DispatchSourceTimer?

    init(services: Services) {
        self.services = services
    }

    func start() {
        let services = services
        let interval = services.configuration.sessionSweepSeconds
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(Int(interval * 100)))
        source.setEventHandler {
            do {
                let purged = try services.authenticator.purgeExpiredSessions(now: services.now())
                if purged > 0 { services.logger.info("expired sessions purged", metadata: ["count": "\(purged)"]) }
            } catch {
                services.logger.error("purging expired sessions failed", metadata: ["cause": "\(error)"])
            }
        }
        source.resume()
        timer = source
    }

    /// Cancels the timer and waits for a sweep in progress, so the database can be closed after it.
    func stop() {
        timer?.cancel()
        timer = nil
        queue.sync {}
    }
}
