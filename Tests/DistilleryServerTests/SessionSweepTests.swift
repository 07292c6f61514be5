import DistilleryCore
import DistilleryPlatform
import DistilleryServer
import Foundation
import Testing

/// Expired sessions leave the database on a timer, not only when their cookie comes back.
@Suite(.serialized)
struct SessionSweepTests {
    @Test func anExpiredSessionIsDeletedWithoutAnyRequestCarryingItsCookie() throws {
        let clock = TestClock()
        let test = try TestApp {
            $0.clock = { clock.now }
            $0.sessionIdleMinutes = 30
            $0.sessionSweepSeconds = 0.05
        }
        defer { test.removeFiles() }
        let sessionCount = { try test.app.services.database.read { try $0.scalar("SELECT COUNT(*) FROM sessions")?.intValue ?? -1 } }
        let idle = BrowserSession(test)
        try idle.signIn()
        #expect(try sessionCount() == 1)
        clock.advance(minutes: 20)
        let active = BrowserSession(test)
        try active.signIn()
        #expect(try sessionCount() == 2)

        clock.advance(minutes: 15)  // the first session is 35 minutes idle, the second 15
        let deadline = Date().addingTimeInterval(10)
        while try sessionCount() > 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(try sessionCount() == 1, "the idle session was swept without a request")
        #expect(try active.get("/settings").status == 200, "the sweep kept the session that had not expired")
        #expect(try idle.get("/settings").status == 303)
    }
}
