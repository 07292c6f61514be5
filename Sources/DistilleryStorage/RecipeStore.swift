import DistilleryCore

/// A saved recipe with who made it, when it changed and how many synthesis jobs used it.
public struct StoredRecipe: Sendable, Equatable {
    public let id: Int64
    public let recipe: Recipe
    public let createdBy: Int64?
    public let createdByName: String?
    public let createdAt: Int64
    public let updatedAt: Int64
    /// Synthesis jobs that started from this recipe, in any state.
    public let usedByJobs: Int
    /// Of those, the ones still queued or running (they block deletion).
    public let activeJobs: Int
}

/// The `recipes` table. A recipe is stored as Distillery's recipe JSON, so the shape evolves
/// with `RecipeDocument` and not with the schema.
public struct RecipeStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public enum DeleteOutcome: Sendable, Equatable {
        case deleted
        case notFound
        /// Queued or running synthesis jobs use it.
        case inUse(activeJobs: Int)
    }

    private static let select = """
        SELECT r.id, r.body, r.created_by, u.name AS created_by_name, r.created_at, r.updated_at,
            (SELECT COUNT(*) FROM synthesis_jobs j WHERE j.recipe_id = r.id) AS used_by,
            (SELECT COUNT(*) FROM synthesis_jobs j WHERE j.recipe_id = r.id AND j.status IN ('queued', 'running')) AS active
        FROM recipes r LEFT JOIN users u ON u.id = r.created_by
        """

    public func create(_ recipe: Recipe, userID: Int64?, now: Int64) throws -> StoredRecipe {
        let id = try database.write { connection in
            try connection.run(
                "INSERT INTO recipes (name, body, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                .text(recipe.name), .text(recipe.json.serialized), Self.user(userID), .integer(now), .integer(now))
            return connection.lastInsertRowID
        }
        guard let stored = try get(id: id) else { throw StorageInvariantError("recipe #\(id) vanished after insert") }
        return stored
    }

    public func list() throws -> [StoredRecipe] {
        try database.read { try $0.query(Self.select + " ORDER BY r.name COLLATE NOCASE, r.id").compactMap(Self.stored) }
    }

    public func get(id: Int64) throws -> StoredRecipe? {
        try database.read { try $0.queryOne(Self.select + " WHERE r.id = ?", .integer(id)).flatMap(Self.stored) }
    }

    /// Replaces the recipe's settings; nil when there is no such recipe.
    public func update(id: Int64, _ recipe: Recipe, now: Int64) throws -> StoredRecipe? {
        let changed = try database.write { connection in
            try connection.run(
                "UPDATE recipes SET name = ?, body = ?, updated_at = ? WHERE id = ?",
                .text(recipe.name), .text(recipe.json.serialized), .integer(now), .integer(id))
            return connection.changes > 0
        }
        return changed ? try get(id: id) : nil
    }

    /// A copy named "<name> (copy)", created by `userID`; nil when there is no such recipe.
    public func duplicate(id: Int64, userID: Int64?, now: Int64) throws -> StoredRecipe? {
        guard let original = try get(id: id) else { return nil }
        var copy = original.recipe
        copy.name = String((copy.name + " (copy)").prefix(Recipe.maxNameLength))
        return try create(copy, userID: userID, now: now)
    }

    /// Refused while a queued or running synthesis job uses the recipe; finished jobs keep their own
    /// settings and lose only the link (ON DELETE SET NULL). The check and the delete share one
    /// write transaction, so a job cannot start using the recipe in between.
    public func delete(id: Int64) throws -> DeleteOutcome {
        try database.write { connection in
            guard try connection.queryOne("SELECT 1 FROM recipes WHERE id = ?", .integer(id)) != nil else { return .notFound }
            let active = try connection.scalar(
                "SELECT COUNT(*) FROM synthesis_jobs WHERE recipe_id = ? AND status IN ('queued', 'running')", .integer(id))?.intValue ?? 0
            guard active == 0 else { return .inUse(activeJobs: active) }
            try connection.run("DELETE FROM recipes WHERE id = ?", .integer(id))
            return .deleted
        }
    }

    private static func user(_ id: Int64?) -> SQLValue { id.map { .integer($0) } ?? .null }

    /// A row whose body no longer decodes (hand-edited database) is left out rather than failing the page.
    static func stored(_ row: Row) -> StoredRecipe? {
        guard let body = row.string("body"), let json = try? SynthesisJSON.parse(body),
            let recipe = RecipeDocument.decodeDistillery(json).recipe
        else { return nil }
        return StoredRecipe(
            id: row.int64("id") ?? 0, recipe: recipe, createdBy: row.int64("created_by"), createdByName: row.string("created_by_name"),
            createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0,
            usedByJobs: row.int("used_by") ?? 0, activeJobs: row.int("active") ?? 0)
    }
}

/// Something the store itself guarantees did not hold.
struct StorageInvariantError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
