import HTTPTypes
import JSON
import Synchronization
import TokenCore

/// What `GET /personal_access_tokens/self` and the forward-auth gate answer for a token, kept
/// beside what they were made from, so that a repeated request is a lookup and a copy.
///
/// The record is the version: an entity is served only while the token record equals the one it
/// was written from and `now` gives the same `active` and `expired` (the only fields that move
/// with time); the gate's headers only while the token's scopes, its owner's id, username and bot
/// resource, and the bot's path are the same. A recorded use, a rotation, a revocation, a rename
/// or a change made by another worker or host therefore makes a new entry on the next request,
/// whatever the backend, and the bytes are exactly what ``TokenEntity`` and ``GateHeaders``
/// write. An entry holds entity JSON and header values, never a token's plaintext (the answers
/// that carry one, create and rotate, never come from here).
///
/// Bounded (security.md 4): at most ``capacity`` tokens, keyed by the id of a token that
/// authenticated; past it an arbitrary entry is dropped.
public final class TokenResponseCache: Sendable {
    /// Most tokens held at once.
    public let capacity: Int
    private let state = Mutex(Entries())

    public init(capacity: Int = 10_000) { self.capacity = max(1, capacity) }

    private struct Entries {
        var entities: [TokenID: Entity] = [:]
        var gates: [TokenID: Gate] = [:]
    }

    /// A token's `PersonalAccessTokenWithLastUsedIps` entity and what it was written from.
    private struct Entity {
        let token: AccessToken
        let active: Bool
        let expired: Bool
        let bytes: [UInt8]
    }

    /// What the gate's identity headers are made of, and the headers.
    private struct Gate {
        let source: GateSource
        let fields: HTTPFields?
    }

    private struct GateSource: Equatable {
        let scopes: [Scope]
        let user: UserID
        let username: String
        let isBot: Bool
        let botResource: Resource?
        let botPath: String?

        init(_ credential: Credential, botPath: String?) {
            scopes = credential.token.scopes
            user = credential.user.id
            username = credential.user.username
            isBot = credential.user.isBot
            botResource = credential.user.botResource
            self.botPath = botPath
        }
    }

    /// Entries held now (for tests and metrics).
    public var count: Int { state.withLock { $0.entities.count + $0.gates.count } }

    /// The bytes of `token`'s entity with `last_used_ips`, as ``TokenEntity`` writes it at `now`.
    func selfEntity(_ token: AccessToken, now: Timestamp) -> [UInt8] {
        let (active, expired) = (token.isActive(at: now), token.isExpired(at: now))
        let cached = state.withLock { entries -> [UInt8]? in
            guard let entry = entries.entities[token.id], entry.active == active, entry.expired == expired, entry.token == token
            else { return nil }
            return entry.bytes
        }
        if let cached { return cached }
        var w = JSONWriter()
        TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
        let entry = Entity(token: token, active: active, expired: expired, bytes: w.bytes)
        state.withLock { entries in
            if entries.entities[token.id] == nil { Self.makeRoom(in: &entries.entities, capacity: capacity) }
            entries.entities[token.id] = entry
        }
        return entry.bytes
    }

    /// The gate's identity headers for `credential` (``GateHeaders/fields(for:botPath:)``).
    func gateFields(for credential: Credential, botPath: String?) -> HTTPFields? {
        let source = GateSource(credential, botPath: botPath)
        let id = credential.token.id
        if let entry = state.withLock({ $0.gates[id] }), entry.source == source { return entry.fields }
        let entry = Gate(source: source, fields: GateHeaders.fields(for: credential, botPath: botPath))
        state.withLock { entries in
            if entries.gates[id] == nil { Self.makeRoom(in: &entries.gates, capacity: capacity) }
            entries.gates[id] = entry
        }
        return entry.fields
    }

    private static func makeRoom<Value>(in entries: inout [TokenID: Value], capacity: Int) {
        while entries.count >= capacity { entries.remove(at: entries.startIndex) }
    }
}
