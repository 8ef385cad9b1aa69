package import JSON
import TokenCore

/// A record's JSON, driven by its schema: one key per field, in the schema's (sorted) order,
/// `null` for a nullable field without a value; a nested object (``RecordField/parent``) and a
/// child list (``FieldKind/children``) are left out when they hold nothing.
extension RecordSchema {
    package func write(_ record: Record, into w: inout JSONWriter) {
        w.beginObject()
        var index = fields.startIndex
        while index < fields.endIndex {
            // Fields read in place (a compaction writes every record: no copy of each field).
            guard let parent = fields[index].parent else {
                let value = fields[index].get(record)
                if (fields[index].kind != .children || value != .null)
                    && (fields[index].omittedWhen == nil || value != fields[index].omittedWhen)
                {
                    w.key(quoted: quotedKeys[index])
                    write(value, into: &w)
                }
                index += 1
                continue
            }
            // The object's fields: written as one object unless every one is null.
            var end = index
            while end < fields.endIndex, fields[end].parent == parent { end += 1 }
            let values = fields[index..<end].map { $0.get(record) }
            if values.contains(where: { $0 != .null }) {
                w.key(parent)
                w.beginObject()
                for (member, value) in zip(fields[index..<end], values) {
                    w.key(member.key)
                    write(value, into: &w)
                }
                w.endObject()
            }
            index = end
        }
        w.endObject()
    }

    private func write(_ value: FieldValue, into w: inout JSONWriter) {
        switch value {
        case .null: w.null()
        case .integer(let value): w.int64(value)
        case .text(let text): w.string(text)
        case .boolean(let flag): w.bool(flag)
        case .date(let date): w.string(date.iso8601)
        case .digest(let digest): w.string(digest.hex)
        case .texts(let texts): write(texts, into: &w)
        case .scopes(let scopes):
            w.beginArray()
            for scope in scopes { w.string(scope.rawValue) }
            w.endArray()
        case .json(let json): w.value(json)
        }
    }

    private func write(_ texts: [String], into w: inout JSONWriter) {
        w.beginArray()
        for text in texts { w.string(text) }
        w.endArray()
    }

    /// The record in `value` (the generic parser's tree): any key order, absent fields take
    /// their defaults (``RecordField/absent`` runs after every present field is set), `null` in
    /// a field that cannot hold it counts as absent; a value of the wrong type, or a required
    /// field missing, is corruption.
    package func decode(_ value: JSONValue) throws(RecordCoding.DecodeError) -> Record {
        var record = prototype
        var missing: [RecordField<Record>] = []
        for field in fields {
            let container: JSONValue
            if let parent = field.parent {
                guard let object = value[parent], object != .null else {
                    // The whole object is absent: so is each of its fields, required or not.
                    if field.nullable { _ = field.set(&record, .null) }
                    missing.append(field)
                    continue
                }
                container = object
            } else {
                container = value
            }
            guard let json = container[field.key], json != .null else {
                if field.required { throw RecordCoding.DecodeError(description: "\(kind) record lacks \(field.key)") }
                if field.nullable || field.kind == .children { _ = field.set(&record, .null) }
                missing.append(field)
                continue
            }
            guard let fieldValue = Self.value(json, of: field.kind), field.set(&record, fieldValue) else {
                throw RecordCoding.DecodeError(description: "\(kind) record: bad \(field.key)")
            }
        }
        for field in missing { field.absent(&record) }
        return record
    }

    private static func value(_ json: JSONValue, of kind: FieldKind) -> FieldValue? {
        switch kind {
        case .integer, .milliseconds: return json.int64Value.map { .integer($0) }
        case .text: return json.stringValue.map { .text($0) }
        case .boolean: return json.boolValue.map { .boolean($0) }
        case .date: return json.stringValue.flatMap(CivilDate.init(iso8601:)).map { .date($0) }
        case .digest: return json.stringValue.flatMap { TokenDigest(hexUTF8: Array($0.utf8)) }.map { .digest($0) }
        case .children: return json.arrayValue.map { .json(.array($0)) }
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
