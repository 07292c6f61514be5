import DistilleryCore
import DistilleryPlatform
import DistilleryStorage
import Foundation
import Testing

/// The real binary stopped again and again during the validation of a 50 MB upload. A clean stop
/// (SIGTERM) hands the job back without spending an attempt, so any number of them end `valid` with
/// every row; crashes (kill -9) spend one each, and the job is given up after three with no partial
/// row served, until "Validate again" runs it afresh.
@Suite(.serialized)
struct CleanStopProcessTests {
    static let rowCount = 14_000

    /// A valid chat file just under the 50 MiB upload limit (about 3.5 KB a line).
    static func writeFiftyMegabyteFile(to path: String) throws {
        let filler = String(repeating: "Answer with enough text to make the file large. ", count: 68)
        let lines = Fixtures.chatLines(rowCount, tag: "big").map { $0.replacingOccurrences(of: "Open Settings", with: filler + "Open Settings") }
        let bytes = Fixtures.jsonl(lines)
        #expect(bytes.count > 48_000_000 && bytes.count <= 50 * 1_048_576, "\(bytes.count) bytes")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Reads the server's database beside it, as an operator would with the sqlite3 shell.
    struct Observer {
        let database: Database
        let datasetID: Int64

        struct Snapshot {
            let status: String
            let rows: Int
            let updatedAt: Int64
            let jobState: String
            let jobAttempts: Int
            let leaseOwner: String
        }

        func snapshot() throws -> Snapshot {
            let row = try database.read { connection in
                try connection.queryOne(
                    """
                    SELECT d.status, d.updated_at, (SELECT COUNT(*) FROM dataset_rows WHERE dataset_id = d.id) AS rows,
                        j.state AS job_state, j.attempts, j.lease_owner
                    FROM datasets d JOIN jobs j ON j.id = (SELECT max(id) FROM jobs WHERE dataset_id = d.id)
                    WHERE d.id = ?
                    """, .integer(datasetID))
            }
            return Snapshot(
                status: row?.string("status") ?? "", rows: row?.int("rows") ?? -1, updatedAt: row?.int64("updated_at") ?? -1,
                jobState: row?.string("job_state") ?? "", jobAttempts: row?.int("attempts") ?? -1,
                leaseOwner: row?.string("lease_owner") ?? "")
        }

        /// Waits until a run of the validation that started after `after` (each run resets the dataset,
        /// stamping `updated_at`) has committed rows, or until the dataset has left `validating`.
        func waitForRunningValidation(after: Int64, timeoutSeconds: Double = 60) throws -> Snapshot {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                let now = try snapshot()
                if now.status != "validating" || (now.updatedAt > after && now.rows > 0) { return now }
                Thread.sleep(forTimeInterval: 0.002)
            }
            throw TestFailure("no validation run started within \(timeoutSeconds) s")
        }

        /// Waits until a worker of process `pid` has claimed the validation (workers are named
        /// `worker-<pid>-<n>`); this happens during start-up, before the server prints its URL.
        func waitForClaim(byProcess pid: Int32, timeoutSeconds: Double = 30) throws -> Snapshot {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                let now = try snapshot()
                if now.status != "validating" || now.leaseOwner.hasPrefix("worker-\(pid)-") { return now }
                Thread.sleep(forTimeInterval: 0.001)
            }
            throw TestFailure("process \(pid) did not claim the validation within \(timeoutSeconds) s")
        }

