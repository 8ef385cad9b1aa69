/// GitLab's rules for a new password (`Devise.password_length`, 8...128, and the User model's
/// messages), rendered as `{"message":{"password":["is too short (minimum is 8 characters)"]}}`.
public enum PasswordRules {
    public static let minimumLength = 8
    public static let maximumLength = 128

    /// The model error of a password that breaks a rule, else nil. Lengths count characters, as
    /// Rails' length validation does. A NUL is refused: bcrypt would stop reading there.
    public static func check(_ password: String) -> FieldError? {
        // Counting stops past the maximum: a megabyte of password costs no more than 129 characters.
        var count = 0
        for _ in password where count <= maximumLength { count += 1 }
        if count < minimumLength { return FieldError("password", "is too short (minimum is \(minimumLength) characters)") }
        if count > maximumLength { return FieldError("password", "is too long (maximum is \(maximumLength) characters)") }
        if password.utf8.contains(0) { return FieldError("password", "is invalid") }
        return nil
    }
}
