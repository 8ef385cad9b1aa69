/// Length bounds on the strings tokend stores, in characters (Unicode scalars, as Ruby counts
/// them). GitLab's model limits where it has them; tokend's own, generous ones where it has
/// none, so no client can make every worker hold megabytes.
public enum FieldLimits {
    /// GitLab has no limit on token names; tokend bounds them (a listed deviation).
    public static let tokenName = 1_000
    public static let tokenDescription = 255
    public static let projectName = 255
    public static let projectPath = 255
    public static let projectDescription = 2_000
    public static let groupName = 255
    public static let groupPath = 255
    public static let groupDescription = 500
    public static let username = 255
    public static let userName = 255
    public static let email = 255
}

extension FieldError {
    /// `is too long (maximum is N characters)`, ActiveModel's length message.
    public static func tooLong(_ field: String, maximum: Int) -> FieldError {
        FieldError(field, "is too long (maximum is \(maximum) characters)")
    }

    /// ``tooLong(_:maximum:)`` when `value` is longer than `maximum`, else nil.
    public static func length(_ field: String, _ value: String?, maximum: Int) -> FieldError? {
        guard let value, value.exceeds(characters: maximum) else { return nil }
        return tooLong(field, maximum: maximum)
    }
}

extension String {
    /// True when the string has more than `limit` Unicode scalars. Stops counting at the
    /// limit, so a megabyte string costs no more than a short one.
    public func exceeds(characters limit: Int) -> Bool {
        if utf8.count <= limit { return false }
        var count = 0
        for _ in unicodeScalars {
            count += 1
            if count > limit { return true }
        }
        return false
    }
}
