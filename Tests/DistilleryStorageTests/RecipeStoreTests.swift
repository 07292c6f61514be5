import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The recipes table on a real SQLite file: CRUD, duplicate, "used by N jobs" and the delete guard.
struct RecipeStoreTests {
    static let recipe = Recipe(
        name: "Support answers", teacher: RecipeEndpoint(provider: "deepseek", model: "deepseek-chat"),
        judge: RecipeEndpoint(provider: "openai-compatible", model: "local-judge", baseURL: "http://127.0.0.1:8081/v1"),
        temperature: 0.4, seed: 7, requestsPerMinute: 60, candidates: 4, rejectionSampling: true,
        distribution: RecipeDistribution(train: 0.8, validation: 0.1, test: 0.1))

    func open(_ folder: TemporaryFolder) throws -> (Database, RecipeStore, Int64) {
        let database = try Database(path: folder.file("recipes.sqlite"))
        let user = try database.write { connection in
            try connection.run(
                "INSERT INTO users (name, password_hash, role, created_at, password_changed_at) VALUES ('ada', 'x', 'admin', 1, 1)")
            return connection.lastInsertRowID
        }
        return (database, RecipeStore(database: database), user)
    }

    /// A synthesis job row in `status` that started from recipe `recipeID` (the engine sets the link later).
    func insertJob(_ database: Database, recipeID: Int64, status: String) throws {
        try database.write { connection in
            try connection.run("INSERT INTO jobs (kind, state, created_at) VALUES ('synthesis', 'running', 1)")
            let jobID = connection.lastInsertRowID
            try connection.run(
                "INSERT INTO synthesis_jobs (job_id, provider, model, settings, status, created_at, recipe_id) VALUES (?, 'deepseek', 'deepseek-chat', '{}', ?, 1, ?)",
                .integer(jobID), .text(status), .integer(recipeID))
        }
    }

    @Test func createGetListUpdate() throws {
        let folder = try TemporaryFolder()
        let (_, store, user) = try open(folder)
        let created = try store.create(Self.recipe, userID: user, now: 1000)
        #expect(created.recipe == Self.recipe)
        #expect(created.createdByName == "ada")
        #expect(created.createdAt == 1000 && created.updatedAt == 1000)
        #expect(try store.get(id: created.id) == created)

        var changed = Self.recipe
        changed.name = "A renamed recipe"
        changed.judge = nil
        let updated = try #require(try store.update(id: created.id, changed, now: 2000))
        #expect(updated.recipe == changed)
        #expect(updated.createdAt == 1000 && updated.updatedAt == 2000)
        #expect(try store.update(id: 999, changed, now: 3000) == nil)

        _ = try store.create(Recipe(name: "b first", teacher: Self.recipe.teacher), userID: nil, now: 5)
        #expect(try store.list().map(\.recipe.name) == ["A renamed recipe", "b first"])
        #expect(try store.list().last?.createdByName == nil)
    }

    @Test func duplicateCopiesEverySettingUnderANewName() throws {
        let folder = try TemporaryFolder()
        let (_, store, user) = try open(folder)
        let original = try store.create(Self.recipe, userID: user, now: 1)
        let copy = try #require(try store.duplicate(id: original.id, userID: user, now: 2))
        #expect(copy.id != original.id)
        var expected = Self.recipe
        expected.name = "Support answers (copy)"
        #expect(copy.recipe == expected)
        #expect(try store.duplicate(id: 12345, userID: user, now: 3) == nil)
    }

    @Test func deleteIsRefusedWhileAQueuedOrRunningJobUsesTheRecipe() throws {
        let folder = try TemporaryFolder()
        let (database, store, user) = try open(folder)
        let stored = try store.create(Self.recipe, userID: user, now: 1)
        try insertJob(database, recipeID: stored.id, status: "completed")
        try insertJob(database, recipeID: stored.id, status: "running")
        try insertJob(database, recipeID: stored.id, status: "queued")
        let counted = try #require(try store.get(id: stored.id))
        #expect(counted.usedByJobs == 3 && counted.activeJobs == 2)
        #expect(try store.delete(id: stored.id) == .inUse(activeJobs: 2))
        #expect(try store.get(id: stored.id) != nil)

        try database.write { try $0.run("UPDATE synthesis_jobs SET status = 'cancelled' WHERE status IN ('queued', 'running')") }
        #expect(try store.delete(id: stored.id) == .deleted)
        #expect(try store.get(id: stored.id) == nil)
        // Finished jobs keep their rows; only the link is cleared.
        let links = try database.read { try $0.query("SELECT recipe_id FROM synthesis_jobs") }
        #expect(links.count == 3 && links.allSatisfy { $0.int64("recipe_id") == nil })
        #expect(try store.delete(id: stored.id) == .notFound)
    }

    @Test func recipesTableIsStrict() throws {
        let folder = try TemporaryFolder()
        let (database, _, _) = try open(folder)
        #expect(throws: DatabaseError.self) {
            try database.write { try $0.run("INSERT INTO recipes (name, body, created_at, updated_at) VALUES ('x', '{}', 'not a time', 1)") }
        }
    }
}
