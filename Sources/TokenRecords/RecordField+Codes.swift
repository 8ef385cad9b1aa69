package import TokenCore

/// Fields whose value is one of a closed set, spelled by its raw value: a user's `state`, a
/// record's `visibility` (text), a membership's `access_level` (integer).
extension RecordField {
    /// A text code. A spelling `Code` does not know is corruption, unless `unknown` is given
    /// (what older decoders made of it, kept so that such stores still load).
    package static func textCode<Code: RawRepresentable & Sendable>(
        _ key: String, column: String? = nil, required: Bool = false, unknown: Code? = nil,
        get: @escaping @Sendable (Record) -> Code, set: @escaping @Sendable (inout Record, Code) -> Void,
        absent: @escaping @Sendable (inout Record) -> Void = { _ in }
    ) -> Self where Code.RawValue == String {
        Self(key, column: column, kind: .text, required: required, get: { .text(get($0).rawValue) }, set: { record, value in
            guard case .text(let text) = value, let code = Code(rawValue: text) ?? unknown else { return false }
            set(&record, code)
            return true
        }, absent: absent)
    }

    /// An integer code; one `Code` does not know is corruption.
    package static func integerCode<Code: RawRepresentable & Sendable>(
        _ key: String, column: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> Code, set: @escaping @Sendable (inout Record, Code) -> Void
    ) -> Self where Code.RawValue == Int {
        Self(key, column: column, kind: .integer, required: required, get: { .integer(Int64(get($0).rawValue)) }) { record, value in
            guard case .integer(let v) = value, let raw = Int(exactly: v), let code = Code(rawValue: raw) else { return false }
            set(&record, code)
            return true
        }
    }
}

extension RecordField {
    /// A project or group as two fields, `resource_id` and `resource_type` (`"group"`,
    /// `"project"`), in that (sorted) order: a membership's resource, a deploy token's holder.
    package static func resource(
        get: @escaping @Sendable (Record) -> Resource, set: @escaping @Sendable (inout Record, Resource) -> Void
    ) -> [Self] {
        [
            .integer("resource_id", required: true, get: { get($0).rawID }, set: { record, id in
                let resource = get(record).with(rawID: id)
                set(&record, resource)
            }),
            Self(
                "resource_type", kind: .text, required: true, get: { .text(get($0).kind) },
                set: { record, value in
                    guard case .text(let kind) = value, let resource = Resource(kind: kind, rawID: get(record).rawID) else { return false }
                    set(&record, resource)
                    return true
                }),
        ]
    }
}
