import TokenCore
import TokenRecords

/// A record's table, as its ``RecordSchema`` declares it: the same list of fields that drives
/// the JSON coding gives the columns of the upsert in `tokend.write`, of the `COPY` of a bulk
/// write, and of the load, which reads each column by name.
extension RecordSchema {
    /// `tokend.<table>`.
    var qualifiedTable: String { "tokend.\(table)" }

    /// The columns, in the schema's order: `created_at, description, …`.
    var columnList: String { fields.map(\.column).joined(separator: ", ") }

    // MARK: The upsert in tokend.write

    /// The plpgsql statement of `tokend.write` that brings the table up to date with a put of
    /// this record, whose JSON is in `r`; `extra` are columns the database derives itself
    /// (a token's `family_id`), as (column, expression). The first field named `id` is the key.
    func upsert(extra: [(column: String, expression: String)] = [], key: String = "id") -> String {
        let columns = extra.map(\.column) + fields.map(\.column)
        let values = extra.map(\.expression) + fields.map(Self.jsonExpression)
        let updates = columns.filter { $0 != key }.map { "\($0) = EXCLUDED.\($0)" }
        return "INSERT INTO \(qualifiedTable) (\(columns.joined(separator: ", ")))\n"
            + "VALUES (\(values.joined(separator: ", ")))\n"
            + "ON CONFLICT (\(key)) DO UPDATE SET \(updates.joined(separator: ", "));"
    }

    /// A field's value, read from the record's JSON `r` in plpgsql.
    static func jsonExpression(_ field: RecordField<Record>) -> String {
        let text = "r->>'\(field.key)'"
        switch field.kind {
        case .integer: return "(\(text))::bigint"
        case .milliseconds: return "tokend.ms((\(text))::bigint)"
        case .text: return text
        case .boolean: return "(\(text))::boolean"
        case .date: return "(\(text))::date"
        case .digest: return "decode(\(text), 'hex')"
        case .texts, .scopes: return "ARRAY(SELECT jsonb_array_elements_text(r->'\(field.key)'))"
        }
    }

    // MARK: COPY

    /// The record's cells in COPY text (before escaping), in ``columnList`` order; nil is NULL.
    func copyCells(_ record: Record) -> [String?] {
        fields.map { field in
            switch field.get(record) {
            case .null: return nil
            case .integer(let value):
                return field.kind == .milliseconds ? Timestamp(millisecondsSinceEpoch: value).iso8601 : String(value)
            case .text(let text): return text
            case .boolean(let flag): return flag ? "t" : "f"
            case .date(let date): return date.iso8601
            case .digest(let digest): return "\\x" + digest.hex
            case .texts(let texts): return PostgresArray.literal(texts)
            case .scopes(let scopes): return PostgresArray.literal(scopes.map(\.rawValue))
            }
        }
    }

    // MARK: Load

    /// The select list of the load: each column in a form ``decodeRow`` reads, under its own name.
    var selectList: String {
        fields.map { field in
            let c = field.column
            switch field.kind {
            case .integer, .text, .boolean: return c
            case .milliseconds: return "(extract(epoch from \(c)) * 1000)::bigint AS \(c)"
            case .date: return "\(c)::text AS \(c)"
            case .digest: return "encode(\(c), 'hex') AS \(c)"
            case .texts, .scopes: return "array_to_string(\(c), E'\\x1f') AS \(c)"
            }
        }.joined(separator: ", ")
    }

    /// The schema's columns in `result`, found by name.
    func columns(in result: PostgresResult) throws(PostgresError) -> [PostgresColumn] {
        var columns: [PostgresColumn] = []
        for field in fields { columns.append(try result.column(field.column)) }
        return columns
    }

    /// Row `row` of a ``selectList`` result as a record. A NULL in a column that cannot hold
    /// one, or a value that is not its column's type, throws an error naming the column.
    /// `scopeLists` shares equal scope lists among tokens.
    func decodeRow(
        _ result: PostgresResult, _ row: Int, columns: [PostgresColumn], scopeLists: inout [String: [Scope]]
    ) throws(PostgresError) -> Record {
        var record = prototype
        for (field, column) in zip(fields, columns) {
            guard let bytes = result.cell(row, column.index) else {
                guard field.nullable else { throw result.corrupt(row, column, "is NULL") }
                _ = field.set(&record, .null)
                continue
            }
            let value: FieldValue?
            switch field.kind {
            case .integer, .milliseconds: value = Int64.decode(bytes).map { .integer($0) }
            case .text: value = .text(String(decoding: bytes, as: UTF8.self))
            case .boolean: value = Bool.decode(bytes).map { .boolean($0) }
            case .date: value = CivilDate(iso8601: String(decoding: bytes, as: UTF8.self)).map { .date($0) }
            case .digest: value = TokenDigest(hexUTF8: bytes).map { .digest($0) }
            case .texts:
                value = .texts(bytes.isEmpty ? [] : bytes.split(separator: 0x1F, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) })
            case .scopes:
                let text = String(decoding: bytes, as: UTF8.self)
                if let known = scopeLists[text] {
                    value = .scopes(known)
                } else {
                    let scopes = text.isEmpty ? [] : text.split(separator: "\u{1f}", omittingEmptySubsequences: false).map { Scope(rawValue: String($0)) }
                    if scopeLists.count < 1000 { scopeLists[text] = scopes }
                    value = .scopes(scopes)
                }
            }
            guard let value, field.set(&record, value) else {
                throw result.corrupt(row, column, "is not a \(field.kind): \(String(decoding: bytes.prefix(40), as: UTF8.self))")
            }
        }
        return record
    }
}
