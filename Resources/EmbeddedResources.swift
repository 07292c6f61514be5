/// The files under Resources/, compiled into the binary with `.embedInCode` so that `distillery`
/// needs no folder beside it. SwiftPM flattens the names, so each file is declared here once; a
/// test checks that every file in the folders is declared.
public enum EmbeddedResources {
    public static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "error": PackageResources.error_mustache,
        "dataset_list": PackageResources.dataset_list_mustache,
        "dataset_new": PackageResources.dataset_new_mustache,
        "dataset_detail": PackageResources.dataset_detail_mustache,
        "login": PackageResources.login_mustache,
        "setup": PackageResources.setup_mustache,
        "settings": PackageResources.settings_mustache,
        "users": PackageResources.users_mustache,
        "audit": PackageResources.audit_mustache,
        "synthesis_dialog": PackageResources.synthesis_dialog_mustache,
        "synthesis_job": PackageResources.synthesis_job_mustache,
        "recipe_list": PackageResources.recipe_list_mustache,
        "recipe": PackageResources.recipe_mustache,
    ]

    public static let staticFiles: [String: (contentType: String, bytes: [UInt8])] = [
        "app.css": ("text/css; charset=utf-8", PackageResources.app_css),
        "app.js": ("text/javascript; charset=utf-8", PackageResources.app_js),
    ]

    /// Data files (the provider catalog), by name without extension.
    public static let data: [String: [UInt8]] = [
        "providers": PackageResources.providers_json,
    ]
}
