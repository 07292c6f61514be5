import DistilleryCore
import Testing
@testable import DistilleryStorage

/// How many generation tasks use a template (one query for the whole list), and deletion refused while one of
/// them is still queued or running; a task that ended keeps its snapshot and only loses the link.
struct TemplateUsageTests {
    func open(_ folder: TemporaryFolder) throws -> (Database, TemplateStore) {
        let database = try Database(path: folder.file("usage.sqlite"))
        return (database, TemplateStore(database: database))
    }

    /// A task as the generation store writes it, reduced to what these counts read.
    @discardableResult
    func insertTask(_ database: Database, template: Int64, status: GenerationStatus) throws -> Int64 {
        try database.write { connection in
            try connection.run(
                "INSERT INTO jobs (kind, state, created_at) VALUES (?, ?, 1)", .text(JobKind.generation.storedName),
                .text(status.jobStatus.rawValue))
            let job = connection.lastInsertRowID
            try connection.run(
                """
                INSERT INTO generation_jobs (job_id, template_id, template_name, template_type, system_prompt, prompt, output_name,
                    provider, model, settings, status, target, created_at)
                VALUES (?, ?, 'Support questions', 'qa', '', 'Ask about {topic}', 'out', 'deepseek', 'deepseek-chat', '{}', ?, 10, 1)
                """,
                .integer(job), .integer(template), .text(status.rawValue))
            return job
        }
    }

    @Test func usageCountsEveryTaskAndTheActiveOnes() throws {
        let folder = try TemporaryFolder()
        let (database, store) = try open(folder)
        let support = try store.create(TemplateDraft(name: "Support questions", type: .qa, prompt: "Ask about {topic}"), by: nil)
        let unused = try store.create(TemplateDraft(name: "Unused", type: .prompts, prompt: "Write {count} prompts"), by: nil)
        let other = try store.create(TemplateDraft(name: "Dialogues", type: .dialogue, prompt: "A chat"), by: nil)
        for status in [GenerationStatus.queued, .running, .completed, .completedWithShortfall, .failed, .cancelled] {
            try insertTask(database, template: support.id, status: status)
        }
        try insertTask(database, template: other.id, status: .completed)

        #expect(try store.usage() == [
            support.id: TemplateUsage(tasks: 6, activeTasks: 2), other.id: TemplateUsage(tasks: 1, activeTasks: 0),
        ])
        #expect(try store.usage(templateID: support.id) == TemplateUsage(tasks: 6, activeTasks: 2))
        #expect(try store.usage(templateID: unused.id) == TemplateUsage(tasks: 0, activeTasks: 0))
    }

    @Test func deleteIsRefusedWhileATaskRunsAndKeepsTheEndedTasksSnapshot() throws {
        let folder = try TemporaryFolder()
        let (database, store) = try open(folder)
        let template = try store.create(TemplateDraft(name: "Support questions", type: .qa, prompt: "Ask about {topic}"), by: nil)
        let running = try insertTask(database, template: template.id, status: .running)
        let ended = try insertTask(database, template: template.id, status: .completedWithShortfall)

        #expect(throws: AppError.conflict(
            "\"Support questions\" is used by 1 queued or running generation task; delete it when that task has finished or been cancelled.")
        ) { try store.delete(id: template.id) }
        try insertTask(database, template: template.id, status: .queued)
        #expect(throws: AppError.conflict(
            "\"Support questions\" is used by 2 queued or running generation tasks; delete it when they have finished or been cancelled.")
        ) { try store.delete(id: template.id) }
        #expect(try store.get(id: template.id) != nil)

        try database.write { connection in
            try connection.run("UPDATE generation_jobs SET status = 'cancelled' WHERE template_id = ? AND job_id != ?", .integer(template.id), .integer(ended))
        }
        try store.delete(id: template.id)
        #expect(try store.get(id: template.id) == nil)
        let kept = try database.read { connection in
            try connection.query("SELECT template_id, template_name, prompt FROM generation_jobs WHERE job_id IN (?, ?) ORDER BY job_id", .integer(running), .integer(ended))
        }
        #expect(kept.map { $0.int64("template_id") } == [nil, nil])
        #expect(kept.map { $0.string("template_name") } == ["Support questions", "Support questions"])
        #expect(kept.map { $0.string("prompt") } == ["Ask about {topic}", "Ask about {topic}"])
    }
}
