import JSON
import TokenCore

/// A record's JSON, driven by its schema: one key per field, in the schema's (sorted) order,
/// `null` for a nullable field without a value.
extension RecordSchema {
    package func write(_ record: Record, into w: inout JSONWriter) {
        w.beginObject()
        for field in fields {
            w.key(field.key)
            switch field.get(record) {
            case .null: w.null()
            case .integer(let value): w.int64(value)
            case .text(let text): w.string(text)
            case .boolean(let flag): w.bool(flag)
            case .date(let date): w.string(date.iso8601)
            case .digest(let digest): w.string(digest.hex)
            case .texts(let texts): write(texts, into: &w)
            case .scopes(let scopes): write(scopes.map(\.rawValue), into: &w)
            }
        }
        w.endObject()
    }

    private func write(_ texts: [String], into w: inout JSONWriter) {
        w.beginArray()
        for text in texts { w.string(text) }
        w.endArray()
    }

    /// The record in `value` (the generic parser's tree): any key order, absent fields take
    /// their defaults, `null` in a field that cannot hold it counts as absent; a value of the
    /// wrong type, or a required field missing, is corruption.
    package func decode(_ value: JSONValue) throws(RecordCoding.DecodeError) -> Record {
        var record = prototype
        for field in fields {
            guard let json = value[field.key], json != .null else {
                if field.required { throw RecordCoding.DecodeError(description: "\(kind) record lacks \(field.key)") }
                if field.nullable { _ = field.set(&record, .null) } else { field.absent(&record) }
                continue
            }
            guard let fieldValue = Self.value(json, of: field.kind), field.set(&record, fieldValue) else {
                throw RecordCoding.DecodeError(description: "\(kind) record: bad \(field.key)")
            }
        }
        return record
    }

    private static func value(_ json: JSONValue, of kind: FieldKind) -> FieldValue? {
        switch kind {
        case .integer, .milliseconds: return json.int64Value.map { .integer($0) }
        case .text: return json.stringValue.map { .text($0) }
        case .boolean: return json.boolValue.map { .boolean($0) }
        case .date: return json.stringValue.flatMap(CivilDate.init(iso8601:)).map { .date($0) }
        case .digest: return json.stringValue.flatMap { TokenDigest(hexUTF8: Array($0.utf8)) }.map { .digest($0) }
        case .texts, .scopes:
            guard let items = json.arrayValue else { return nil }
            var texts: [String] = []
            texts.reserveCapacity(items.count)
            for item in items {
                guard let text = item.stringValue else { return nil }
                texts.append(text)
            }
            return kind == .texts ? .texts(texts) : .scopes(texts.map(Scope.init(rawValue:)))
        }
    }
}
