import TokenCore

/// SQL literals for the statements tokend sends as one script (the simple query protocol, no
/// parameters): text quoted with `standard_conforming_strings` on (tokend sets it on every
/// connection), so a quote is doubled and nothing else is special. PostgreSQL text cannot hold
/// NUL; the API and the CLI refuse it before it gets here, and it is dropped if it ever does.
enum SQLLiteral {
    static func text(_ value: String) -> String {
        var out = "'"
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars where scalar != "\0" {
            if scalar == "'" { out += "''" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }

    static func text(_ value: String?) -> String { value.map { text($0) } ?? "NULL" }

    static func int(_ value: Int?) -> String { value.map(String.init) ?? "NULL" }

    static func bool(_ value: Bool) -> String { value ? "true" : "false" }

    static func timestamp(_ value: Timestamp?) -> String { value.map { "'\($0.iso8601)'" } ?? "NULL" }

    static func date(_ value: CivilDate?) -> String { value.map { "'\($0.iso8601)'" } ?? "NULL" }

    static func digest(_ value: TokenDigest) -> String { "'\\x\(value.hex)'::bytea" }

    /// `ARRAY['a','b']::text[]`.
    static func textArray(_ values: [String]) -> String {
        "ARRAY[" + values.map { text($0) }.joined(separator: ",") + "]::text[]"
    }
}
