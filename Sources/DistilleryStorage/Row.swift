/// One fetched row, detached from its statement, with column access by name or by index.
public struct Row: Sendable, Equatable {
    /// Shared by every row of one query, so a thousand rows do not carry a thousand name tables.
    final class Columns: Sendable {
        let names: [String]
        let indexByName: [String: Int]

        init(names: [String]) {
            self.names = names
            var indexByName: [String: Int] = [:]
            // The first column of a given name wins, as in GRDB and in most drivers.
            for (index, name) in names.enumerated() where indexByName[name.lowercased()] == nil {
                indexByName[name.lowercased()] = index
            }
            self.indexByName = indexByName
        }
    }

    let columns: Columns
    public let values: [SQLValue]

    init(columns: Columns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    init(statement: Statement, columns: Columns) {
        self.columns = columns
        self.values = (0..<columns.names.count).map(statement.value(at:))
    }

    public static func == (lhs: Row, rhs: Row) -> Bool {
        lhs.columns.names == rhs.columns.names && lhs.values == rhs.values
    }

    public var columnNames: [String] { columns.names }
    public var count: Int { values.count }

    public subscript(index: Int) -> SQLValue { values[index] }

    /// The named column (case-insensitive, as SQLite names are), or `.null` when there is none;
    /// use `hasColumn` to tell a missing column from a NULL.
    public subscript(name: String) -> SQLValue {
        guard let index = columns.indexByName[name.lowercased()] else { return .null }
        return values[index]
    }

    public func hasColumn(_ name: String) -> Bool { columns.indexByName[name.lowercased()] != nil }

    public func int64(_ name: String) -> Int64? { self[name].int64Value }
    public func int(_ name: String) -> Int? { self[name].intValue }
    public func double(_ name: String) -> Double? { self[name].doubleValue }
    public func string(_ name: String) -> String? { self[name].stringValue }
    public func blob(_ name: String) -> [UInt8]? { self[name].blobValue }
}
