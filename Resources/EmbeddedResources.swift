// Generated accessors for embedded files live in PackageResources (internal); this re-exports them.
public enum EmbeddedResources {
    public static let probe: [UInt8] = PackageResources.app_css
}
