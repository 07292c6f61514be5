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

    var chrome: PageChrome
    var name = ""
    var modeChat = true
    var modeSeeds = false
    var skillPrompt = ""
    var baseModels: [ModelOption]
    var presets = SkillPromptPresets.all
    var maxUploadText: String
    var fieldErrors: [String: String] = [:]
    var formError: String?

    init(context: RequestContext, selectedModel: String = BaseModelCatalog.defaultModel.id) {
        chrome = context.chrome(section: .datasets)
        let configuration = context.configuration
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
func showNewDatasetPage(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    var form = NewDatasetForm(context: context)
    if request.query("mode") == "seeds" {
        form.modeChat = false
        form.modeSeeds = true
    }
    return context.renderer.html(.datasetNew, form)
}

// POST /datasets  (multipart: name, mode, base_model, skill_prompt, file)  ->  303 /datasets/{id}
// Field errors re-render the form with 422.  JSON twin: POST /api/datasets
func submitNewDataset(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let upload = try receiveUpload(request, context)
    defer { unlink(upload.filePath) }
    do {
        let id = try DatasetCreation.create(upload, context: context)
        return Renderer.redirect(to: "/datasets/\(id)")
    } catch let AppError.invalid(message, fields) {
        var form = NewDatasetForm(
            context: context, selectedModel: upload.fields["base_model"] ?? BaseModelCatalog.defaultModel.id)
        form.name = upload.fields["name"] ?? ""
        form.modeSeeds = upload.fields["mode"] == "seeds"
        form.modeChat = !form.modeSeeds
        form.skillPrompt = upload.fields["skill_prompt"] ?? ""
        form.fieldErrors = fields
        form.formError = fields.isEmpty ? message : "Please fix the fields marked below, then choose the file again."
        return context.renderer.html(.datasetNew, form, status: 422)
    }
}

// POST /api/datasets  (multipart, or a raw JSONL body with name, mode, base_model, skill_prompt as
// query parameters)  ->  201 with the dataset's JSON and a Location header.  HTML twin: POST /datasets
func createDatasetJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    let upload = try receiveUpload(request, context)
    defer { unlink(upload.filePath) }
    let id = try DatasetCreation.create(upload, context: context)
    var response = context.renderer.json(try loadDatasetDetailView(id: id, context: context), status: 201)
    response.headers.set("Location", "/api/datasets/\(id)")
    return response
}

// GET /api/base-models  — base models and their context windows, and the skill-prompt presets.
func getBaseModelsJSON(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
    struct Choices: Encodable {
        let baseModels: [BaseModel]
        let defaultBaseModel: String
        let skillPromptPresets: [SkillPromptPreset]
    }
    return context.renderer.json(
        Choices(
            baseModels: BaseModelCatalog.all, defaultBaseModel: BaseModelCatalog.defaultModel.id,
            skillPromptPresets: SkillPromptPresets.all))
}

private func receiveUpload(_ request: HTTPRequest, _ context: RequestContext) throws -> DatasetUpload {
    let path = context.configuration.spoolDirectory + "/dataset-\(UUID().uuidString).jsonl"
    do {
        return try DatasetUploadReader.read(request, writingFileTo: path)
    } catch {
        unlink(path)
        throw error
    }
}
