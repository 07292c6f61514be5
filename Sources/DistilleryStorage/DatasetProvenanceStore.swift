import DistilleryCore

/// `datasets.provenance`: how a curated dataset was made (`DatasetProvenance` as JSON).
extension DatasetStore {
    /// Records a curated dataset's provenance inside the transaction that creates it.
    public static func recordProvenance(_ connection: Connection, datasetID: Int64, json: String) throws {
        try connection.run("UPDATE datasets SET provenance = ? WHERE id = ?", .text(json), .integer(datasetID))
    }

    /// A curated dataset's provenance JSON; nil for any other dataset.
    public func provenance(datasetID: Int64) throws -> String? {
        try database.read { try $0.scalar("SELECT provenance FROM datasets WHERE id = ?", .integer(datasetID))?.stringValue }
    }
}
