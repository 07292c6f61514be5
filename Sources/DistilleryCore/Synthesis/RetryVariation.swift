/// What a retry changes in the request. A deterministic request (temperature 0, a fixed seed) sent
/// again gets the same answer again, so retrying an answer that could not be used as it was (an
/// unreadable verdict, an empty answer) must vary something: a new seed, a nudge in temperature, and
/// for JSON verdicts the provider's JSON mode where the catalog says the model has one. Failures of
/// the transport (5xx, timeouts, 429) are retried unchanged: the same request may well succeed.
public enum RetryVariation {
    /// Temperature added per retry of a content failure, and the most a nudge may reach.
    public static let temperatureStep = 0.2
    public static let temperatureCeiling = 1.0
    /// Seeds of successive retries are this far apart (any odd constant works; a prime reads as intended).
    public static let seedStride = 7_919

    /// Failures whose retry must change the request to have a chance.
    public static func needsVariation(_ failure: FailureClass) -> Bool {
        switch failure {
        case .judgeUnparseable, .judgeTruncated, .emptyAnswer, .unparseableItems: return true
        default: return false
        }
    }

    /// The sampling for retry number `retry` (1 for the first retry) of a request first sent with `base`,
    /// after a failure of class `failure`.
    public static func sampling(
        _ base: SamplingSettings, retry: Int, after failure: FailureClass, capabilities: TeacherCapabilities, expectsJSON: Bool
    ) -> SamplingSettings {
        guard retry > 0, needsVariation(failure) else { return base }
        var varied = base
        let start = base.temperature ?? 0
        if start < temperatureCeiling {
            varied.temperature = min(temperatureCeiling, start + temperatureStep * Double(retry))
        }
        if capabilities.supportsSeed {
            varied.seed = (base.seed ?? 0) &+ seedStride &* retry
        }
        if expectsJSON && capabilities.supportsJSONObject {
            varied.jsonObjectResponse = true
        }
        return varied
    }
}
