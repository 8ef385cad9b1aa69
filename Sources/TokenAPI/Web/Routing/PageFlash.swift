import HTTPTypes
import TokenCore

/// What a token page shows once after a form changed something: POST-redirect-GET, with the
/// message kept as GitLab keeps its flash. A form that created, rotated or revoked a token
/// keeps its message in the person's session, in the same transaction as the change, and
/// answers 303 to its page; the page takes the message (cleared in the transaction that reads
/// it) and shows it. So a reload repeats no change and shows no value twice.
///
/// The message lives only in the session's stored record, sealed under the cookie's id
/// (``WebSessionSecret/seal(_:forSession:)``): never in a URL or a cookie, and unreadable from
/// the store alone. It is at most a token's name, username and value (each bounded), one per
/// session: a newer message replaces one not yet shown.
enum PageFlash: Equatable {
    /// A new (or rotated) token's value.
    case newToken(name: String, value: String)
    /// A new deploy token's username and value.
    case newDeployToken(name: String, username: String, value: String)
    /// A sentence (a revocation).
    case notice(String)

    /// Keeps this message in `viewer`'s session, in the transaction of `state`.
    func keep(for viewer: SignedInUser, in state: inout StoreState) throws(HTTPError) {
        guard let sealed = viewer.dependencies.web.signIn.sessions.seal(encoded, forSession: viewer.sessionID),
            state.setFlash(sealed, forSession: viewer.session.digest)
        else { throw HTTPError.unauthorized }
    }

    /// `given` (a refused form's errors), else the message kept for this page's viewer, taken
    /// from the session on a GET (a write only when the session holds one).
    static func banner(_ context: WebContext, else given: HTML?) throws -> HTML? {
        if let given { return given }
        guard context.request.method == .get, let viewer = context.viewer, viewer.session.flash != nil else { return nil }
        let digest = viewer.session.digest
        guard let sealed = try context.write({ state in state.takeFlash(ofSession: digest) }),
            let bytes = context.dependencies.web.signIn.sessions.open(sealed, forSession: viewer.sessionID)
        else { return nil }
        return PageFlash(decoding: bytes)?.html
    }

    /// 303 See Other to the page that shows the message (`path` built by tokend).
    static func redirect(to path: String) -> APIResponse { PageResponse.redirect(to: path, status: .seeOther) }

    var html: HTML {
        switch self {
        case .newToken(let name, let value): TokenListView.newToken(value, name: name)
        case .newDeployToken(let name, let username, let value): DeployTokenView.newToken(value, username: username, name: name)
        case .notice(let text): Layout.alert("success", "\(text)")
        }
    }

    /// A kind byte, then each field as a 16-bit length and its UTF-8 bytes.
    var encoded: [UInt8] {
        var out: [UInt8] = []
        func field(_ text: String) {
            let bytes = text.utf8.prefix(Int(UInt16.max))
            out += [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)]
            out += bytes
        }
        switch self {
        case .newToken(let name, let value):
            out.append(1)
            field(name)
            field(value)
        case .newDeployToken(let name, let username, let value):
            out.append(2)
            field(name)
            field(username)
            field(value)
        case .notice(let text):
            out.append(3)
            field(text)
        }
        return out
    }

    init?(decoding bytes: [UInt8]) {
        var index = 1
        func field() -> String? {
            guard index + 2 <= bytes.count else { return nil }
            let count = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            guard index + 2 + count <= bytes.count else { return nil }
            defer { index += 2 + count }
            return String(decoding: bytes[(index + 2)..<(index + 2 + count)], as: UTF8.self)
        }
        switch bytes.first {
        case 1:
            guard let name = field(), let value = field() else { return nil }
            self = .newToken(name: name, value: value)
        case 2:
            guard let name = field(), let username = field(), let value = field() else { return nil }
            self = .newDeployToken(name: name, username: username, value: value)
        case 3:
            guard let text = field() else { return nil }
            self = .notice(text)
        default:
            return nil
        }
    }
}
