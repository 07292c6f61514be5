/// The files under Resources/, compiled into the binary with `.embedInCode` so that `distillery`
/// needs no folder beside it. SwiftPM flattens the names, so each file is declared here once; a
/// test checks that every file in the folders is declared.
public enum EmbeddedResources {
    public static let staticFiles: [String: (contentType: String, bytes: [UInt8])] = [
        "app.css": ("text/css; charset=utf-8", PackageResources.app_css),
        "app.js": ("text/javascript; charset=utf-8", PackageResources.app_js),
        "favicon.svg": ("image/svg+xml", PackageResources.favicon_svg),
        "row_review.js": ("text/javascript; charset=utf-8", PackageResources.row_review_js),
        "explorer.js": ("text/javascript; charset=utf-8", PackageResources.explorer_js),
    ]

    /// Data files (the provider catalog), by name without extension.
    public static let data: [String: [UInt8]] = [
        "providers": PackageResources.providers_json,
    ]
}

/// One case per file in Resources/templates (the raw value is the file name without `.mustache`).
/// Pages name their template by case, so a template that does not exist is a compile error instead
/// of a failure on a request; a test checks that every file has a case and every case a file.
public enum Template: String, CaseIterable, Sendable {
    case layout
    case error
    case datasetList = "dataset_list"
    case datasetNew = "dataset_new"
    case datasetDetail = "dataset_detail"
    case login
    case setup
    case settings
    case users
    case audit
    case synthesisDialog = "synthesis_dialog"
    case synthesisJob = "synthesis_job"
    case recipeList = "recipe_list"
    case recipe
    case templateList = "template_list"
    case template
    case jobList = "job_list"
    case generationTask = "generation_task"
    case generationNew = "generation_new"
    case teacherFields = "teacher_fields"
    case seedExpansion = "seed_expansion"
    case templateDryRun = "template_dry_run"
    case datasetQuality = "dataset_quality"
    case scoringNew = "scoring_new"
    case scoringJob = "scoring_job"
    case calibrationSection = "calibration_section"
    case datasetCalibration = "dataset_calibration"
    case row
    case curate
    case rowExplorer = "row_explorer"
    case datasetTabs = "dataset_tabs"
    case evaluationList = "evaluation_list"
    case evaluationNew = "evaluation_new"
    case evaluation
    case evaluationCompare = "evaluation_compare"
    case failureModes = "failure_modes"

    /// The file's bytes, embedded at compile time.
    public var source: [UInt8] {
        switch self {
        case .layout: PackageResources.layout_mustache
        case .error: PackageResources.error_mustache
        case .datasetList: PackageResources.dataset_list_mustache
        case .datasetNew: PackageResources.dataset_new_mustache
        case .datasetDetail: PackageResources.dataset_detail_mustache
        case .login: PackageResources.login_mustache
        case .setup: PackageResources.setup_mustache
        case .settings: PackageResources.settings_mustache
        case .users: PackageResources.users_mustache
        case .audit: PackageResources.audit_mustache
        case .synthesisDialog: PackageResources.synthesis_dialog_mustache
        case .synthesisJob: PackageResources.synthesis_job_mustache
        case .recipeList: PackageResources.recipe_list_mustache
        case .recipe: PackageResources.recipe_mustache
        case .templateList: PackageResources.template_list_mustache
        case .template: PackageResources.template_mustache
        case .jobList: PackageResources.job_list_mustache
        case .generationTask: PackageResources.generation_task_mustache
        case .generationNew: PackageResources.generation_new_mustache
        case .teacherFields: PackageResources.teacher_fields_mustache
        case .seedExpansion: PackageResources.seed_expansion_mustache
        case .templateDryRun: PackageResources.template_dry_run_mustache
        case .datasetQuality: PackageResources.dataset_quality_mustache
        case .scoringNew: PackageResources.scoring_new_mustache
        case .scoringJob: PackageResources.scoring_job_mustache
        case .calibrationSection: PackageResources.calibration_section_mustache
        case .datasetCalibration: PackageResources.dataset_calibration_mustache
        case .row: PackageResources.row_mustache
        case .curate: PackageResources.curate_mustache
        case .rowExplorer: PackageResources.row_explorer_mustache
        case .datasetTabs: PackageResources.dataset_tabs_mustache
        case .evaluationList: PackageResources.evaluation_list_mustache
        case .evaluationNew: PackageResources.evaluation_new_mustache
        case .evaluation: PackageResources.evaluation_mustache
        case .evaluationCompare: PackageResources.evaluation_compare_mustache
        case .failureModes: PackageResources.failure_modes_mustache
        }
    }
}
