/// A token scope, by the name clients send (`lib/gitlab/auth.rb`). A value type rather than an
/// enum: a stored token may name a scope this build does not know, and keeps it.
public struct Scope: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }
    public static func < (l: Scope, r: Scope) -> Bool { l.rawValue < r.rawValue }

    public static let api: Scope = "api"
    public static let readAPI: Scope = "read_api"
    public static let readUser: Scope = "read_user"
    public static let selfRotate: Scope = "self_rotate"
    public static let k8sProxy: Scope = "k8s_proxy"
    public static let sudo: Scope = "sudo"
    public static let adminMode: Scope = "admin_mode"
    public static let readServicePing: Scope = "read_service_ping"
    public static let aiFeatures: Scope = "ai_features"

    /// Scopes any user may hold, in GitLab's order.
    public static let nonAdmin: [Scope] = [
        "api", "read_api", "read_user", "create_runner", "manage_runner", "k8s_proxy", "self_rotate",
        "read_repository", "write_repository", "read_registry", "write_registry",
        "read_virtual_registry", "write_virtual_registry", "read_observability", "write_observability",
        "ai_features",
    ]

    /// Scopes only administrators' tokens may hold.
    public static let adminOnly: [Scope] = ["sudo", "admin_mode", "read_service_ping"]

    /// Every scope a personal access token may be created with.
    public static let all: [Scope] = nonAdmin + adminOnly
    public static let allSet: Set<Scope> = Set(all)

    /// Scopes a project or group bot may hold: the non-admin ones without `read_user`.
    public static let resourceBot: [Scope] = nonAdmin.filter { $0 != readUser }
}
