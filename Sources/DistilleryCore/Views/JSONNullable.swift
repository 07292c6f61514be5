/// An optional figure that a JSON twin writes as `null` when absent (synthesized `Encodable` drops the key), so a reader
/// never takes an unknown figure (a self-hosted endpoint's cost) for a missing field or for zero.
@propertyWrapper
public struct JSONNullable<Value: Encodable & Sendable & Equatable>: Encodable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}
