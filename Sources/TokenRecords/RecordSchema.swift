public import TokenCore

/// The one declaration of a record's fields: for each, its JSON key, its column, how it is
/// spelled, and how to read it from and write it into the record. Everything that moves a
/// record in or out walks this list, so a new field is one line here (and the domain type, and
/// for PostgreSQL one migration adding its column):
///
/// - the JSON coding of the snapshot, journal, change-log and export lines (``write(_:into:)``,
///   ``decode(_:)``), keys in the order of ``fields``, which is sorted (stable bytes);
/// - the fast decoder of the load and CGI paths (``FastRecordDecoder``), which expects exactly
///   those keys in that order;
/// - in PostgreSQL (`PostgresStore`'s `RecordTable`): the upsert `tokend.write` runs for each
///   change, the `COPY` of a bulk write, and the load, which reads every column by name.
///
/// Fields declare their JSON key and column once; types come from ``FieldKind``.
package struct RecordSchema<Record: Sendable>: Sendable {
    /// The record's kind in a change line (`"token"`), and its table in PostgreSQL (`tokens`).
    package let kind: String
    package let table: String
    package let fields: [RecordField<Record>]
    /// What a decoded record holds before its fields are read (the defaults of absent ones).
    package let prototype: Record
    /// Each field's key as the fast decoder meets it: `{"key":` for the first, `,"key":` after.
    package let keyBytes: [[UInt8]]

    package init(kind: String, table: String, prototype: Record, fields: [RecordField<Record>]) {
        self.kind = kind
        self.table = table
        self.prototype = prototype
        self.fields = fields
        keyBytes = fields.enumerated().map { index, field in Array(((index == 0 ? "{" : ",") + "\"\(field.key)\":").utf8) }
    }
}

/// How a field is spelled in JSON and typed in SQL.
package enum FieldKind: Sendable, Equatable {
    /// A JSON integer; SQL `bigint`.
    case integer
    /// Milliseconds since the epoch as a JSON integer; SQL `timestamptz`.
    case milliseconds
    /// A JSON string; SQL `text`.
    case text
    /// `true`/`false`; SQL `boolean`.
    case boolean
    /// `"YYYY-MM-DD"`; SQL `date`.
    case date
    /// 64 lowercase hex characters; SQL `bytea`.
    case digest
    /// An array of strings; SQL `text[]`.
    case texts
    /// As ``texts``, decoded as scopes (the fast decoder shares equal lists).
    case scopes
}

/// One field's value, between the record and a representation.
package enum FieldValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case boolean(Bool)
    case date(CivilDate)
    case digest(TokenDigest)
    case texts([String])
    case scopes([Scope])
}

/// One field of a record: see ``RecordSchema``.
package struct RecordField<Record>: Sendable {
    /// The JSON key.
    package let key: String
    /// The SQL column.
    package let column: String
    package let kind: FieldKind
    /// Null is a value (JSON `null`, SQL NULL); otherwise null or absent means ``absent``.
    package let nullable: Bool
    /// Absent from a record means corruption (no default makes sense).
    package let required: Bool
    package let get: @Sendable (Record) -> FieldValue
    /// False when the value does not fit (a corrupt record).
    package let set: @Sendable (inout Record, FieldValue) -> Bool
    /// What an absent field (written by an older release) leaves; by default the prototype's value.
    package let absent: @Sendable (inout Record) -> Void

    package init(
        _ key: String, column: String? = nil, kind: FieldKind, nullable: Bool = false, required: Bool = false,
        get: @escaping @Sendable (Record) -> FieldValue, set: @escaping @Sendable (inout Record, FieldValue) -> Bool,
        absent: @escaping @Sendable (inout Record) -> Void = { _ in }
    ) {
        self.key = key
        self.column = column ?? key
        self.kind = kind
        self.nullable = nullable
        self.required = required
        self.get = get
        self.set = set
        self.absent = absent
    }
}
