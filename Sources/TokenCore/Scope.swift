/// GitLab's token scopes (`lib/gitlab/auth.rb`), as the names clients send.
public enum Scope {
    public static let api = "api"
    public static let readAPI = "read_api"
    public static let readUser = "read_user"
    public static let selfRotate = "self_rotate"
    public static let k8sProxy = "k8s_proxy"
    public static let sudo = "sudo"
    public static let adminMode = "admin_mode"
    public static let readServicePing = "read_service_ping"

    /// Scopes any user may hold.
    public static let nonAdmin: [String] = [
        "api", "read_api", "read_user", "create_runner", "manage_runner", "k8s_proxy", "self_rotate",
        "read_repository", "write_repository", "read_registry", "write_registry",
        "read_virtual_registry", "write_virtual_registry", "read_observability", "write_observability",
        "ai_features",
    ]

    /// Scopes only administrators' tokens may hold.
    public static let adminOnly: [String] = ["sudo", "admin_mode", "read_service_ping"]

    /// Every scope a personal access token may be created with.
    public static let all: [String] = nonAdmin + adminOnly
    public static let allSet: Set<String> = Set(all)

    /// Scopes a project or group bot may hold: the non-admin ones without `read_user`.
    public static let resourceBot: [String] = nonAdmin.filter { $0 != readUser }
}
