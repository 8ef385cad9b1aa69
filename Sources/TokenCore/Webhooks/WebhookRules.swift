/// What a webhook may hold. Hook URLs are set by a resource's Maintainers or Owners and the
/// notifier posts to them, so they are bounded and checked before they are stored: `http` or
/// `https` only, a host, no credentials, no whitespace or control bytes, at most
/// ``maximumURLLength`` bytes. Where a URL may lead (loopback, private networks) is the
/// notifier's decision at delivery time.
///
/// `[`, `]`, `{` and `}` in the path and query are accepted, as GitLab accepts them, and are only
/// ever characters of the one request sent: the notifier turns curl's URL globbing off.
public enum WebhookRules {
    public static let maximumURLLength = 2_048
    /// The secret token goes into a header: visible ASCII only.
    public static let maximumTokenLength = 255
    public static let maximumNameLength = 255
    public static let maximumDescriptionLength = 2_048
    /// Hooks per project or group (GitLab's default plan limit for project hooks).
    public static let maximumHooksPerResource = 100
    /// GitLab's limit on `custom_webhook_template`; the branch filter gets the same bound.
    public static let maximumTemplateLength = 4_096

    /// The event flags of GitLab's hook entities besides `push_events` and
    /// `resource_access_token_events`, in the entity's order: kept and echoed, not delivered.
    public static let projectEventNames = [
        "tag_push_events", "merge_requests_events", "repository_update_events", "issues_events", "confidential_issues_events",
        "note_events", "confidential_note_events", "pipeline_events", "wiki_page_events", "deployment_events", "feature_flag_events",
        "job_events", "releases_events", "emoji_events", "vulnerability_events",
    ]
    /// A group hook's flags besides the project ones.
    public static let groupOnlyEventNames = ["member_events", "project_events", "subgroup_events"]

    /// The flags a hook of `resource` has.
    public static func eventNames(for resource: Resource) -> [String] {
        switch resource {
        case .project: return projectEventNames
        case .group: return projectEventNames + groupOnlyEventNames
        }
    }

    /// The URL's parts, or nil when the URL is not acceptable.
    public static func validateURL(_ url: String) -> WebhookURL? {
        guard !url.isEmpty, url.utf8.count <= maximumURLLength, url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let scheme: String
        if url.lowercased().hasPrefix("https://") {
            scheme = "https"
        } else if url.lowercased().hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("\\") else { return nil }
        var host = Substring(authority)
        var port = scheme == "https" ? 443 : 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = portNumber(after.dropFirst()) else { return nil }
                port = number
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = portNumber(host[host.index(after: colon)...]) else { return nil }
            port = number
            host = host[..<colon]
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" }) else {
            return nil
        }
        return WebhookURL(scheme: scheme, host: String(host).lowercased(), port: port)
    }

    /// A port of 1 to 5 decimal digits, 1 to 65535: nothing Swift's `Int` would take and curl
    /// would read otherwise (`+80`), so the address checked and pinned is the one connected to.
    static func portNumber(_ text: Substring) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int(text),
            (1...65535).contains(number)
        else { return nil }
        return number
    }

    /// Whether a secret token can be sent as a header value.
    public static func isValidToken(_ token: String) -> Bool {
        token.utf8.count <= maximumTokenLength && token.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }
}

/// The parts of a hook URL the notifier needs to decide where it may connect.
public struct WebhookURL: Hashable, Sendable {
    public var scheme: String
    /// Lowercase; an IPv6 address without brackets.
    public var host: String
    public var port: Int
}
