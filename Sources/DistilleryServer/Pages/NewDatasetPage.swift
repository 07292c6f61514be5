import DistilleryCore
import Foundation

/// The form's view model: also used to re-render it with field errors (422).
struct NewDatasetForm {
    struct ModelOption {
        let id: String
        let displayName: String
        let contextText: String
        let selected: Bool
    }

    let nav = Navigation(datasets: true)
    var name = ""
    var modeChat = true
    var modeSeeds = false
    var skillPrompt = ""
    var baseModels: [ModelOption]
    var presets = SkillPromptPresets.all
    var maxUploadText: String
    var fieldErrors: [String: String] = [:]
    var formError: String?

    init(configuration: AppConfiguration, selectedModel: String = BaseModelCatalog.defaultModel.id) {
        baseModels = BaseModelCatalog.all.map {
            ModelOption(
                id: $0.id, displayName: $0.displayName, contextText: Formatting.count($0.contextWindow),
                selected: $0.id == selectedModel)
        }
        maxUploadText = "\(Formatting.count(configuration.maxUploadBytes / 1_048_576)) MiB"
    }
}

// GET /datasets/new  — the upload form with both modes and the skill-prompt presets.
// JSON twin: GET /api/base-models (the choices the form offers).
func showNewDatasetPage(_ request: HTTPRequest, _ services: Services) throws -> HTTPResponse {
    var form = NewDatasetForm(configuration: services.configuration)
    if request.query("mode") == "seeds" {
        form.modeChat = false
        form.modeSeeds = true
    }
    return services.renderer.html("dataset_new", form)
}

// POST /datasets  (multipart: name, mode, base_model, skill_prompt, file)  ->  303 /datasets/{id}
// Field errors re-render the form with 422.  JSON twin: POST /api/datasets
func submitNewDataset(_ request: HTTPRequest, _ services: Services) throws -> HTTPResponse {
    let upload = try receiveUpload(request, services)
    defer { unlink(upload.filePath) }
    do {
        let id = try DatasetCreation.create(upload, services: services)
        return Renderer.redirect(to: "/datasets/\(id)")
    } catch let AppError.invalid(message, fields) {
        var form = NewDatasetForm(
            configuration: services.configuration, selectedModel: upload.fields["base_model"] ?? BaseModelCatalog.defaultModel.id)
        form.name = upload.fields["name"] ?? ""
        form.modeSeeds = upload.fields["mode"] == "seeds"
        form.modeChat = !form.modeSeeds
        form.skillPrompt = upload.fields["skill_prompt"] ?? ""
        form.fieldErrors = fields
        form.formError = fields.isEmpty ? message : "Please fix the fields marked below, then choose the file again."
        return services.renderer.html("dataset_new", form, status: 422)
    }
}

// POST /api/datasets  (multipart, or a raw JSONL body with name, mode, base_model, skill_prompt as
// query parameters)  ->  201 with the dataset's JSON and a Location header.  HTML twin: POST /datasets
func createDatasetJSON(_ request: HTTPRequest, _ services: Services) throws -> HTTPResponse {
    let upload = try receiveUpload(request, services)
    defer { unlink(upload.filePath) }
    let id = try DatasetCreation.create(upload, services: services)
    var response = services.renderer.json(try loadDatasetDetailView(id: id, services: services), status: 201)
    response.headers.set("Location", "/api/datasets/\(id)")
    return response
}

// GET /api/base-models  — base models and their context windows, and the skill-prompt presets.
func getBaseModelsJSON(_ request: HTTPRequest, _ services: Services) throws -> HTTPResponse {
    struct Choices: Encodable {
        let baseModels: [BaseModel]
        let defaultBaseModel: String
        let skillPromptPresets: [SkillPromptPreset]
    }
    return services.renderer.json(
        Choices(
            baseModels: BaseModelCatalog.all, defaultBaseModel: BaseModelCatalog.defaultModel.id,
            skillPromptPresets: SkillPromptPresets.all))
}

private func receiveUpload(_ request: HTTPRequest, _ services: Services) throws -> DatasetUpload {
    let path = services.configuration.spoolDirectory + "/dataset-\(UUID().uuidString).jsonl"
    do {
        return try DatasetUploadReader.read(request, writingFileTo: path)
    } catch {
        unlink(path)
        throw error
    }
}
