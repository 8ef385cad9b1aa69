/// A statement and its values, kept apart: interpolating a value (`"… WHERE id = \(id)"`) binds
/// it as a parameter (`$1`), sent beside the text, never inside it. The only way to put text
/// that is not a literal into a statement is ``StringInterpolation/appendInterpolation(unsafeSQL:)``,
/// for identifiers and constants of the code (a column list, an advisory lock's key), never
/// for data. (As postgres-nio's `PostgresQuery` does.)
struct SQL: ExpressibleByStringInterpolation, Sendable {
    private enum Segment: Sendable {
        case text(String)
        /// The value's index in ``binds``.
        case bind(Int)
    }

    private var segments: [Segment] = []
    /// The values of `$1`, `$2`…, in the text format (nil is NULL).
    private(set) var binds: [String?] = []

    init(stringLiteral value: String) { segments = [.text(value)] }

    init(stringInterpolation: StringInterpolation) { self = stringInterpolation.sql }

    /// Text the code wrote: identifiers, constants, generated column lists. Never data.
    init(unsafeSQL text: String) { segments = [.text(text)] }

    /// The statement's text, values as `$1`, `$2`…
    var text: String {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text): out += text
            case .bind(let index): out += "$\(index + 1)"
            }
        }
        return out
    }

    /// Appends `other`, its values numbered after this statement's.
    mutating func append(_ other: SQL) {
        let offset = binds.count
        for segment in other.segments {
            switch segment {
            case .text: segments.append(segment)
            case .bind(let index): segments.append(.bind(index + offset))
            }
        }
        binds += other.binds
    }

    mutating func bind(_ value: String?) {
        segments.append(.bind(binds.count))
        binds.append(value)
    }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var sql = SQL(unsafeSQL: "")

        init(literalCapacity: Int, interpolationCount: Int) {}

        mutating func appendLiteral(_ literal: String) { sql.segments.append(.text(literal)) }

        /// A value, bound.
        mutating func appendInterpolation(_ value: String?) { sql.bind(value) }

        /// A value, bound.
        mutating func appendInterpolation(_ value: Int?) { sql.bind(value.map { String($0) }) }

        /// A value, bound.
        mutating func appendInterpolation(_ value: Int64) { sql.bind(String(value)) }

        /// A value, bound, as a `text[]` (cast it: `\(names)::text[]`).
        mutating func appendInterpolation(_ values: [String]) { sql.bind(PostgresArray.literal(values)) }

        /// Values, bound, as a `bigint[]`.
        mutating func appendInterpolation(_ values: [Int]) { sql.bind("{" + values.map { String($0) }.joined(separator: ",") + "}") }

        /// Another statement's text and values.
        mutating func appendInterpolation(_ other: SQL) { sql.append(other) }

        /// Text of the code's own (identifiers, constants); never data.
        mutating func appendInterpolation(unsafeSQL text: String) { sql.segments.append(.text(text)) }
    }
}

/// Statements sent together in one round trip by the simple protocol, which cannot bind values:
/// so this type has no interpolation of values at all, only of the code's own text.
struct SQLScript: ExpressibleByStringInterpolation, Sendable {
    let text: String

    init(stringLiteral value: String) { text = value }

    init(unsafeSQL text: String) { self.text = text }

    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {}

        mutating func appendLiteral(_ literal: String) { text += literal }

        /// Text of the code's own (identifiers, constants); never data.
        mutating func appendInterpolation(unsafeSQL text: String) { self.text += text }
    }
}

/// PostgreSQL's array literal (`{"a","b\"c"}`), the text form of an array value: every element
/// quoted, `"` and `\` escaped. A bound value's spelling, not SQL.
enum PostgresArray {
    static func literal(_ values: [String]) -> String {
        var out = "{"
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            for scalar in value.unicodeScalars where scalar != "\0" {
                if scalar == "\"" || scalar == "\\" { out += "\\" }
                out.unicodeScalars.append(scalar)
            }
            out += "\""
        }
        return out + "}"
    }
}

extension SQL {
    /// The two statements' text one after the other, `r`'s values numbered after `l`'s.
    static func + (l: SQL, r: SQL) -> SQL {
        var sum = l
        sum.append(r)
        return sum
    }
}

extension SQLScript {
    static func + (l: SQLScript, r: SQLScript) -> SQLScript { SQLScript(unsafeSQL: l.text + r.text) }
}
