import DistilleryCore
import DistilleryStorage

/// The synthesis dialog's Judge section (rejection sampling): the number of candidates, and the judge's own
/// endpoint, which is the teacher's unless the user picks another; a warning when both are of one model family.
struct SynthesisJudgeBlock {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct ModelGroup {
        let label: String
        let models: [Option]
    }

    /// "Same as the teacher" first, then every catalog provider.
    let providers: [Option]
    let modelGroups: [ModelGroup]
    let customModel: String
    let baseURL: String
    let savedKeys: [Option]
    let candidates: [Option]
    /// The swap check's share of seeds (0–1), as typed.
    let swapCheckFraction: String
    let topP: String
    /// The judge's own pacing (empty: the teacher's).
    let requestsPerMinute: String
    let tokensPerMinute: String
    let maxInFlight: String
    let familyWarning: String?

    init(fields: [String: String], catalog: ProviderCatalog, savedKeys keys: [TeacherKeyInfo]) {
        let chosen = fields["judge_provider"] ?? ""
        providers = [Option(value: "", label: "Same as the teacher", selected: chosen.isEmpty)]
            + catalog.providers.map { Option(value: $0.id, label: $0.displayName, selected: $0.id == chosen) }
        modelGroups = catalog.providers.compactMap { provider in
            let models = provider.models.filter { !$0.acceptsAnyName }
            guard !models.isEmpty else { return nil }
            return ModelGroup(
                label: provider.displayName,
                models: models.map { Option(value: $0.id, label: $0.displayName, selected: provider.id == chosen && $0.id == fields["judge_model"]) })
        }
        customModel = fields["judge_custom_model"] ?? ""
        baseURL = fields["judge_base_url"] ?? ""
        savedKeys = keys.map {
            Option(value: String($0.id), label: "\(TeacherKeyProviders.name(of: $0.provider) ?? $0.provider): \($0.label) (…\($0.lastFour))",
                   selected: fields["judge_saved_key_id"] == String($0.id))
        }
        let count = fields["candidates"].flatMap { Int($0) } ?? 3
        candidates = (1...5).map { Option(value: String($0), label: String($0), selected: $0 == count) }
        swapCheckFraction = fields["swap_check_fraction"] ?? String(SwapCheck.defaultFraction)
        topP = fields["top_p"] ?? ""
        requestsPerMinute = fields["judge_requests_per_minute"] ?? ""
        tokensPerMinute = fields["judge_tokens_per_minute"] ?? ""
        maxInFlight = fields["judge_max_in_flight"] ?? ""
        familyWarning = Self.familyWarning(fields: fields, catalog: catalog)
    }

    /// Compares the judge the form names (the teacher itself when none) with the teacher, once rejection sampling is
    /// on or a judge is picked; nothing when either model is unknown.
    static func familyWarning(fields: [String: String], catalog: ProviderCatalog) -> String? {
        let judgeProvider = fields["judge_provider"] ?? ""
        guard fields["rejection_sampling"] == "true" || !judgeProvider.isEmpty,
            let teacherProvider = catalog.provider(id: fields["provider"] ?? SynthesisService.defaultProvider)
        else { return nil }
        let teacherModel = teacherProvider.baseURL == nil ? fields["custom_model"] ?? "" : fields["model"] ?? teacherProvider.models.first?.id ?? ""
        if judgeProvider.isEmpty {
            return ModelFamily.sameFamilyWarning(
                teacherProvider: teacherProvider.id, teacherModel: teacherModel, judgeProvider: teacherProvider.id, judgeModel: teacherModel)
        }
        let judge = catalog.provider(id: judgeProvider)
        let judgeModel = judge?.baseURL == nil ? fields["judge_custom_model"] ?? "" : fields["judge_model"] ?? judge?.models.first?.id ?? ""
        guard !teacherModel.isEmpty, !judgeModel.isEmpty else { return nil }
        return ModelFamily.sameFamilyWarning(
            teacherProvider: teacherProvider.id, teacherModel: teacherModel, judgeProvider: judgeProvider, judgeModel: judgeModel)
    }
}
