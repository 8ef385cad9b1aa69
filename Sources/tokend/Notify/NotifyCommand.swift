#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import JSON
import TokenCore
import TokenStore
import TokendSettings

struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Send GitLab's access-token expiry webhooks; list expiring personal tokens.",
        discussion: """
            Finds the project and group access tokens that expire within GitLab's notification \
            intervals (7 days; also 30 and 60 with --webhook-extended-intervals) and posts GitLab's \
            access_token payload (X-Gitlab-Event: Resource Access Token Hook) to every hook of \
            their project or group, and of its parent groups, that has resource_access_token_events. \
            Each token, interval and hook gets one notice: what was sent is remembered in the store; \
            a failed delivery is retried by later runs after 15, 30, 60 and 120 minutes, and given \
            up after 5 attempts. Each delivery is exactly one request (no redirects, no URL \
            globbing), to an address resolved once and checked: loopback and private addresses \
            are refused unless --allow-local-webhooks. A delivery may take --webhook-timeout \
            seconds, a run --notify-timeout; what a run leaves is for the next. Run it from cron \
            or the shipped tokend-notify.timer; one run at a time per data directory.

            --personal prints, instead, one JSON line per personal access token that expires \
            within 60, 30 or 7 days and was not listed for that interval before, for a mail or \
            chat script. --dry-run prints what would be sent and changes nothing.

            Examples:
              tokend notify --data /var/lib/tokend --external-url https://gitlab.example.com
              tokend notify --data /var/lib/tokend --dry-run
              tokend notify --data /var/lib/tokend --personal
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var links: LinkOptions
    @OptionGroup var webhooks: NotifyOptions

    @Flag(help: "Print what would be sent (never a hook's secret token) and change nothing.")
    var dryRun = false

    @Flag(help: "List expiring personal access tokens as JSON lines instead of sending webhooks.")
    var personal = false

    @Option(name: .long, help: ArgumentHelp("The time to run at, ISO 8601 (default: now); for tests and catching up.", valueName: "time"))
    var now: String?

    func validate() throws {
        if let now, Timestamp(iso8601: now) == nil { throw ValidationError("--now takes an ISO 8601 time, e.g. 2026-06-15T12:00:00Z") }
        _ = try settings()
    }

    /// Every setting of this run, from these flags, the environment and the config file.
    func settings() throws -> Settings { try store.settings(links.flags, webhooks.flags) }

    func run() throws {
        let settings = try self.settings()
        let repository = try settings.openStore()
        let instant = now.flatMap(Timestamp.init(iso8601:)) ?? Clock.system.now()
        // One notifier at a time on a data directory. On PostgreSQL, cron runs it on one host
        // (README, "Several hosts"): the notices it records keep a second run from sending again.
        let lock = settings.postgres == nil ? NotifyLock(directory: settings.data) : nil
        if settings.postgres == nil, lock == nil {
            throw CommandError("another tokend notify is running on \(settings.data)")
        }
        defer { lock?.release() }
        if personal {
            try listPersonal(repository, now: instant)
        } else {
            try sendWebhooks(repository, settings: settings, now: instant)
        }
    }

    // MARK: Personal tokens

    func listPersonal(_ repository: any AdminStore, now: Timestamp) throws {
        let listed = try repository.read { state in ExpiryNotifier.personal(in: state, now: now, enabled: Set(ExpiryInterval.allCases)) }
        for (token, owner, interval) in listed {
            var w = JSONWriter()
            w.beginObject()
            w.field("user_id", owner.id.rawValue)
            w.field("username", owner.username)
            w.field("name", owner.name)
            w.field("email", owner.email)
            w.field("token_id", token.id.rawValue)
            w.field("token_name", token.name)
            w.field("expires_at", token.expiresAt?.iso8601)
            w.field("days_left", (token.expiresAt?.daysSinceEpoch ?? 0) - now.date.daysSinceEpoch)
            w.field("interval", interval.rawValue)
            w.endObject()
            print(w.string)
        }
        let stale = try repository.read { state in ExpiryNotifier.stale(in: state, now: now) }
        guard !dryRun, !listed.isEmpty || !stale.isEmpty else { return }
        try repository.write { state in
            for key in stale { state.deleteNotice(key) }
            for (token, _, interval) in listed {
                state.put(ExpiryNotice(key: ExpiryNotifier.personalKey(token.id, interval), state: .delivered, attempts: 1, lastAttemptAt: now))
            }
        }
    }

    // MARK: Webhooks

    func sendWebhooks(_ repository: any AdminStore, settings: Settings, now: Timestamp) throws {
        let started = Self.monotonicSeconds()
        let enabled: Set<ExpiryInterval> = settings.webhookExtendedIntervals ? Set(ExpiryInterval.allCases) : [.sevenDays]
        let webBase = (settings.externalURL ?? "http://localhost").trimmingSuffix("/")
        let box = dryRun ? nil : WebhookTokenBox(secret: try repository.loadSecret(), random: .system)
        let (plan, stale, legacy, waiting) = try repository.read { state in
            let due = ExpiryNotifier.due(in: state, now: now, enabled: enabled)
            // Failed earlier and waiting for their next attempt: not due yet, but said.
            let waiting = state.webhooks.allNotices().filter { $0.state == .retrying && ($0.nextAttemptAt.map { $0 > now } ?? false) }
            // Hook tokens sealed before they were bound to their hook, to seal again below.
            let legacy = state.webhooks.allHooks().filter { hook in hook.sealedToken.map { box?.isCurrent($0) == false } ?? false }.map(\.id)
            return (
                due.map { ($0, AccessTokenPayload.bytes($0, state: state, webBase: webBase)) }, ExpiryNotifier.stale(in: state, now: now), legacy,
                waiting
            )
        }
        guard let box else {
            for (due, payload) in plan { print(Self.line(due, extra: { w in w.key("payload"); w.raw(String(decoding: payload, as: UTF8.self)) })) }
            Self.warn("tokend notify: dry run; \(plan.count) notices due, \(waiting.count) waiting for a later retry\(Self.nextRetry(waiting))")
            return
        }
        let delivery = WebhookDelivery(allowLocal: settings.allowLocalWebhooks)
        // A curl that dies before reading its configuration must not take this process along.
        signal(SIGPIPE, SIG_IGN)
        let budget = RunBudget(seconds: Double(settings.notifyTimeoutSeconds), start: started)
        var outcomes: [ExpiryNotice] = []
        var left = 0
        var refused = 0
        for (due, payload) in plan {
            guard let seconds = budget.next(Double(settings.webhookTimeoutSeconds), now: Self.monotonicSeconds()) else {
                left += 1
                continue
            }
            var headers = [
                ("Content-Type", "application/json"), ("User-Agent", "GitLab/tokend"), ("X-Gitlab-Event", "Resource Access Token Hook"),
                ("X-Gitlab-Instance", webBase), ("X-Gitlab-Event-UUID", Self.uuid()),
                ("Idempotency-Key", "tokend-\(due.key.tokenID.rawValue)-\(due.key.interval.rawValue)-\(due.key.hookID.rawValue)"),
            ]
            if let sealed = due.hook.sealedToken, let token = box.open(sealed, hook: due.hook.id), WebhookRules.isValidToken(token) {
                headers.append(("X-Gitlab-Token", token))
            }
            var status: Int?
            var problem: String?
            do {
                status = try delivery.post(
                    url: due.hook.url, body: payload, headers: headers, verifyTLS: due.hook.enableSSLVerification, timeout: seconds)
            } catch .localAddress(let address, let reason) {
                // Refused by this run's policy before any request: not a delivery attempt. The
                // notice stays due, so a run with --allow-local-webhooks sends it at once.
                refused += 1
                print(Self.line(due) { w in
                    w.field("result", "refused")
                    w.field("error", WebhookDelivery.Failure.localAddress(address, reason).description)
                })
                continue
            } catch {
                problem = error.description
            }
            let outcome = ExpiryNotifier.outcome(of: due, status: status, at: now)
            outcomes.append(outcome)
            print(Self.line(due) { w in
                w.field("status", status)
                w.field("result", outcome.state.rawValue)
                w.field("attempt", outcome.attempts)
                if let next = outcome.nextAttemptAt { w.field("next_attempt_at", next.iso8601) }
                if let problem { w.field("error", problem) }
            })
        }
        if left > 0 {
            Self.warn("tokend notify: --notify-timeout (\(settings.notifyTimeoutSeconds) s) reached; \(left) notices left for the next run")
        }
        let delivered = outcomes.filter { $0.state == .delivered }.count
        Self.warn(
            "tokend notify: \(plan.count) notices due: \(delivered) delivered, \(outcomes.count - delivered) failed (retried later), "
                + "\(refused) refused by policy (still due; not an attempt), \(left) left for the next run; "
                + "\(waiting.count) waiting for a later retry\(Self.nextRetry(waiting))")
        guard !outcomes.isEmpty || !stale.isEmpty || !legacy.isEmpty else { return }
        try repository.write { state in
            for key in stale { state.deleteNotice(key) }
            for notice in outcomes { state.put(notice) }
            // Tokens sealed before they were bound to their hook, sealed again now (WebhookTokenBox).
            for id in legacy {
                guard var hook = state.webhooks.hook(id), let sealed = hook.sealedToken, !box.isCurrent(sealed),
                    let current = box.resealed(sealed, hook: id)
                else { continue }
                hook.sealedToken = current
                state.put(hook)
            }
        }
    }

    /// ", the next at …" for notices waiting for a retry, or nothing.
    static func nextRetry(_ waiting: [ExpiryNotice]) -> String {
        guard let next = waiting.compactMap(\.nextAttemptAt).min() else { return "" }
        return ", the next at \(next.iso8601)"
    }

    /// Seconds on the monotonic clock, for the run's time bound.
    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func warn(_ message: String) {
        var line = Array((message + "\n").utf8)
        _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// One JSON line about a notice: hook, URL, token, interval, and `extra`.
    static func line(_ due: ExpiryNotifier.Due, extra: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("hook_id", due.hook.id.rawValue)
        w.field("url", due.hook.url)
        w.field("resource", "\(due.resource.kind)/\(due.resource.rawID)")
        w.field("token_id", due.token.id.rawValue)
        w.field("interval", due.key.interval.rawValue)
        extra(&w)
        w.endObject()
        return w.string
    }

    static func uuid() -> String {
        let bytes = RandomSource.system.bytes(16)
        let hex = Hex.encode(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}

/// One `tokend notify` at a time per data directory: `flock` on `notify.lock` there, taken
/// without waiting, so two overlapping runs cannot send the same notice twice.
struct NotifyLock {
    let fd: Int32

    init?(directory: String) {
        let path = directory + "/notify.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        fchmod(fd, 0o600)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