        func waitUntilSettled(timeoutSeconds: Double = 120) throws -> Snapshot {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                let now = try snapshot()
                if now.status != "validating" { return now }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw TestFailure("still validating after \(timeoutSeconds) s")
        }
    }

    /// `distillery serve` without waiting for its URL, to signal it while it is still starting up.
    static func spawnServer(dataDirectory: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DistilleryBinary.path)
        process.arguments = ["serve", "--port", "0", "--data", dataDirectory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    struct Setup {
        let directory: String
        let token: String
        let server: ServerProcess
        let observer: Observer
    }

    static func uploadBigFile() throws -> Setup {
        let directory = TestApp.makeTemporaryDirectory()
        let bigFile = directory + "/big-upload.jsonl"
        try writeFiftyMegabyteFile(to: bigFile)
        defer { unlink(bigFile) }
        let token = try makeAdminWithToken(in: directory)
        let server = try ServerProcess(dataDirectory: directory)
        let upload = try ProcessTests.client(server.base, token: token)(
            "POST", "/api/datasets?name=big", .file(path: bigFile), [("Content-Type", "application/jsonl")])
        guard upload.status == 201, let id = ((try TestApp.object(upload)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value
        else { throw TestFailure("upload -> \(upload.status): \(upload.text.prefix(300))") }
        let database = try Database(path: directory + "/distillery.sqlite", readerCount: 1)
        return Setup(directory: directory, token: token, server: server, observer: Observer(database: database, datasetID: id))
    }

    @Test func fiveCleanStopsDuringValidationEndValidWithEveryRow() throws {
        let setup = try Self.uploadBigFile()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        defer { setup.observer.database.close() }
        let id = setup.observer.datasetID
        // The first stop comes once rows are committed, checking meanwhile that none is served.
        let running = try setup.observer.waitForRunningValidation(after: 0)
        try #require(running.status == "validating", "validation finished before the first clean stop; the file should be larger")
        let send = ProcessTests.client(setup.server.base, token: setup.token)
        #expect(try send("GET", "/api/datasets/\(id)/rows", .none, []).status == 409)
        #expect(try send("GET", "/datasets/\(id)/download", .none, []).status == 409)
        #expect(try send("GET", "/datasets/\(id)/export?format=csv", .none, []).status == 409)
        #expect(((try TestApp.object(try send("GET", "/api/datasets/\(id)", .none, []))["preview"]) as? [Any])?.isEmpty == true)
        setup.server.kill(SIGTERM)
        #expect(setup.server.waitForExit() == 0, "SIGTERM 1 is a clean stop")
        var lastRun = running.updatedAt

        // The next four come shortly after a restart: two as soon as the new process has claimed the
        // job (it is still starting up), two once its run has committed rows.
        for stop in 2...5 {
            let process = try Self.spawnServer(dataDirectory: setup.directory)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let current = stop.isMultiple(of: 2)
                ? try setup.observer.waitForClaim(byProcess: process.processIdentifier)
                : try setup.observer.waitForRunningValidation(after: lastRun)
            try #require(current.status == "validating", "validation finished before clean stop \(stop); the file should be larger")
            lastRun = max(lastRun, current.updatedAt)
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0, "SIGTERM \(stop) is a clean stop")
            let stopped = try setup.observer.snapshot()
            #expect(stopped.status == "validating")
            #expect(stopped.jobState == "queued", "the job was handed back at stop \(stop)")
            #expect(stopped.jobAttempts == 0, "a clean stop spends no attempt (stop \(stop))")
        }

        let server = try ServerProcess(dataDirectory: setup.directory)
        let settled = try setup.observer.waitUntilSettled()
        #expect(settled.status == "valid")
        #expect(settled.rows == Self.rowCount)
        #expect(settled.jobState == "completed")
        #expect(settled.jobAttempts == 1)
        let sendAfter = ProcessTests.client(server.base, token: setup.token)
        let dataset = try TestApp.object(try sendAfter("GET", "/api/datasets/\(id)", .none, []))["dataset"] as? [String: Any]
        #expect(dataset?["status"] as? String == "valid")
        #expect(dataset?["rows"] as? Int == Self.rowCount)
        let download = try sendAfter("GET", "/datasets/\(id)/download", .none, [])
        #expect(download.status == 200)
        #expect(download.body.filter { $0 == 10 }.count == Self.rowCount)
        server.kill(SIGTERM)
        #expect(server.waitForExit() == 0)
    }

    @Test func threeCrashesGiveTheValidationUpWithNoRowsServedThenValidateAgainSucceeds() throws {
        let setup = try Self.uploadBigFile()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        defer { setup.observer.database.close() }
        let id = setup.observer.datasetID
        var server = setup.server
        var lastRun: Int64 = 0
        var crashes = 0
        while crashes < 4 {
            let running = try setup.observer.waitForRunningValidation(after: lastRun)
            if running.status != "validating" { break }
            lastRun = running.updatedAt
            server.kill(SIGKILL)
            #expect(server.waitForExit() != nil)
            crashes += 1
            #expect(try setup.observer.snapshot().rows > 0, "the crash left partial rows behind")
            server = try ServerProcess(dataDirectory: setup.directory)
        }
        // Three crashes spend the three attempts; the fourth start gives the job up.
        #expect(crashes == 3)
        var send = ProcessTests.client(server.base, token: setup.token)
        let given = try setup.observer.snapshot()
        #expect(given.status == "invalid")
        #expect(given.rows == 0)
        #expect(given.jobState == "failed")
        let failed = try TestApp.object(try send("GET", "/api/datasets/\(id)", .none, []))
        let datasetError = ((failed["summary"] as? [String: Any])?["datasetErrors"] as? [[String: Any]])?.first
        #expect(datasetError?["code"] as? String == "validation_interrupted")
        #expect((failed["statusExplanation"] as? String ?? "").contains("cut off 3 times"))
        #expect(failed["canValidateAgain"] as? Bool == true)
        let rows = try TestApp.object(try send("GET", "/api/datasets/\(id)/rows", .none, []))
        #expect((rows["items"] as? [Any])?.isEmpty == true)
        #expect(rows["total"] as? Int == 0)
        let download = try send("GET", "/datasets/\(id)/download", .none, [])
        #expect(download.status == 200)
        #expect(download.body.isEmpty)

        // A fourth kill -9, now with nothing running: the give-up holds across the restart.
        server.kill(SIGKILL)
        #expect(server.waitForExit() != nil)
        server = try ServerProcess(dataDirectory: setup.directory)
        send = ProcessTests.client(server.base, token: setup.token)
        #expect(try setup.observer.snapshot().status == "invalid")

        let again = try send("POST", "/api/datasets/\(id)/validate", .none, [])
        #expect(again.status == 202, "\(again.text.prefix(300))")
        let settled = try setup.observer.waitUntilSettled()
        #expect(settled.status == "valid")
        #expect(settled.rows == Self.rowCount)
        #expect(settled.jobAttempts == 1)
        #expect(try send("POST", "/api/datasets/\(id)/validate", .none, []).status == 409, "a valid dataset is not validated again")
        server.kill(SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}
