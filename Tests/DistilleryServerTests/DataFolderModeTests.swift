import DistilleryPlatform
import Foundation
import Testing

/// The data folder is the owner's alone: the folder 0700, the database (and its -wal and -shm) and
/// every upload 0600, whether the file came as multipart or as a raw body, small or spooled.
@Suite(.serialized)
struct DataFolderModeTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    @Test func theRealServerKeepsItsDataFolderPrivate() throws {
        let root = TestApp.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        let token = try makeAdminWithToken(in: data)
        let server = try ServerProcess(dataDirectory: data)
        let send = ProcessTests.client(server.base, token: token)

        var multipart = MultipartFormData()
        multipart.addField(name: "name", value: "multipart")
        multipart.addFile(name: "file", filename: "train.jsonl", contents: Fixtures.jsonl(Fixtures.chatLines(120, tag: "m")))
        let viaMultipart = try send("POST", "/api/datasets", .bytes(multipart.encoded()), [("Content-Type", multipart.contentType)])
        let small = try send("POST", "/api/datasets?name=raw-small", .bytes(Fixtures.jsonl(Fixtures.chatLines(120, tag: "r"))), [("Content-Type", "application/jsonl")])
        let spooled = try send("POST", "/api/datasets?name=raw-spooled", .bytes(Fixtures.jsonl(Fixtures.chatLines(800, tag: "s"))), [("Content-Type", "application/jsonl")])
        var ids: [Int64] = []
        for response in [viaMultipart, small, spooled] {
            #expect(response.status == 201, "\(response.text.prefix(300))")
            ids.append(try #require(((try TestApp.object(response)["dataset"] as? [String: Any])?["id"] as? NSNumber)?.int64Value))
        }

        #expect(Self.mode(data) == 0o700)
        #expect(Self.mode(data + "/uploads") == 0o700)
        #expect(Self.mode(data + "/tmp") == 0o700)
        for suffix in ["", "-wal", "-shm"] {
            #expect(Self.mode(data + "/distillery.sqlite" + suffix) == 0o600, "distillery.sqlite\(suffix)")
        }
        for id in ids {
            #expect(Self.mode(data + "/uploads/\(id).jsonl") == 0o600, "upload \(id)")
        }
        server.kill(SIGTERM)
        #expect(server.waitForExit() != nil)
    }
}
