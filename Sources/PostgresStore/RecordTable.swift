import TokenCore
import TokenRecords

/// A record's table, as its ``RecordSchema`` declares it: the same list of fields that drives
/// the JSON coding gives the columns of the upsert in `tokend.write`, of the `COPY` of a bulk
/// write, and of the load, which reads each column by name.
extension RecordSchema {
    /// `tokend.<table>`.
    var qualifiedTable: String { "tokend.\(table)" }

    /// The columns, in the schema's order: `created_at, description, …` (child lists are
    /// tables of their own).
    var columnList: String { columnFields.map(\.column).joined(separator: ", ") }

    // MARK: The upsert in tokend.write

    /// The plpgsql statement of `tokend.write` that brings the table up to date with a put of
    /// this record, whose JSON is in `r`; `extra` are columns the database derives itself
    /// (a token's `family_id`), as (column, expression). ``primaryKey`` is the conflict key.
    func upsert(extra: [(column: String, expression: String)] = []) -> String {
        let parts = upsertParts(json: "r", extra: extra)
        return "INSERT INTO \(qualifiedTable) (\(parts.columns))\n"
            + "VALUES (\(parts.values.joined(separator: ", ")))\n"
            + "\(parts.onConflict);"
    }

    /// The statement of `tokend.write` that brings the table up to date with many puts of this
    /// record at once: each record's JSON in `json`, a column of the rows of `source` whose
    /// column `seq` orders them. Of several puts of one key the last one wins, as the puts one
    /// after another would leave it (an upsert may change a row once per statement).
    func upsertRows(
        from source: String, json: String, seq: String, extra: [(column: String, expression: String)] = []
    ) -> String {
        let parts = upsertParts(json: json, extra: extra)
        return "INSERT INTO \(qualifiedTable) (\(parts.columns))\n"
            + "SELECT DISTINCT ON (\(parts.key)) \(parts.values.joined(separator: ", "))\n"
            + "FROM \(source) ORDER BY \(parts.key), \(seq) DESC\n"
            + parts.onConflict
    }

    /// An upsert's column list, its values read from the record's JSON in `json`, the key's
    /// values, and its `ON CONFLICT` clause (``primaryKey`` the conflict key).
    private func upsertParts(
        json: String, extra: [(column: String, expression: String)]
    ) -> (columns: String, values: [String], key: String, onConflict: String) {
        let columns = extra.map(\.column) + columnFields.map(\.column)
        let values = extra.map(\.expression) + columnFields.map { Self.jsonExpression($0, in: json) }
        let key = primaryKey.map { column in values[columns.firstIndex(of: column)!] }.joined(separator: ", ")
        let updates = columns.filter { !primaryKey.contains($0) }.map { "\($0) = EXCLUDED.\($0)" }
        let onConflict = "ON CONFLICT (\(primaryKey.joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))"
        return (columns.joined(separator: ", "), values, key, onConflict)
    }

    /// The plpgsql statements of `tokend.write` that replace the child rows of the record whose
    /// JSON is in `r` (key column `parentColumn`, the parent's `id`) with the list under
    /// `field`'s key, each child's position (from 0) in the `position` column.
    func replaceChildren(of parentColumn: String, from field: String) -> String {
        let columns = [parentColumn, "position"] + columnFields.map(\.column)
        let values = ["(r->>'id')::bigint", "x.ord - 1"] + columnFields.map { Self.jsonExpression($0, in: "x.e") }
        return "DELETE FROM \(qualifiedTable) WHERE \(parentColumn) = (r->>'id')::bigint;\n"
            + "INSERT INTO \(qualifiedTable) (\(columns.joined(separator: ", ")))\n"
            + "SELECT \(values.joined(separator: ", "))\n"
            + "FROM jsonb_array_elements(coalesce(r->'\(field)', '[]'::jsonb)) WITH ORDINALITY AS x(e, ord);"
    }

