import DistilleryCore

/// A saved instruction template.
public struct TemplateRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String
    public var type: TemplateType
    public var systemPrompt: String
    public var prompt: String
    /// The prompt's variables, found when it was saved (`PromptTemplate.variables`).
    public var variables: [String]
    /// Default model settings as a compact JSON object (see `TemplateDraft.settingsJSON`).
    public var settingsJSON: String
    public var createdBy: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    /// The record's editable part, e.g. to fill the edit form.
    public var draft: TemplateDraft {
        TemplateDraft(name: name, description: description, type: type, systemPrompt: systemPrompt, prompt: prompt, settingsJSON: settingsJSON)
    }
}

/// The `templates` table. Every write checks the draft (`TemplateDraft.checked`): a bad field or a name another
/// template has (in any case) is `AppError.invalid` naming the field; an unknown id is `AppError.notFound`.
public final class TemplateStore: Sendable {
    public let database: Database
    private let clock: @Sendable () -> Int64

    /// `clock` returns the current time in Unix milliseconds; tests inject their own.
    public init(database: Database, clock: @escaping @Sendable () -> Int64 = JobQueue.systemClock) {
        self.database = database
        self.clock = clock
    }

    private static let columns = "id, name, description, type, system_prompt, prompt, variables, settings, created_by, created_at, updated_at"

    public func create(_ draft: TemplateDraft, by user: Int64?) throws -> TemplateRecord {
        let checked = try draft.checked()
        let now = clock()
        let id = try database.write { connection in
            try Self.requireFreeName(draft.name, except: nil, in: connection)
            return try Self.insert(draft, checked, by: user, now: now, in: connection)
        }
        return try stored(id)
    }

    public func update(id: Int64, _ draft: TemplateDraft) throws -> TemplateRecord {
        let checked = try draft.checked()
        let now = clock()
        try database.write { connection in
            guard try connection.queryOne("SELECT 1 FROM templates WHERE id = ?", .integer(id)) != nil else { throw Self.notFound(id) }
            try Self.requireFreeName(draft.name, except: id, in: connection)
            try connection.run(
                """
                UPDATE templates SET name = ?, description = ?, type = ?, system_prompt = ?, prompt = ?, variables = ?, settings = ?,
                    updated_at = ? WHERE id = ?
                """,
                .text(draft.name), .text(draft.description), .text(draft.type.rawValue), .text(draft.systemPrompt), .text(draft.prompt),
                .text(Self.variablesJSON(checked.variables)), .text(checked.settingsJSON), .integer(now), .integer(id))
        }
        return try stored(id)
    }

    /// A copy named "X (copy)", or "X (copy 2)", "X (copy 3)", … when that name is taken, created by `user`.
    public func duplicate(id: Int64, by user: Int64?) throws -> TemplateRecord {
        guard let original = try get(id: id) else { throw Self.notFound(id) }
        let now = clock()
        let copyID = try database.write { connection in
            var draft = original.draft
            var number = 1
            repeat {
                draft.name = Self.copyName(original.name, number: number)
                number += 1
            } while try connection.queryOne("SELECT 1 FROM templates WHERE name = ? COLLATE NOCASE", .text(draft.name)) != nil
            return try Self.insert(draft, try draft.checked(), by: user, now: now, in: connection)
        }
        return try stored(copyID)
    }

    /// Refused (`AppError.conflict`) while a queued or running generation task uses the template; a task that ended
    /// keeps its own snapshot of the template and only loses the link (ON DELETE SET NULL). The check and the delete
    /// share one write transaction, so a task cannot start using the template in between.
    public func delete(id: Int64) throws {
        try database.write { connection in
            guard let name = try connection.scalar("SELECT name FROM templates WHERE id = ?", .integer(id))?.stringValue else {
                throw Self.notFound(id)
            }
            let active = try Self.activeTasks(templateID: id, in: connection)
            guard active == 0 else {
                let tasks = active == 1 ? "1 queued or running generation task" : "\(active) queued or running generation tasks"
                throw AppError.conflict(
                    "\"\(name)\" is used by \(tasks); delete it when \(active == 1 ? "that task has" : "they have") finished or been cancelled.")
            }
            try connection.run("DELETE FROM templates WHERE id = ?", .integer(id))
        }
    }

    public func get(id: Int64) throws -> TemplateRecord? {
        try database.read { try $0.queryOne("SELECT \(Self.columns) FROM templates WHERE id = ?", .integer(id)).flatMap(Self.record) }
    }

    /// By name, ignoring case.
    public func list() throws -> [TemplateRecord] {
        try database.read { try $0.query("SELECT \(Self.columns) FROM templates ORDER BY name COLLATE NOCASE, id").compactMap(Self.record) }
    }

    /// "X (copy)" for the first copy, "X (copy N)" after; X is shortened so the name stays within the limit.
    static func copyName(_ name: String, number: Int) -> String {
        let suffix = number == 1 ? " (copy)" : " (copy \(number))"
        return String(name.prefix(TemplateDraft.maxNameLength - suffix.count)) + suffix
    }

    private func stored(_ id: Int64) throws -> TemplateRecord {
        guard let record = try get(id: id) else { throw StorageInvariantError("template #\(id) vanished after it was written") }
        return record
    }

    private static func insert(_ draft: TemplateDraft, _ checked: TemplateDraft.Checked, by user: Int64?, now: Int64, in connection: Connection) throws -> Int64 {
        try connection.run(
            """
            INSERT INTO templates (name, description, type, system_prompt, prompt, variables, settings, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(draft.name), .text(draft.description), .text(draft.type.rawValue), .text(draft.systemPrompt), .text(draft.prompt),
            .text(variablesJSON(checked.variables)), .text(checked.settingsJSON), SQLValue(user), .integer(now), .integer(now))
        return connection.lastInsertRowID
    }

    /// Checked in the write transaction (one writer), so two saves cannot both take a name; the unique index backs it.
    private static func requireFreeName(_ name: String, except id: Int64?, in connection: Connection) throws {
        let holder = try connection.scalar("SELECT id FROM templates WHERE name = ? COLLATE NOCASE", .text(name))?.int64Value
        if let holder, holder != id {
            throw AppError.invalid(
                "Another template is already named \"\(name)\".", fields: ["name": "another template is already named \"\(name)\""])
        }
    }

    private static func notFound(_ id: Int64) -> AppError { .notFound("There is no template #\(id).") }

    private static func variablesJSON(_ names: [String]) -> String { SynthesisJSON.array(names.map { .string($0) }).serialized }

    /// A row the code cannot read (hand-edited database) is left out rather than failing the page.
    static func record(_ row: Row) -> TemplateRecord? {
        guard let type = TemplateType(rawValue: row.string("type") ?? ""),
            let variables = (try? SynthesisJSON.parse(row.string("variables") ?? ""))?.arrayValue
        else { return nil }
        return TemplateRecord(
            id: row.int64("id") ?? 0, name: row.string("name") ?? "", description: row.string("description") ?? "", type: type,
            systemPrompt: row.string("system_prompt") ?? "", prompt: row.string("prompt") ?? "", variables: variables.compactMap(\.stringValue),
            settingsJSON: row.string("settings") ?? "{}", createdBy: row.int64("created_by"), createdAt: row.int64("created_at") ?? 0,
            updatedAt: row.int64("updated_at") ?? 0)
    }
}
