/// GitLab's rules for user attributes.
public enum UserRules {
    /// Letters, digits, `_`, `-`, `.`; not starting with `-` or `.`; 1–255 characters.
    public static func isValidUsername(_ name: String) -> Bool {
        !name.exceeds(characters: FieldLimits.username) && hasValidUsernameCharacters(name)
    }

    /// The character rule alone: letters, digits, `_`, `-`, `.`, not starting with `-` or `.`,
    /// not empty.
    public static func hasValidUsernameCharacters(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                return true
            default: return false
            }
        }
    }
}
