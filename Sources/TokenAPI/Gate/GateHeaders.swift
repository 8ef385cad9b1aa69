import HTTPTypes
import TokenCore

/// The identity headers a 204 from the gate carries to the guarded service (nginx passes them
/// on with `auth_request_set`, Caddy with `copy_headers`). Every value is a number, a fixed
/// word, or a validated name checked again here, so nothing a client sent reaches a header.
struct GateHeaders {
    static let userID = HTTPField.Name("X-Tokend-User-Id")!
    static let username = HTTPField.Name("X-Tokend-Username")!
    static let tokenID = HTTPField.Name("X-Tokend-Token-Id")!
    /// The token's scopes, comma-separated, in the order the token was given them.
    static let scopes = HTTPField.Name("X-Tokend-Scopes")!
    /// `true` for a project or group access token's bot, else `false`.
    static let bot = HTTPField.Name("X-Tokend-Bot")!
    /// The full path of the project whose bot the token belongs to; empty for everyone else.
    /// Always sent, so a proxy that copies it never keeps a client's own value or a
    /// placeholder (Caddy before 2.10 does both for a header the answer lacks).
    static let botProject = HTTPField.Name("X-Tokend-Bot-Project")!
    /// The full path of the group whose bot the token belongs to; empty for everyone else.
    static let botGroup = HTTPField.Name("X-Tokend-Bot-Group")!

    /// Every header name above: a web server forwarding the gate's answer should drop any of
    /// these the client sent itself.
    static let all = [userID, username, tokenID, scopes, bot, botProject, botGroup]

    /// Whether the client sent a header that could pass for an identity header: one whose name,
    /// with `_` read as `-` and case ignored, starts with `x-tokend-`. A CGI, WSGI or PHP service
    /// folds `X_Tokend_User_Id` into the same variable as `X-Tokend-User-Id`, and a name nobody
    /// set (`X-Tokend-Admin`) would still look like the gate's to a service that trusts the
    /// prefix. Reads at most the first nine bytes of each name.
    static func carriesIdentityHeader(_ headers: RequestHeaders) -> Bool { headers.containsName(longerThan: reservedPrefix) }

    /// `x-tokend-`, the prefix every identity header has and no client may send.
    private static let reservedPrefix = Array("x-tokend-".utf8)

    /// The answer to a request that carries its own identity header: 403, which nginx's
    /// `auth_request` passes on as a refusal (it turns any status but 2xx, 401 and 403 into 500).
    static let refusal = HTTPError.message(.forbidden, "403 Forbidden - X-Tokend-* headers come from the gate, never from the client")

    /// Longest value written; GitLab's names and paths are far shorter (255 per segment).
    static let maximumValueLength = 4096

    /// The headers for `credential`, or nil when a stored name cannot be vouched for (a byte
    /// outside visible ASCII, or past the length bound): the gate then refuses, never admits a
    /// request it cannot describe.
    static func fields(for credential: Credential, botPath: String?) -> HTTPFields? {
        let token = credential.token
        let user = credential.user
        guard let username = checked(user.username),
            let scopeList = checked(token.scopes.map(\.rawValue).joined(separator: ","))
        else { return nil }
        var fields: HTTPFields = [
            userID: String(user.id.rawValue), self.username: username, tokenID: String(token.id.rawValue), scopes: scopeList,
            bot: user.isBot ? "true" : "false", botProject: "", botGroup: "",
        ]
        if let resource = user.botResource {
            guard let botPath, let path = checked(botPath) else { return nil }
            switch resource {
            case .project: fields[botProject] = path
            case .group: fields[botGroup] = path
            }
        }
        return fields
    }

    /// The headers for a deploy token: no user and no access token (`X-Tokend-User-Id`,
    /// `X-Tokend-Username` and `X-Tokend-Token-Id` empty, so a service cannot take its
    /// username, which its creator chose, for a person's), `X-Tokend-Bot: true` with its
    /// project's or group's full path, as a resource's bot, and its scopes.
    static func fields(for token: DeployToken, path: String) -> HTTPFields? {
        guard let scopeList = checked(token.scopes.map(\.rawValue).joined(separator: ",")), let path = checked(path) else { return nil }
        var fields: HTTPFields = [
            userID: "", username: "", tokenID: "", scopes: scopeList, bot: "true", botProject: "", botGroup: "",
        ]
        switch token.resource {
        case .project: fields[botProject] = path
        case .group: fields[botGroup] = path
        }
        return fields
    }

    /// `value` when every byte is visible ASCII (no space, CR, LF, NUL or other control byte,
    /// nothing beyond ASCII) and it is within ``maximumValueLength``; else nil.
    static func checked(_ value: String) -> String? {
        let bytes = value.utf8
        guard bytes.count <= maximumValueLength, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }
}
