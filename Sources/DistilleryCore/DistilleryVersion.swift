/// Distillery's version, as `distillery --version` prints it and a trainer bundle's provenance records it.
public enum DistilleryVersion {
    public static let current = "0.9.0"
}
