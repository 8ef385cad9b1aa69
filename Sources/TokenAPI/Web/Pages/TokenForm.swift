import TokenCore

/// The fields of a token form, read once: the name, description, expiry and checked scopes.
/// Scopes the page did not offer are refused inside the write, like the API's `does not have a
/// valid value`; the model's own rules are ``TokenIssuer``'s, the API's.
struct TokenForm {
    var request: TokenRequest
    var allowed: Set<Scope>

    /// nil when the expiry is not a date.
    init?(_ context: WebContext, allowed: Set<Scope>, issuer: TokenIssuer) {
        let expiry = context.field("expires_at").map(\.trimmingSpaces) ?? ""
        var expiresAt: CivilDate?
        if !expiry.isEmpty {
            guard let date = CivilDate(iso8601: expiry) else { return nil }
            expiresAt = date
        } else {
            expiresAt = issuer.defaultExpiry
        }
        let description = context.field("description").flatMap { $0.isEmpty ? nil : $0 }
        request = TokenRequest(
            name: context.field("name") ?? "", description: description,
            scopes: context.fields("scopes").map(Scope.init(rawValue:)), expiresAt: expiresAt)
        self.allowed = allowed
    }

    /// The refusal of a scope the page did not offer, if one was sent.
    var scopeProblem: TokenError? {
        request.scopes.allSatisfy(allowed.contains) ? nil : .invalid([FieldError("scopes", "can only contain available scopes")])
    }

    /// The sentences a refused token form shows.
    static func messages(_ error: TokenError) -> [String] {
        switch error {
        case .invalid(let errors): errors.map(\.sentence)
        default: [error.reason]
        }
    }
}
