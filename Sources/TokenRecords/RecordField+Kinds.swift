package import TokenCore

/// Typed declarations of fields, one per ``FieldKind`` (and its nullable form): a schema's list
/// reads as `.text("name", get: { $0.name }, set: { $0.name = $1 })`.
extension RecordField {
    package static func integer(
        _ key: String, column: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> Int, set: @escaping @Sendable (inout Record, Int) -> Void
    ) -> Self {
        Self(key, column: column, kind: .integer, required: required, get: { .integer(Int64(get($0))) }) { record, value in
            guard case .integer(let v) = value, let int = Int(exactly: v) else { return false }
            set(&record, int)
            return true
        }
    }

    package static func optionalInteger(
        _ key: String, column: String? = nil, parent: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> Int?, set: @escaping @Sendable (inout Record, Int?) -> Void,
        absent: @escaping @Sendable (inout Record) -> Void = { _ in }
    ) -> Self {
        Self(key, column: column, parent: parent, kind: .integer, nullable: true, required: required, get: { get($0).map { .integer(Int64($0)) } ?? .null }, set: { record, value in
            switch value {
            case .null: set(&record, nil)
            case .integer(let v): guard let int = Int(exactly: v) else { return false }; set(&record, int)
            default: return false
            }
            return true
        }, absent: absent)
    }

    package static func milliseconds(
        _ key: String, column: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> Timestamp, set: @escaping @Sendable (inout Record, Timestamp) -> Void,
        absent: @escaping @Sendable (inout Record) -> Void = { _ in }
    ) -> Self {
        Self(key, column: column, kind: .milliseconds, required: required, get: { .integer(get($0).millisecondsSinceEpoch) }, set: { record, value in
            guard case .integer(let ms) = value else { return false }
            set(&record, Timestamp(millisecondsSinceEpoch: ms))
            return true
        }, absent: absent)
    }

    package static func optionalMilliseconds(
        _ key: String, column: String? = nil,
        get: @escaping @Sendable (Record) -> Timestamp?, set: @escaping @Sendable (inout Record, Timestamp?) -> Void
    ) -> Self {
        Self(key, column: column, kind: .milliseconds, nullable: true, get: { get($0).map { .integer($0.millisecondsSinceEpoch) } ?? .null }) {
            record, value in
            switch value {
            case .null: set(&record, nil)
            case .integer(let ms): set(&record, Timestamp(millisecondsSinceEpoch: ms))
            default: return false
            }
            return true
        }
    }

    package static func text(
        _ key: String, column: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> String, set: @escaping @Sendable (inout Record, String) -> Void,
        absent: @escaping @Sendable (inout Record) -> Void = { _ in }
    ) -> Self {
        Self(key, column: column, kind: .text, required: required, get: { .text(get($0)) }, set: { record, value in
            guard case .text(let text) = value else { return false }
            set(&record, text)
            return true
        }, absent: absent)
    }

    package static func optionalText(
        _ key: String, column: String? = nil, parent: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> String?, set: @escaping @Sendable (inout Record, String?) -> Void
    ) -> Self {
        Self(key, column: column, parent: parent, kind: .text, nullable: true, required: required, get: { get($0).map { .text($0) } ?? .null }) { record, value in
            switch value {
            case .null: set(&record, nil)
            case .text(let text): set(&record, text)
            default: return false
            }
            return true
        }
    }

    package static func boolean(
        _ key: String, column: String? = nil, required: Bool = false,
        get: @escaping @Sendable (Record) -> Bool, set: @escaping @Sendable (inout Record, Bool) -> Void
    ) -> Self {
        Self(key, column: column, kind: .boolean, required: required, get: { .boolean(get($0)) }) { record, value in
            guard case .boolean(let flag) = value else { return false }
            set(&record, flag)
            return true
        }
    }

    package static func optionalDate(
        _ key: String, column: String? = nil,
        get: @escaping @Sendable (Record) -> CivilDate?, set: @escaping @Sendable (inout Record, CivilDate?) -> Void
    ) -> Self {
        Self(key, column: column, kind: .date, nullable: true, get: { get($0).map { .date($0) } ?? .null }) { record, value in
            switch value {
            case .null: set(&record, nil)
            case .date(let date): set(&record, date)
            default: return false
            }
            return true
        }
    }

    package static func digest(
        _ key: String, column: String? = nil,
        get: @escaping @Sendable (Record) -> TokenDigest, set: @escaping @Sendable (inout Record, TokenDigest) -> Void
    ) -> Self {
        Self(key, column: column, kind: .digest, required: true, get: { .digest(get($0)) }) { record, value in
            guard case .digest(let digest) = value else { return false }
            set(&record, digest)
            return true
        }
    }

    package static func texts(
        _ key: String, column: String? = nil,
        get: @escaping @Sendable (Record) -> [String], set: @escaping @Sendable (inout Record, [String]) -> Void
    ) -> Self {
        Self(key, column: column, kind: .texts, get: { .texts(get($0)) }) { record, value in
            guard case .texts(let texts) = value else { return false }
            set(&record, texts)
            return true
        }
    }

    package static func scopes(
        _ key: String, column: String? = nil,
        get: @escaping @Sendable (Record) -> [Scope], set: @escaping @Sendable (inout Record, [Scope]) -> Void
    ) -> Self {
        Self(key, column: column, kind: .scopes, get: { .scopes(get($0)) }) { record, value in
            switch value {
            case .scopes(let scopes): set(&record, scopes)
            case .texts(let texts): set(&record, texts.map(Scope.init(rawValue:)))
            default: return false
            }
            return true
        }
    }
}
