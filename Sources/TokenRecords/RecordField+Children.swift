package import JSON
import TokenCore

/// A field holding a list of child records with a schema of their own (a group's shares): in
/// JSON an array of their objects, left out when empty (so a record that never had one keeps
/// the bytes older releases wrote); in PostgreSQL the child schema's table.
extension RecordField {
    package static func children<Child>(
        _ key: String, schema: RecordSchema<Child>,
        get: @escaping @Sendable (Record) -> [Child], set: @escaping @Sendable (inout Record, [Child]) -> Void
    ) -> Self {
        Self(key, column: schema.table, kind: .children, get: { record in
            let children = get(record)
            return children.isEmpty ? .null : .json(.array(children.map(schema.jsonValue)))
        }) { record, value in
            switch value {
            case .null: set(&record, [])
            case .json(.array(let items)):
                var children: [Child] = []
                children.reserveCapacity(items.count)
                for item in items {
                    guard case .object = item, let child = try? schema.decode(item) else { return false }
                    children.append(child)
                }
                set(&record, children)
            default: return false
            }
            return true
        }
    }
}

extension RecordSchema {
    /// The record as a JSON value (a flat schema's: a child record's), for a parent's list.
    package func jsonValue(_ record: Record) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for field in fields { object[field.key] = Self.json(field.get(record)) }
        return .object(object)
    }

    static func json(_ value: FieldValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .integer(let v): return .integer(v)
        case .text(let text): return .string(text)
        case .boolean(let flag): return .bool(flag)
        case .date(let date): return .string(date.iso8601)
        case .digest(let digest): return .string(digest.hex)
        case .texts(let texts): return .array(texts.map { .string($0) })
        case .scopes(let scopes): return .array(scopes.map { .string($0.rawValue) })
        case .json(let json): return json
        }
    }
}
