import TokenCore

/// GitLab's description of each scope, as its token pages show it beside the checkbox.
enum ScopeDescriptions {
    static func of(_ scope: Scope) -> String {
        switch scope.rawValue {
        case "api": "Grants complete read/write access to the API, including all groups and projects, the container registry, the dependency proxy, and the package registry. Also grants complete read/write access to the registry and repository using Git over HTTP."
        case "read_api": "Grants read access to the API, including all groups and projects, the container registry, and the package registry."
        case "read_user": "Grants read-only access to your profile through the /user API endpoint, which includes username, public email, and full name. Also grants access to read-only API endpoints under /users."
        case "create_runner": "Grants create access to the runners."
        case "manage_runner": "Grants access to manage the runners."
        case "k8s_proxy": "Grants permission to perform Kubernetes API calls using the agent for Kubernetes."
        case "self_rotate": "Grants permission to rotate this token using the personal access token API."
        case "read_repository": "Grants read-only access to repositories on private projects using Git-over-HTTP or the Repository Files API."
        case "write_repository": "Grants read-write access to repositories on private projects using Git-over-HTTP (not using the API)."
        case "read_registry": "Grants read-only access to container registry images on private projects."
        case "write_registry": "Grants write access to container registry images on private projects. You need both read and write access to push images."
        case "read_virtual_registry": "Grants read-only access to container images through the dependency proxy."
        case "write_virtual_registry": "Grants read, write, and delete access to container images through the dependency proxy."
        case "read_observability": "Grants read-only access to GitLab Observability."
        case "write_observability": "Grants write access to GitLab Observability."
        case "ai_features": "Grants access to GitLab Duo related API endpoints."
        case "sudo": "Grants permission to perform API actions as any user in the system, when authenticated as an admin user."
        case "admin_mode": "Grants permission to perform API actions as an administrator, when Admin Mode is enabled."
        case "read_service_ping": "Grants access to download Service Ping payload through the API when authenticated as an admin user."
        default: ""
        }
    }
}
