public import Logging
public import TokenCore

/// Everything the application depends on, passed in once (no globals): the repository, the
/// secret, time, randomness, the instance settings, the service's own limits, metrics and the
/// logger.
public struct APIDependencies: Sendable {
    public var repository: any TokenRepository
    public var secret: TokenSecret
    public var random: RandomSource
    public var clock: Clock
    public var settings: InstanceSettings
    /// `https://gitlab.example.com` as clients reach the service: links, `web_url`s and bot
    /// e-mail addresses. When nil, the web server's configured origin is used.
    public var externalURL: String?
    /// Largest request body accepted, in bytes (larger → 413).
    public var maximumBodySize: Int
    /// Client addresses (exact, or prefixes ending in `.`/`:`) allowed to read `/-/` health
    /// checks besides loopback.
    public var monitoringAllowList: [String]
    /// This process's request counters, served at `/-/metrics`.
    public var metrics: RequestMetrics
    public var logger: Logger
    /// Failed authentications, batched for the audit log (by default into `repository`).
    public var failedAuthentications: FailedAuthenticationLog
    /// The audit log, read by the audit events API (nil: those endpoints answer 404).
    public var auditLog: (any AuditLogReading)?
    /// Signing people in to the web pages: passwords, sessions, the web server's sign-in.
    public var web: WebSignInConfiguration
    /// `GET …/self`'s entity and the gate's headers per token, kept beside the record they were
    /// made from (``TokenResponseCache``).
    public var responseCache: TokenResponseCache
    /// The webhook token cipher (keyed from the secret).
    public var webhookTokens: WebhookTokenBox { WebhookTokenBox(secret: secret, random: random) }

    public init(
        repository: any TokenRepository, secret: TokenSecret, random: RandomSource = .system,
        clock: Clock, settings: InstanceSettings = .default, externalURL: String? = nil,
        maximumBodySize: Int = 1 << 20, monitoringAllowList: [String] = [], metrics: RequestMetrics = RequestMetrics(),
        logger: Logger = Logger(label: "tokend"), failedAuthentications: FailedAuthenticationLog? = nil,
        auditLog: (any AuditLogReading)? = nil, web: WebSignInConfiguration? = nil,
        responseCache: TokenResponseCache = TokenResponseCache()
    ) {
        self.responseCache = responseCache
        self.web = web ?? WebSignInConfiguration(signIn: SignInService(secret: secret, random: random))
        self.repository = repository
        self.secret = secret
        self.random = random
        self.clock = clock
        self.settings = settings
        self.externalURL = externalURL
        self.maximumBodySize = maximumBodySize
        self.monitoringAllowList = monitoringAllowList
        self.metrics = metrics
        self.logger = logger
        self.failedAuthentications = failedAuthentications ?? .writing(to: repository)
        self.auditLog = auditLog ?? (repository as? any AuditLogReading)
    }

    /// The token service, configured from these dependencies.
    public var issuer: TokenIssuer {
        TokenIssuer(secret: secret, random: random, clock: clock, settings: settings)
    }
}