    /// A field's value, read in plpgsql from the record's JSON `json` (`r`), or from its nested
    /// object when the field has a ``RecordField/parent``.
    static func jsonExpression(_ field: RecordField<Record>, in json: String = "r") -> String {
        let object = field.parent.map { "\(json)->'\($0)'" } ?? json
        var text = "\(object)->>'\(field.key)'"
        // A key the JSON leaves out at its default (``RecordField/omitted(when:)``) is that default.
        switch field.omittedWhen {
        case .integer(let value)?: text = "coalesce(\(text), '\(value)')"
        case .boolean(let flag)?: text = "coalesce(\(text), '\(flag)')"
        default: break
        }
        switch field.kind {
        case .integer: return "(\(text))::bigint"
        case .milliseconds: return "tokend.ms((\(text))::bigint)"
        case .text: return text
        case .boolean: return "(\(text))::boolean"
        case .date: return "(\(text))::date"
        case .digest: return "decode(\(text), 'hex')"
        case .texts, .scopes: return "ARRAY(SELECT jsonb_array_elements_text(\(object)->'\(field.key)'))"
        case .children: preconditionFailure("a child list is a table, not a column")
        }
    }

    // MARK: COPY

    /// The record's cells in COPY text (before escaping), in ``columnList`` order; nil is NULL.
    func copyCells(_ record: Record) -> [String?] {
        columnFields.map { field in
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
            case .json: preconditionFailure("a child list is a table, not a column")
            }
        }
    }

    // MARK: Load

    /// The select list of the load's binary copy: each column cast to the type whose binary
    /// form ``decodeRow(_:from:interner:)`` reads (a no-op on this release's tables).
    var copyList: String {
        columnFields.map { field in
            let c = field.column
            switch field.kind {
            case .integer: return "\(c)::bigint"
            case .milliseconds: return "\(c)::timestamptz"
            case .text: return "\(c)::text"
            case .boolean: return "\(c)::boolean"
            case .date: return "\(c)::date"
            case .digest: return "\(c)::bytea"
            case .texts, .scopes: return "\(c)::text[]"
            case .children: preconditionFailure("a child list is a table, not a column")
            }
        }.joined(separator: ", ")
    }

    /// The cells of `row` from `first` on, in ``copyList`` order, as a record. A NULL in a
    /// column that cannot hold one, or a value that is not its column's type, throws an error
    /// naming the column. `interner` shares equal scope lists among tokens.
    func decodeRow(_ row: BinaryCopyRow, from first: Int, interner: ScopeInterner) throws(PostgresError) -> Record {
        var record = prototype
        // Through the buffer: a field read in place, not copied with its closures and strings.
        try columnFields.withUnsafeBufferPointer { (fields) throws(PostgresError) in
            for position in fields.indices {
                let index = first + position
                guard let bytes = row.cell(index) else {
                    guard fields[position].nullable else { throw row.corrupt(index, "is NULL") }
                    _ = fields[position].set(&record, .null)
                    continue
                }
                let value: FieldValue?
                switch fields[position].kind {
                case .integer: value = BinaryCopyRow.int64(bytes).map { .integer($0) }
                case .milliseconds: value = BinaryCopyRow.milliseconds(bytes).map { .integer($0) }
                case .text: value = .text(String(decoding: bytes, as: UTF8.self))
                case .boolean: value = BinaryCopyRow.boolean(bytes).map { .boolean($0) }
                case .date: value = BinaryCopyRow.date(bytes).map { .date($0) }
                case .digest: value = TokenDigest(memory: UnsafeRawBufferPointer(bytes)).map { .digest($0) }
                case .texts:
                    var texts: [String] = []
                    value = BinaryCopyRow.texts(bytes) { texts.append(String(decoding: $0, as: UTF8.self)) } ? .texts(texts) : nil
                case .scopes:
                    if let shared = interner.scopes(spelledAs: bytes) {
                        value = .scopes(shared)
                    } else {
                        var scopes: [Scope] = []
                        let valid = BinaryCopyRow.texts(bytes) { scopes.append(Scope(rawValue: String(decoding: $0, as: UTF8.self))) }
                        if valid { interner.remember(scopes, spelledAs: bytes) }
                        value = valid ? .scopes(scopes) : nil
                    }
                case .children: value = nil
                }
                guard let value, fields[position].set(&record, value) else {
                    throw row.corrupt(index, "is not a \(fields[position].kind)")
                }
            }
        }
        return record
    }
}
