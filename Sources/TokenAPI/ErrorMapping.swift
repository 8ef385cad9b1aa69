import HTTPTypes
import Logging
import TokenCore

/// How GitLab words a domain refusal on a route. The domain says what happened; the route
/// says which of GitLab's renderings the client gets.
public enum ErrorStyle: Sendable {
    /// `render_validation_error!`: `{"message":{"field":["msg"]}}` (the default).
    case fieldMap
    /// `render_api_error!(sentences, 422)`: personal access tokens made through the Users API.
    case sentences
    /// `bad_request!(service.message)`: `{"message":"400 Bad request - <sentence>"}`, what
    /// GitLab's rotate and revoke services and resource-token endpoints answer.
    case serviceMessage
    /// `POST /groups`: `{"message":"Failed to save group {field: [\"msg\"]}"}`.
    case groupSave
}

/// The one place where domain errors become GitLab's status codes and bodies. ``Application``
/// catches once and asks here; handlers throw domain errors as they are.
public enum ErrorMapping {
    /// The answer to `error` on a route of `style`, or nil for an error nobody expected (the
    /// application answers those with a 500 that leaks nothing).
    public static func httpError(for error: any Error, style: ErrorStyle) -> HTTPError? {
        switch error {
        case let error as HTTPError: return error
        case let error as AuthenticationFailure: return answer(to: error)
        case let error as TokenError: return answer(to: error, style: style)
        case let error as ResourceTokenService.Failure: return answer(to: error)
        case let error as ResourceDirectory.Failure: return answer(to: error, style: style)
        case let error as UserDirectory.Failure: return answer(to: error)
        case let error as GroupSharing.Failure: return answer(to: error)
        case let error as RepositoryError: return answer(to: error)
        case let error as GateRefusal: return answer(to: error)
        case let error as TokenIdentification.Failure: return answer(to: error)
        case let error as DeployTokenService.Failure: return answer(to: error)
        default: return nil
        }
    }

    /// The forward-auth gate's answer to `error`: the API's status and body, and on a 401 the
    /// gate's own challenge, realm `tokend`: `Basic` when the client sent Basic credentials (so
    /// git and docker prompt), else `Bearer`, with `error="invalid_token"` when a token was
    /// presented and refused (RFC 6750).
    public static func gateError(for error: any Error, basic: Bool, tokenPresented: Bool) -> HTTPError? {
        guard var mapped = httpError(for: error, style: .fieldMap) else { return nil }
        if mapped.status == .unauthorized {
            mapped.headerFields[.wwwAuthenticate] =
                basic ? #"Basic realm="tokend""# : #"Bearer realm="tokend""# + (tokenPresented ? #", error="invalid_token""# : "")
        }
        return mapped
    }

    static func answer(to refusal: GateRefusal) -> HTTPError {
        switch refusal {
        case .insufficientScope(let required): return .insufficientScope(required)
        case .notAMember: return .forbidden
        }
    }

    /// GitLab's Token information API: `render_api_error!('Token type not supported.', 422)`
    /// and `render_api_error!({ error: 'Not found' }, :not_found)`.
    /// `render_api_error!(full_messages.to_sentence, :bad_request)`: `{"message":"…"}`.
    static func answer(to failure: DeployTokenService.Failure) -> HTTPError {
        .message(.badRequest, failure.sentence)
    }

    static func answer(to failure: TokenIdentification.Failure) -> HTTPError {
        switch failure {
        case .unsupportedType: return .message(.unprocessableContent, "Token type not supported.")
        case .notFound: return .messageObject(.notFound, error: "Not found")
        }
    }

    static func answer(to failure: AuthenticationFailure) -> HTTPError {
        switch failure {
        case .unknownToken: return .unauthorized
        case .expired: return .tokenExpired
        case .revoked: return .tokenRevoked
        case .impersonationDisabled: return .impersonationDisabled
        case .blocked: return .forbidden("Your account has been blocked.")
        }
    }

    static func answer(to error: TokenError, style: ErrorStyle) -> HTTPError {
        switch (error, style) {
        case (.exceedsLimit(let field), _): return .validation([field])
        case (.invalid(let errors), .fieldMap), (.invalid(let errors), .groupSave): return .validation(errors)
        case (.invalid, .sentences): return .message(.unprocessableContent, error.reason)
        case (.tokenNotFound, _): return .notFound
        case (.userNotFound, _): return .notFound("User")
        default: return .badRequest(error.reason)
        }
    }

    static func answer(to failure: ResourceTokenService.Failure) -> HTTPError {
        if case .token(.exceedsLimit(let field)) = failure { return .validation([field]) }
        return .badRequest(failure.reason)
    }

    static func answer(to failure: ResourceDirectory.Failure, style: ErrorStyle) -> HTTPError {
        switch failure {
        case .invalid(let errors):
            guard style == .groupSave else { return .validation(errors) }
            // Ruby 3.4's Hash#inspect of ActiveModel's messages.
            let detail = FieldError.grouped(errors).map { field, messages in
                "\(field): [" + messages.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
            }
            return .message(.badRequest, "Failed to save group {\(detail.joined(separator: ", "))}")
        case .forbidden: return .forbidden
        case .notFound(let what): return .notFound(what)
        case .memberExists: return .message(.conflict, "Member already exists")
        case .memberNotFound: return .recordNotFound
        }
    }

    static func answer(to failure: UserDirectory.Failure) -> HTTPError {
        switch failure {
        case .invalid(let error): return .validation([error])
        case .taken(let attribute): return .message(.conflict, "\(attribute) has already been taken")
        case .notFound: return .notFound("User")
        }
    }

    /// GitLab's Groups::GroupLinks services, rendered by `render_api_error!`.
    static func answer(to failure: GroupSharing.Failure) -> HTTPError {
        switch failure {
        case .notPermitted: return .message(.notFound, "Not Found")
        case .alreadyShared: return .message(.conflict, "Shared group The group has already been shared with this group")
        case .linkNotFound: return .notFound("Group Link")
        }
    }

    /// Store failures: the client learns only that it may retry, or that nothing was written.
    static func answer(to error: RepositoryError) -> HTTPError {
        switch error.kind {
        case .busy:
            return .message(.serviceUnavailable, "503 Service Unavailable - the store is busy, retry shortly", headerFields: [.retryAfter: "1"])
        case .readOnly:
            return .message(.serviceUnavailable, "503 Service Unavailable - the store is read-only; writes are refused")
        case .full:
            return .message(
                HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"),
                "507 Insufficient Storage - no space left for the store; nothing was written")
        case .failed:
            return .message(.serviceUnavailable, "503 Service Unavailable - the store refused the write; see the server log")
        case .unavailable:
            return .message(
                .serviceUnavailable, "503 Service Unavailable - the store cannot be reached, retry shortly", headerFields: [.retryAfter: "5"])
        }
    }
}
