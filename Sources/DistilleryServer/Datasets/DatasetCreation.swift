import DistilleryCore
import DistilleryStorage
import Foundation

/// Checks an upload's fields, stores the dataset with status `validating`, moves its file into
/// place and queues the validation job, all in one transaction, so a crash leaves either nothing
/// or a dataset whose validation will run.
enum DatasetCreation {
    static let maxNameLength = 200

    /// What is wrong with a new dataset's (trimmed) name, if anything.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "Give the dataset a name." }
        if name.count > maxNameLength { return "The name is \(name.count) characters; the limit is \(maxNameLength)." }
        return nil
    }

    static func create(_ upload: DatasetUpload, context: RequestContext) throws -> Int64 {
        var fields = try checkedFields(upload)
        fields.createdBy = try context.requireUser().id
        let id = try context.datasets.create(fields, now: context.services.now()) { id in
            try DatasetUploadReader.moveFile(from: upload.filePath, to: context.configuration.uploadPath(datasetID: id))
        }
        context.services.wakeWorkers()
        return id
    }

    /// Every field problem at once, keyed by form field name, as a 422.
    static func checkedFields(_ upload: DatasetUpload) throws -> NewDataset {
        var problems: [String: String] = [:]
        let name = (upload.fields["name"] ?? upload.filename ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = nameProblem(name) { problems["name"] = problem }

        let modeText = upload.fields["mode"].map { $0.isEmpty ? "chat" : $0 } ?? "chat"
        let mode = DatasetMode(rawValue: modeText)
        if mode == nil { problems["mode"] = "mode must be \"chat\" or \"seeds\"; got \"\(modeText.prefix(40))\"." }

        let modelID = upload.fields["base_model"].flatMap { $0.isEmpty ? nil : $0 } ?? BaseModelCatalog.defaultModel.id
        if BaseModelCatalog.model(id: modelID) == nil {
            let known = BaseModelCatalog.all.map(\.id).joined(separator: ", ")
            problems["base_model"] = "Unknown base model \"\(modelID.prefix(80))\". Choose one of: \(known)."
        }

        var skillPrompt: String?
        if mode == .seeds {
            let text = upload.fields["skill_prompt"] ?? ""
            if upload.oversizedFields.contains("skill_prompt") {
                problems["skill_prompt"] = "The skill prompt is longer than 65,536 bytes (64 KB), the limit."
            } else if let problem = validateSkillPrompt(text) {
                problems["skill_prompt"] = problem
            } else {
                skillPrompt = text
            }
        }
        if upload.oversizedFields.contains("name") { problems["name"] = "The name is too long." }

        if !upload.hasFile {
            problems["file"] = "Attach a JSONL file (a `file` part, or the raw request body)."
        } else if upload.fileSize == 0 {
            problems["file"] = "The file is empty."
        } else if let mode, let mismatch = UploadModeCheck.mismatch(mode: mode, sample: fileStart(upload.filePath)) {
            problems["file"] = mismatch
        }

        guard problems.isEmpty, let mode else {
            throw AppError.invalid("The dataset could not be created: \(problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " "))", fields: problems)
        }
        return NewDataset(name: name, mode: mode, baseModel: modelID, skillPrompt: skillPrompt, byteSize: upload.fileSize)
    }
}

extension DatasetCreation {
    /// The first bytes of an upload, for `UploadModeCheck` (empty if it cannot be read: validation reports that).
    static func fileStart(_ path: String) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: UploadModeCheck.sampleBytes)) ?? Data())
    }
}

enum Clock {
    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
