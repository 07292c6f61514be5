import DistilleryCore
import Testing
@testable import DistilleryStorage

/// The templates table on a real SQLite file: CRUD, variables found at save, checks, unique names and copies.
struct TemplateStoreTests {
    static let draft = TemplateDraft(
        name: "Support questions", description: "Tickets by topic", type: .qa, systemPrompt: "You are a support agent.",
        prompt: "Write {count} questions about {topic} ({topic.description}) at {difficulty} level, {{as JSON}}.",
        settingsJSON: #"{ "temperature": 0.7, "items_per_call": 5 }"#)

    func open(_ folder: TemporaryFolder, clock: ManualClock = ManualClock()) throws -> (Database, TemplateStore, Int64) {
        let database = try Database(path: folder.file("templates.sqlite"))
        let user = try database.write { connection in
            try connection.run(
                "INSERT INTO users (name, password_hash, role, created_at, password_changed_at) VALUES ('ada', 'x', 'admin', 1, 1)")
            return connection.lastInsertRowID
        }
        return (database, TemplateStore(database: database, clock: { clock() }), user)
    }

    @Test func createStoresTheDraftItsVariablesAndCompactSettings() throws {
        let folder = try TemporaryFolder()
        let clock = ManualClock()
        let (_, store, user) = try open(folder, clock: clock)
        let created = try store.create(Self.draft, by: user)
        #expect(created.draft == TemplateDraft(
            name: "Support questions", description: "Tickets by topic", type: .qa, systemPrompt: "You are a support agent.",
            prompt: Self.draft.prompt, settingsJSON: #"{"temperature":0.7,"items_per_call":5}"#))
        #expect(created.variables == ["topic", "difficulty"])
        #expect(created.createdBy == user && created.createdAt == clock() && created.updatedAt == clock())
        #expect(try store.get(id: created.id) == created)
        #expect(try store.get(id: created.id + 1) == nil)
    }

    @Test func updateReplacesEverythingAndKeepsCreation() throws {
        let folder = try TemporaryFolder()
        let clock = ManualClock()
        let (_, store, user) = try open(folder, clock: clock)
        let created = try store.create(Self.draft, by: user)
        clock.advance(by: 5000)
        let changed = TemplateDraft(name: "Seeds by audience", type: .prompts, prompt: "A request from a {audience}", settingsJSON: "")
        let updated = try store.update(id: created.id, changed)
        #expect(updated.name == "Seeds by audience" && updated.type == .prompts && updated.systemPrompt == "" && updated.description == "")
        #expect(updated.variables == ["audience"] && updated.settingsJSON == "{}")
        #expect(updated.createdAt == created.createdAt && updated.updatedAt == created.createdAt + 5000 && updated.createdBy == user)
        #expect(try store.get(id: created.id) == updated)
        // Keeping its own name (in another case) is not a clash.
        var renamed = changed
        renamed.name = "SEEDS BY AUDIENCE"
        #expect(try store.update(id: created.id, renamed).name == "SEEDS BY AUDIENCE")
        #expect(throws: AppError.notFound("There is no template #999.")) { try store.update(id: 999, changed) }
    }

    @Test func listIsByNameIgnoringCase() throws {
        let folder = try TemporaryFolder()
        let (_, store, _) = try open(folder)
        for name in ["beta", "Alpha", "gamma"] {
            _ = try store.create(TemplateDraft(name: name, type: .prompts, prompt: "p"), by: nil)
        }
        #expect(try store.list().map(\.name) == ["Alpha", "beta", "gamma"])
        #expect(try store.list().allSatisfy { $0.createdBy == nil })
    }

    @Test func aNameInUseIsAFieldErrorInAnyCase() throws {
        let folder = try TemporaryFolder()
        let (_, store, user) = try open(folder)
        let first = try store.create(Self.draft, by: user)
        var clash = Self.draft
        clash.name = "SUPPORT questions"
        let error = AppError.invalid(
            "Another template is already named \"SUPPORT questions\".",
            fields: ["name": "another template is already named \"SUPPORT questions\""])
        #expect(throws: error) { try store.create(clash, by: user) }
        let other = try store.create(TemplateDraft(name: "Other", type: .qa, prompt: "p"), by: user)
        #expect(throws: error) { try store.update(id: other.id, clash) }
        #expect(try store.list().map(\.id) == [other.id, first.id])
    }

    /// The unique index holds even against a writer that skips the store's check.
    @Test func theUniqueIndexRefusesADuplicateNameInSQL() throws {
        let folder = try TemporaryFolder()
        let (database, store, _) = try open(folder)
        _ = try store.create(Self.draft, by: nil)
        #expect(throws: DatabaseError.self) {
            try database.write { connection in
                try connection.run(
                    "INSERT INTO templates (name, type, prompt, created_at, updated_at) VALUES ('support QUESTIONS', 'qa', 'p', 1, 1)")
            }
        }
        #expect(throws: DatabaseError.self) {
            try database.write { connection in
                try connection.run("INSERT INTO templates (name, type, prompt, created_at, updated_at) VALUES ('x', 'essay', 'p', 1, 1)")
            }
        }
    }

    @Test func badDraftsNameTheirFieldsAndStoreNothing() throws {
        let folder = try TemporaryFolder()
        let (_, store, _) = try open(folder)
        let cases: [(TemplateDraft, [String: String])] = [
            (TemplateDraft(name: "  ", type: .qa, prompt: "Write about {topic"),
             ["name": "is required", "prompt": "a `{` at character 13 is never closed (write `{{` for a literal brace)"]),
            (TemplateDraft(name: "x", type: .qa, prompt: " \n"), ["prompt": "is required"]),
            (TemplateDraft(name: String(repeating: "n", count: 121), type: .qa, prompt: "p"), ["name": "must be at most 120 characters; got 121"]),
            (TemplateDraft(name: "x", type: .qa, prompt: "p", settingsJSON: "[1]"), ["settings": "must be a JSON object"]),
            (TemplateDraft(name: "x", type: .qa, prompt: "p", settingsJSON: "{"),
             ["settings": "is not JSON: expected a member name in quotes at byte 1"]),
            (TemplateDraft(name: "x", type: .qa, prompt: "p", settingsJSON: #"{"temperature":3,"top_p":"1","max_tokens":0.5,"items_per_call":51,"seed":1}"#),
             [
                "settings.temperature": "must be a number between 0 and 2", "settings.top_p": "must be a number between 0 and 1",
                "settings.max_tokens": "must be a whole number above 0", "settings.items_per_call": "must be a whole number from 1 to 50",
                "settings.seed": "is not a template setting (temperature, top_p, max_tokens, items_per_call)",
             ]),
        ]
        for (draft, fields) in cases {
            #expect(throws: AppError.invalid("The template cannot be saved: check \(fields.keys.sorted().joined(separator: ", ")).", fields: fields)) {
                try store.create(draft, by: nil)
            }
        }
        #expect(try store.list().isEmpty)
        let saved = try store.create(Self.draft, by: nil)
        var broken = Self.draft
        broken.prompt = "Use } alone"
        #expect(throws: AppError.invalid(
            "The template cannot be saved: check prompt.",
            fields: ["prompt": "a `}` at character 5 closes nothing (write `}}` for a literal brace)"])) { try store.update(id: saved.id, broken) }
        #expect(try store.get(id: saved.id) == saved)
    }

    @Test func duplicateNumbersItsCopies() throws {
        let folder = try TemporaryFolder()
        let clock = ManualClock()
        let (_, store, user) = try open(folder, clock: clock)
        let original = try store.create(Self.draft, by: nil)
        clock.advance(by: 1000)
        let first = try store.duplicate(id: original.id, by: user)
        let second = try store.duplicate(id: original.id, by: user)
        let ofCopy = try store.duplicate(id: first.id, by: nil)
        #expect([first.name, second.name, ofCopy.name] == ["Support questions (copy)", "Support questions (copy 2)", "Support questions (copy) (copy)"])
        #expect(first.id != original.id && first.createdBy == user && first.createdAt == original.createdAt + 1000)
        var sameContent = first
        sameContent.id = original.id
        sameContent.name = original.name
        sameContent.createdBy = nil
        sameContent.createdAt = original.createdAt
        sameContent.updatedAt = original.updatedAt
        #expect(sameContent == original)
        // A name at the length limit is shortened so its copy's name still fits.
        let long = try store.create(TemplateDraft(name: String(repeating: "L", count: 120), type: .prompts, prompt: "p"), by: nil)
        let longCopy = try store.duplicate(id: long.id, by: nil)
        #expect(longCopy.name == String(repeating: "L", count: 113) + " (copy)")
        #expect(throws: AppError.notFound("There is no template #999.")) { try store.duplicate(id: 999, by: nil) }
    }

    @Test func deleteRemovesTheTemplateAndAnUnknownIDIsNotFound() throws {
        let folder = try TemporaryFolder()
        let (_, store, _) = try open(folder)
        let kept = try store.create(Self.draft, by: nil)
        let gone = try store.create(TemplateDraft(name: "Gone", type: .transform, prompt: "Summarise {input}"), by: nil)
        try store.delete(id: gone.id)
        #expect(try store.get(id: gone.id) == nil)
        #expect(try store.list() == [kept])
        #expect(throws: AppError.notFound("There is no template #\(gone.id).")) { try store.delete(id: gone.id) }
    }

    @Test func deletingTheAuthorKeepsTheTemplate() throws {
        let folder = try TemporaryFolder()
        let (database, store, user) = try open(folder)
        let created = try store.create(Self.draft, by: user)
        try database.write { try $0.run("DELETE FROM users WHERE id = ?", .integer(user)) }
        #expect(try store.get(id: created.id)?.createdBy == nil)
    }
}
