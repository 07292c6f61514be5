import DistilleryCore

/// Every URL the server answers, in priority order (literal paths before `{id}` patterns).
/// `body: .upload` marks the only routes whose body may be spooled to disk (dataset uploads); every
/// other body stays in memory, at most 1 MiB.
/// `access` is enforced by the dispatcher once accounts exist; the table already marks the few
/// routes that must stay reachable without signing in.
enum Routes {
    static let table: [Route<RouteHandler>] = [
        Route("GET", "/", access: .signedIn, format: .html, handler: redirectToHome),
        Route("GET", "/healthz", access: .publicRoute, format: .json, handler: getHealth),
        Route("GET", "/static/{file...}", access: .publicRoute, format: .file, handler: getStaticFile),
        Route("GET", "/login", access: .publicRoute, format: .html, handler: showLoginPage),
        Route("POST", "/login", access: .publicRoute, format: .html, handler: submitLogin),
        Route("POST", "/logout", access: .signedIn, format: .html, handler: submitLogout),
        Route("GET", "/setup", access: .publicRoute, format: .html, handler: showSetupPage),
        Route("POST", "/setup", access: .publicRoute, format: .html, handler: submitSetup),

        Route("GET", "/settings", access: .signedIn, format: .html, handler: showSettingsPage),
        Route("POST", "/settings/password", access: .signedIn, format: .html, handler: submitPasswordChange),
        Route("POST", "/settings/tokens", access: .signedIn, format: .html, handler: submitNewAPIToken),
        Route("POST", "/settings/tokens/{id}/revoke", access: .signedIn, format: .html, handler: submitTokenRevocation),
        Route("POST", "/settings/keys", access: .signedIn, format: .html, handler: submitTeacherKey),
        Route("POST", "/settings/keys/{id}/delete", access: .signedIn, format: .html, handler: submitTeacherKeyDeletion),
        Route("GET", "/admin/users", access: .admin, format: .html, handler: showUsersPage),
        Route("POST", "/admin/users", access: .admin, format: .html, handler: submitNewUser),
        Route("POST", "/admin/users/{id}/delete", access: .admin, format: .html, handler: submitUserDeletion),
        Route("GET", "/admin/audit", access: .admin, format: .html, handler: showAuditLogPage),

        Route("GET", "/datasets", access: .signedIn, format: .html, handler: showDatasetListPage),
        Route("GET", "/datasets/new", access: .signedIn, format: .html, handler: showNewDatasetPage),
        Route("POST", "/datasets", access: .signedIn, format: .html, body: .upload, handler: submitNewDataset),
        Route("POST", "/datasets/merge", access: .signedIn, format: .html, handler: submitDatasetMerge),
        Route("GET", "/datasets/{id}", access: .signedIn, format: .html, handler: showDatasetDetailPage),
        Route("POST", "/datasets/{id}/delete", access: .signedIn, format: .html, handler: submitDatasetDeletion),
        Route("POST", "/datasets/{id}/validate", access: .signedIn, format: .html, handler: submitDatasetRevalidation),
        Route("POST", "/datasets/{id}/split", access: .signedIn, format: .html, handler: submitDatasetSplit),
        Route("GET", "/datasets/{id}/quality", access: .signedIn, format: .html, handler: showDatasetQualityPage),
        Route("GET", "/datasets/{id}/calibration", access: .signedIn, format: .html, handler: showDatasetCalibrationPage),
        Route("GET", "/datasets/{id}/rows/{idx}", access: .signedIn, format: .html, handler: showRowPage),
        Route("POST", "/datasets/{id}/rows/{idx}/review", access: .signedIn, format: .html, handler: submitRowReview),
        Route("POST", "/datasets/{id}/rows/{idx}/edit", access: .signedIn, format: .html, handler: submitRowEdit),
        Route("GET", "/datasets/{id}/curate", access: .signedIn, format: .html, handler: showCuratePage),
        Route("POST", "/datasets/{id}/curated", access: .signedIn, format: .html, handler: submitCuratedDataset),
        Route("POST", "/datasets/{id}/quality", access: .signedIn, format: .html, handler: submitDatasetQualityRun),
        Route("GET", "/datasets/{id}/download", access: .signedIn, format: .file, handler: downloadDatasetJSONL),
        Route("GET", "/datasets/{id}/export", access: .signedIn, format: .file, handler: exportDataset),
        Route("GET", "/datasets/{id}/errors.csv", access: .signedIn, format: .file, handler: downloadErrorReportCSV),
        Route("GET", "/datasets/{id}/errors.jsonl", access: .signedIn, format: .file, handler: downloadErrorReportJSONL),
        Route("GET", "/datasets/{id}/metadata.jsonl", access: .signedIn, format: .file, handler: downloadRowMetadataJSONL),
        Route("GET", "/datasets/{id}/synthesize", access: .signedIn, format: .html, handler: showSynthesisDialog),
        Route("POST", "/datasets/{id}/synthesize", access: .signedIn, format: .html, handler: submitSynthesis),
        Route("POST", "/datasets/{id}/synthesize/recipe", access: .signedIn, format: .html, handler: submitSynthesisSaveRecipe),
        Route("GET", "/jobs", access: .signedIn, format: .html, handler: showJobListPage),
        Route("GET", "/recipes", access: .signedIn, format: .html, handler: showRecipeListPage),
        Route("GET", "/recipes/new", access: .signedIn, format: .html, handler: showNewRecipePage),
        Route("POST", "/recipes", access: .signedIn, format: .html, handler: submitNewRecipe),
        Route("GET", "/recipes/{id}", access: .signedIn, format: .html, handler: showRecipePage),
        Route("POST", "/recipes/{id}", access: .signedIn, format: .html, handler: submitRecipeUpdate),
        Route("POST", "/recipes/{id}/duplicate", access: .signedIn, format: .html, handler: submitRecipeDuplicate),
        Route("POST", "/recipes/{id}/delete", access: .signedIn, format: .html, handler: submitRecipeDeletion),
        Route("GET", "/templates", access: .signedIn, format: .html, handler: showTemplateListPage),
        Route("GET", "/templates/new", access: .signedIn, format: .html, handler: showNewTemplatePage),
        Route("POST", "/templates", access: .signedIn, format: .html, handler: submitNewTemplate),
        Route("GET", "/templates/{id}", access: .signedIn, format: .html, handler: showTemplatePage),
        Route("POST", "/templates/{id}", access: .signedIn, format: .html, handler: submitTemplateUpdate),
        Route("POST", "/templates/{id}/duplicate", access: .signedIn, format: .html, handler: submitTemplateDuplicate),
        Route("POST", "/templates/{id}/delete", access: .signedIn, format: .html, handler: submitTemplateDeletion),
        Route("POST", "/templates/{id}/preview", access: .signedIn, format: .html, handler: submitTemplatePreview),
        Route("GET", "/synthesis/{job}", access: .signedIn, format: .html, handler: showSynthesisJobPage),
        Route("POST", "/synthesis/{job}/cancel", access: .signedIn, format: .html, handler: submitSynthesisCancel),
        Route("GET", "/synthesis/{job}/run-again", access: .signedIn, format: .html, handler: showSynthesisRunAgain),
        Route("GET", "/synthesis/{job}/skipped.jsonl", access: .signedIn, format: .file, handler: downloadSkippedSeedsJSONL),
        Route("POST", "/synthesis/{job}/retry-skipped", access: .signedIn, format: .html, handler: submitRetrySkipped),
        Route("GET", "/templates/{id}/generate", access: .signedIn, format: .html, handler: showNewGenerationPage),
        Route("POST", "/templates/{id}/generate", access: .signedIn, format: .html, handler: submitNewGeneration),
        Route("GET", "/generations/{job}", access: .signedIn, format: .html, handler: showGenerationPage),
        Route("GET", "/datasets/{id}/expand", access: .signedIn, format: .html, handler: showSeedExpansionForm),
        Route("POST", "/datasets/{id}/expand", access: .signedIn, format: .html, handler: submitSeedExpansion),
        Route("GET", "/templates/{id}/dry-run", access: .signedIn, format: .html, handler: showTemplateDryRun),
        Route("POST", "/templates/{id}/dry-run", access: .signedIn, format: .html, handler: submitTemplateDryRun),
        Route("POST", "/generations/{job}/cancel", access: .signedIn, format: .html, handler: submitGenerationCancel),
        Route("GET", "/datasets/{id}/judge-scores/new", access: .signedIn, format: .html, handler: showScoringForm),
        Route("POST", "/datasets/{id}/judge-scores", access: .signedIn, format: .html, handler: submitScoringForm),
        Route("GET", "/scoring/{job}", access: .signedIn, format: .html, handler: showScoringJobPage),
        Route("POST", "/scoring/{job}/cancel", access: .signedIn, format: .html, handler: submitScoringCancel),
        Route("GET", "/datasets/{id}/rows", access: .signedIn, format: .html, handler: showRowExplorerPage),
        Route("GET", "/evaluations", access: .signedIn, format: .html, handler: showEvaluationListPage),
        Route("GET", "/evaluations/new", access: .signedIn, format: .html, handler: showNewEvaluationPage),
        Route("POST", "/evaluations", access: .signedIn, format: .html, handler: submitNewEvaluation),
        Route("GET", "/evaluations/compare", access: .signedIn, format: .html, handler: showEvaluationComparePage),
        Route("GET", "/evaluations/{job}", access: .signedIn, format: .html, handler: showEvaluationPage),
        Route("POST", "/evaluations/{job}/cancel", access: .signedIn, format: .html, handler: submitEvaluationCancel),

        Route("GET", "/evaluations/{id}/failure-modes", access: .signedIn, format: .html, handler: showFailureModesPage),
        Route("POST", "/evaluations/{id}/failure-modes/merge", access: .signedIn, format: .html, handler: submitFailureModeMerge),
        Route("POST", "/evaluations/{id}/failure-modes/{mode}", access: .signedIn, format: .html, handler: submitFailureModeRename),
        Route("POST", "/evaluations/{id}/failure-dataset", access: .signedIn, format: .html, handler: submitFailureDataset),

        Route("GET", "/api/datasets", access: .signedIn, format: .json, handler: getDatasetListJSON),
        Route("POST", "/api/datasets", access: .signedIn, format: .json, body: .upload, handler: createDatasetJSON),
        Route("POST", "/api/datasets/merge", access: .signedIn, format: .json, handler: mergeDatasetsJSON),
        Route("GET", "/api/datasets/{id}", access: .signedIn, format: .json, handler: getDatasetJSON),
        Route("DELETE", "/api/datasets/{id}", access: .signedIn, format: .json, handler: deleteDatasetJSON),
        Route("POST", "/api/datasets/{id}/validate", access: .signedIn, format: .json, handler: revalidateDatasetJSON),
        Route("GET", "/api/datasets/{id}/errors", access: .signedIn, format: .json, handler: getDatasetErrorsJSON),
        Route("GET", "/api/datasets/{id}/rows", access: .signedIn, format: .json, handler: getDatasetRowsJSON),
        Route("GET", "/api/datasets/{id}/rows/{idx}", access: .signedIn, format: .json, handler: getRowJSON),
        Route("POST", "/api/datasets/{id}/rows/{idx}/review", access: .signedIn, format: .json, handler: reviewRowJSON),
        Route("POST", "/api/datasets/{id}/rows/{idx}/edit", access: .signedIn, format: .json, handler: editRowJSON),
        Route("GET", "/api/datasets/{id}/curate", access: .signedIn, format: .json, handler: getCuratePlanJSON),
        Route("POST", "/api/datasets/{id}/curated", access: .signedIn, format: .json, handler: createCuratedDatasetJSON),
        Route("PUT", "/api/datasets/{id}/split", access: .signedIn, format: .json, handler: putDatasetSplitJSON),
        Route("GET", "/api/datasets/{id}/quality", access: .signedIn, format: .json, handler: getDatasetQualityJSON),
        Route("GET", "/api/datasets/{id}/calibration", access: .signedIn, format: .json, handler: getDatasetCalibrationJSON),
        Route("POST", "/api/datasets/{id}/quality", access: .signedIn, format: .json, handler: runDatasetQualityJSON),
        Route("GET", "/api/base-models", access: .signedIn, format: .json, handler: getBaseModelsJSON),
        Route("POST", "/api/datasets/{id}/synthesis", access: .signedIn, format: .json, handler: startSynthesisJSON),
        Route("GET", "/api/datasets/{id}/synthesis/estimate", access: .signedIn, format: .json, handler: getSynthesisEstimateJSON),
        Route("GET", "/api/synthesis/{job}", access: .signedIn, format: .json, handler: getSynthesisJobJSON),
        Route("POST", "/api/synthesis/{job}/cancel", access: .signedIn, format: .json, handler: cancelSynthesisJSON),
        Route("GET", "/api/synthesis/{job}/skipped", access: .signedIn, format: .json, handler: getSkippedSeedsJSON),
        Route("POST", "/api/synthesis/{job}/retry-skipped", access: .signedIn, format: .json, handler: retrySkippedJSON),
        Route("POST", "/api/generations", access: .signedIn, format: .json, handler: startGenerationJSON),
        Route("POST", "/api/datasets/{id}/expand", access: .signedIn, format: .json, handler: startSeedExpansionJSON),
        Route("POST", "/api/templates/{id}/dry-run", access: .signedIn, format: .json, handler: dryRunTemplateJSON),
        Route("GET", "/api/generations/{job}", access: .signedIn, format: .json, handler: getGenerationJSON),
        Route("POST", "/api/generations/{job}/cancel", access: .signedIn, format: .json, handler: cancelGenerationJSON),
        Route("POST", "/api/datasets/{id}/judge-scores", access: .signedIn, format: .json, handler: startScoringJSON),
        Route("GET", "/api/datasets/{id}/judge-scores/estimate", access: .signedIn, format: .json, handler: getScoringEstimateJSON),
        Route("GET", "/api/scoring/{job}", access: .signedIn, format: .json, handler: getScoringJobJSON),
        Route("POST", "/api/scoring/{job}/cancel", access: .signedIn, format: .json, handler: cancelScoringJSON),
        Route("POST", "/api/evaluations", access: .signedIn, format: .json, handler: startEvaluationJSON),
        Route("POST", "/api/evaluations/{job}/cancel", access: .signedIn, format: .json, handler: cancelEvaluationJSON),
        Route("GET", "/api/evaluations", access: .signedIn, format: .json, handler: getEvaluationListJSON),
        Route("GET", "/api/evaluations/compare", access: .signedIn, format: .json, handler: getEvaluationCompareJSON),
        Route("GET", "/api/evaluations/{job}", access: .signedIn, format: .json, handler: getEvaluationJSON),
        Route("GET", "/api/evaluations/{id}/failure-modes", access: .signedIn, format: .json, handler: getFailureModesJSON),
        Route("POST", "/api/evaluations/{id}/failure-modes/merge", access: .signedIn, format: .json, handler: mergeFailureModesJSON),
        Route("POST", "/api/evaluations/{id}/failure-modes/{mode}", access: .signedIn, format: .json, handler: renameFailureModeJSON),
        Route("POST", "/api/evaluations/{id}/failure-dataset", access: .signedIn, format: .json, handler: createFailureDatasetJSON),
        Route("GET", "/api/providers", access: .signedIn, format: .json, handler: getProvidersJSON),
        Route("GET", "/api/jobs", access: .signedIn, format: .json, handler: getJobListJSON),
        Route("GET", "/api/recipes", access: .signedIn, format: .json, handler: getRecipeListJSON),
        Route("POST", "/api/recipes", access: .signedIn, format: .json, handler: createRecipeJSON),
        Route("GET", "/api/recipes/{id}", access: .signedIn, format: .json, handler: getRecipeJSON),
        Route("PUT", "/api/recipes/{id}", access: .signedIn, format: .json, handler: updateRecipeJSON),
        Route("DELETE", "/api/recipes/{id}", access: .signedIn, format: .json, handler: deleteRecipeJSON),
        Route("POST", "/api/recipes/{id}/duplicate", access: .signedIn, format: .json, handler: duplicateRecipeJSON),
        Route("GET", "/api/templates", access: .signedIn, format: .json, handler: getTemplateListJSON),
        Route("POST", "/api/templates", access: .signedIn, format: .json, handler: createTemplateJSON),
        Route("GET", "/api/templates/{id}", access: .signedIn, format: .json, handler: getTemplateJSON),
        Route("PUT", "/api/templates/{id}", access: .signedIn, format: .json, handler: updateTemplateJSON),
        Route("DELETE", "/api/templates/{id}", access: .signedIn, format: .json, handler: deleteTemplateJSON),
        Route("POST", "/api/templates/{id}/duplicate", access: .signedIn, format: .json, handler: duplicateTemplateJSON),
        Route("POST", "/api/templates/{id}/preview", access: .signedIn, format: .json, handler: previewTemplateJSON),
        Route("GET", "/api/me", access: .signedIn, format: .json, handler: getCurrentUserJSON),
        Route("GET", "/api/tokens", access: .signedIn, format: .json, handler: getAPITokensJSON),
        Route("POST", "/api/tokens", access: .signedIn, format: .json, handler: createAPITokenJSON),
        Route("DELETE", "/api/tokens/{id}", access: .signedIn, format: .json, handler: revokeAPITokenJSON),
        Route("GET", "/api/keys", access: .signedIn, format: .json, handler: getTeacherKeysJSON),
        Route("POST", "/api/keys", access: .signedIn, format: .json, handler: saveTeacherKeyJSON),
        Route("DELETE", "/api/keys/{id}", access: .signedIn, format: .json, handler: deleteTeacherKeyJSON),
        Route("GET", "/api/admin/users", access: .admin, format: .json, handler: getUsersJSON),
        Route("POST", "/api/admin/users", access: .admin, format: .json, handler: createUserJSON),
        Route("DELETE", "/api/admin/users/{id}", access: .admin, format: .json, handler: deleteUserJSON),
        Route("GET", "/api/admin/audit", access: .admin, format: .json, handler: getAuditLogJSON),
    ]

