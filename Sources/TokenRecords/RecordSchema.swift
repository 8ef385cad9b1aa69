package import JSON
package import TokenCore

/// The one declaration of a record's fields: for each, its JSON key, its column, how it is
/// spelled, and how to read it from and write it into the record. Everything that moves a
/// record in or out walks this list, so a new field is one line here (and the domain type, and
/// for PostgreSQL one migration adding its column):
///
/// - the JSON coding of the snapshot, journal, change-log and export lines (``write(_:into:)``,
///   ``decode(_:)``), keys in the order of ``fields``, which is sorted (stable bytes);
/// - the fast decoder of the load and CGI paths (``FastRecordDecoder``), which expects those
///   keys in that order (a missing optional one, written before the field existed, is absent);
/// - in PostgreSQL (`PostgresStore`'s `RecordTable`): the upsert `tokend.write` runs for each
///   change, the `COPY` of a bulk write, and the load, which reads every column by name.
///
/// Fields declare their JSON key and column once; types come from ``FieldKind``. A field may sit
/// in a nested object (``RecordField/parent``, a user's `bot_of`), or be a list of child records
/// kept in a table of their own (``FieldKind/children``, a group's shares).
package struct RecordSchema<Record: Sendable>: Sendable {
    /// The record's kind in a change line (`"token"`), and its table in PostgreSQL (`tokens`).
    package let kind: String
    package let table: String
    package let fields: [RecordField<Record>]
    /// The columns of the table's primary key: what the upsert's `ON CONFLICT` names.
    package let primaryKey: [String]
    /// What a decoded record holds before its fields are read (the defaults of absent ones).
    package let prototype: Record
    /// Each field's key as the fast decoder meets it after a comma (`,"key":`); it skips the
    /// comma for the first key of the object.
    package let keyBytes: [[UInt8]]
    /// Each field's key as the writer writes it (`"key":`), quoted once here instead of per record.
    package let quotedKeys: [[UInt8]]
    /// The fields that are columns of ``table`` (all but child lists, which are tables).
    package let columnFields: [RecordField<Record>]
    /// True when the fast decoder can read the record: no nested objects, no child lists.
    package let isFlat: Bool

    package init(kind: String, table: String, primaryKey: [String] = ["id"], prototype: Record, fields: [RecordField<Record>]) {
        self.kind = kind
        self.table = table
        self.primaryKey = primaryKey
        self.prototype = prototype
        self.fields = fields
        keyBytes = fields.map { Array(",\"\($0.key)\":".utf8) }
        quotedKeys = fields.map { field in
            var w = JSONWriter(capacity: field.key.utf8.count + 4)
            w.key(field.key)
            return w.bytes
        }
        isFlat = fields.allSatisfy { $0.parent == nil && $0.kind != .children }
        columnFields = fields.filter { $0.kind != .children }
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
    /// A list of child records (``FieldValue/json``, an array of objects), left out of the JSON
    /// when empty; in SQL a table of their own, keyed by the parent's id and the position.
    case children
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
    /// A nested JSON value (the child records of a ``FieldKind/children`` field).
    case json(JSONValue)
}

/// One field of a record: see ``RecordSchema``.
package struct RecordField<Record>: Sendable {
    /// The JSON key.
    package let key: String
    /// The SQL column (for ``FieldKind/children``, the child table).
    package let column: String
    /// The key of the nested object that holds this field (`bot_of`), or nil at the top level.
    /// Fields of one object are consecutive; the object is left out when all of them are null,
    /// and an absent object leaves them all absent. ``required`` then means required when the
    /// object is present.
    package let parent: String?
    package let kind: FieldKind
    /// Null is a value (JSON `null`, SQL NULL); otherwise null or absent means ``absent``.
    package let nullable: Bool
    /// Absent from a record means corruption (no default makes sense).
    package let required: Bool
    package let get: @Sendable (Record) -> FieldValue
    /// False when the value does not fit (a corrupt record).
    package let set: @Sendable (inout Record, FieldValue) -> Bool
    /// What an absent field (written by an older release) leaves; by default the prototype's
    /// value. It runs once every present field is set, so it may derive from any of them.
    package let absent: @Sendable (inout Record) -> Void
    /// Left out of the JSON when the record holds this value (a field most records leave at
    /// its default, added after records were written: their lines keep their bytes). Reading
    /// it back, the missing key is absent, which gives the same value.
    package private(set) var omittedWhen: FieldValue?

    package init(
        _ key: String, column: String? = nil, parent: String? = nil, kind: FieldKind, nullable: Bool = false, required: Bool = false,
        get: @escaping @Sendable (Record) -> FieldValue, set: @escaping @Sendable (inout Record, FieldValue) -> Bool,
        absent: @escaping @Sendable (inout Record) -> Void = { _ in }
    ) {
        self.key = key
        self.column = column ?? key
        self.parent = parent
        self.kind = kind
        self.nullable = nullable
        self.required = required
        self.get = get
        self.set = set
        self.absent = absent
    }

    /// This field, left out of the JSON when its value is `value` (see ``omittedWhen``).
    package func omitted(when value: FieldValue) -> Self {
        var field = self
        field.omittedWhen = value
        return field
    }
}
