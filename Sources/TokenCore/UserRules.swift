/// GitLab's rules for user attributes.
public enum UserRules {
    /// Letters, digits, `_`, `-`, `.`; not starting with `-` or `.`; 1–255 characters.
    public static func isValidUsername(_ name: String) -> Bool {
        guard let first = name.first, name.count <= 255, first != "-", first != "." else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
}