    static let router = Router(table)
}

/// The route table as data, for the test that walks every route unauthenticated.
public struct RouteDescription: Sendable, Equatable {
    public let method: String
    public let pattern: String
    public let access: RouteAccess
    public let format: RouteFormat
    public let body: RouteBody
}

extension DistilleryApp {
    public static var routes: [RouteDescription] {
        Routes.table.map { RouteDescription(method: $0.method, pattern: $0.pattern, access: $0.access, format: $0.format, body: $0.body) }
    }
}

extension HTTPRequest {
    /// The `{id}` path parameter as a dataset id; a non-number is a 404, as for a missing dataset.
    func datasetID() throws -> Int64 {
        guard let text = pathParameters["id"], let id = Int64(text), id > 0 else {
            throw AppError.notFound("No dataset \(pathParameters["id"] ?? "").")
        }
        return id
    }

    /// Paging parameters `page` (1-based) and `per_page` (1...max).
    func paging(defaultPerPage: Int = 50, maxPerPage: Int = 500) throws -> (page: Int, perPage: Int) {
        let page = try positiveInteger("page") ?? 1
        let perPage = try positiveInteger("per_page") ?? defaultPerPage
        guard perPage <= maxPerPage else {
            throw AppError.badRequest("per_page must be at most \(maxPerPage); got \(perPage).")
        }
        return (page, perPage)
    }

    private func positiveInteger(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text), value >= 1 else {
            throw AppError.badRequest("\(name) must be a whole number of at least 1; got \"\(text.prefix(40))\".")
        }
        return value
    }

    var wantsJSON: Bool {
        (headers["Accept"] ?? "").contains("application/json")
    }
}
