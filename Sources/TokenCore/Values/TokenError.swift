/// A model validation failure on one attribute, as GitLab's ActiveRecord errors.
public struct FieldError: Hashable, Sendable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// The full sentence GitLab renders: `Expiration date must be before 2027-08-25`.
    public var sentence: String { Self.humanName(field) + " " + message }

    static func humanName(_ field: String) -> String {
        switch field {
        case "expires_at": return "Expiration date"
        default:
            let spaced = String(field.map { $0 == "_" ? " " : $0 })
            return spaced.prefix(1).uppercased() + spaced.dropFirst()
        }
    }
}

/// Why a domain operation on tokens or users refused.
public enum TokenError: Error, Hashable, Sendable {
    /// The record would not be valid; GitLab renders these as 422 sentences or a 400 field map.
    case invalid([FieldError])
    /// A string past one of tokend's own ``FieldLimits`` where GitLab has none (token names):
    /// always a 400 field map, on every endpoint.
    case exceedsLimit(FieldError)
    /// Rotating a token that is already revoked.
    case alreadyRevoked
    /// The caller may not do this to this token (GitLab: "Not permitted to revoke").
    case notPermitted(String)
    /// The token's owner is gone.
    case userNotFound
    /// No token has that id (a concurrent request deleted or never made it).
    case tokenNotFound
}

extension TokenError {
    /// The sentence GitLab's services put after "400 Bad request - ".
    public var reason: String {
        switch self {
        case .invalid(let errors): return errors.map(\.sentence).joined(separator: " and ")
        case .exceedsLimit(let error): return error.sentence
        case .alreadyRevoked: return "Token already revoked"
        case .notPermitted(let why): return why
        case .userNotFound: return "User not found"
        case .tokenNotFound: return "Token not found"
        }
    }
}
