import DistilleryCore

/// How many generation tasks started from a template, and how many of those are still queued or running.
public struct TemplateUsage: Sendable, Equatable {
    public var tasks: Int
    public var activeTasks: Int

    public init(tasks: Int, activeTasks: Int) {
        self.tasks = tasks
        self.activeTasks = activeTasks
    }
}

extension TemplateStore {
    /// `generation_jobs.status IN (…)` for the statuses of a task still under way.
    static let activeStatuses = GenerationStatus.allCases.filter(\.isActive).map { "'\($0.rawValue)'" }.joined(separator: ", ")

    private static let usageSelect = """
        SELECT template_id, COUNT(*) AS tasks, COALESCE(SUM(status IN (\(activeStatuses))), 0) AS active
        FROM generation_jobs WHERE template_id IS NOT NULL
        """

    /// Every template's usage in one query (the list page); a template no task used is absent.
    public func usage() throws -> [Int64: TemplateUsage] {
        try database.read { connection in
            var usage: [Int64: TemplateUsage] = [:]
            for row in try connection.query(Self.usageSelect + " GROUP BY template_id") {
                guard let id = row.int64("template_id") else { continue }
                usage[id] = TemplateUsage(tasks: row.int("tasks") ?? 0, activeTasks: row.int("active") ?? 0)
            }
            return usage
        }
    }

    public func usage(templateID: Int64) throws -> TemplateUsage {
        try database.read { connection in
            let row = try connection.queryOne(Self.usageSelect + " AND template_id = ? GROUP BY template_id", .integer(templateID))
            return TemplateUsage(tasks: row?.int("tasks") ?? 0, activeTasks: row?.int("active") ?? 0)
        }
    }

    static func activeTasks(templateID: Int64, in connection: Connection) throws -> Int {
        try connection.scalar(
            "SELECT COUNT(*) FROM generation_jobs WHERE template_id = ? AND status IN (\(activeStatuses))", .integer(templateID))?.intValue ?? 0
    }
}
