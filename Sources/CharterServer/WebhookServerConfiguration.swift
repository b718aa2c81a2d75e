/// Where the webhook server listens, how it authenticates deliveries, and how it bounds connections.
public struct WebhookServerConfiguration: Sendable {
    /// 1 MiB: push payloads of even large pushes are far smaller (GitHub caps them at 25 MB but
    /// truncates commit lists long before), and the body is read into memory before verification.
    public static let defaultMaximumBodyBytes = 1 << 20
    /// 256: a forge sends one delivery at a time, and the common limit of 1024 open files leaves
    /// the controller most of its descriptors for git, SQLite and sandboxes.
    public static let defaultMaximumConnections = 256
    /// 10 seconds to send a whole request: a push payload takes milliseconds.
    public static let defaultReadTimeout = Duration.seconds(10)
    /// 30 seconds idle between requests on a kept-alive connection.
    public static let defaultIdleTimeout = Duration.seconds(30)

    /// The address to bind; loopback unless the forge must reach it directly.
    public var host: String
    /// The port to bind; 0 picks a free one (see ``WebhookServer/listeningPort()``).
    public var port: Int
    /// The shared secret, read by the caller from an environment variable.
    public var secret: WebhookSecret?
    /// Accept deliveries without any signature when no secret is configured. Allowed only on a
    /// loopback host, for local experiments and tests.
    public var allowUnauthenticated: Bool
    /// Bodies larger than this are refused with 413 before verification.
    public var maximumBodyBytes: Int
    /// The most connections open at once. At the cap a new connection takes the place of the one
    /// that has waited longest without a request in progress; with none such, it is closed at once.
    public var maximumConnections: Int
    /// How long a request may take to arrive, head and body, counted from the connection's opening
    /// (or, on a kept-alive connection, from the request's first bytes): a connection that sends
    /// nothing, or sends slowly, is closed after it.
    public var readTimeout: Duration
    /// How long a connection may wait between requests before it is closed.
    public var idleTimeout: Duration
    /// Whether `POST /hooks/git` takes deliveries. Off when the server runs for the API and the
    /// dashboard only (no secret configured): the route then answers 404 and no secret is needed.
    public var acceptsWebhooks: Bool = true

    /// A configuration; see the properties.
    public init(
        host: String = "127.0.0.1", port: Int, secret: WebhookSecret?, allowUnauthenticated: Bool = false,
        maximumBodyBytes: Int = defaultMaximumBodyBytes, maximumConnections: Int = defaultMaximumConnections,
        readTimeout: Duration = defaultReadTimeout, idleTimeout: Duration = defaultIdleTimeout
    ) {
        self.host = host
        self.port = port
        self.secret = secret
        self.allowUnauthenticated = allowUnauthenticated
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumConnections = maximumConnections
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
    }

    /// Refuses settings that cannot work or that would expose an unauthenticated trigger.
    func validate() throws(WebhookServerError) {
        guard !host.isEmpty else { throw WebhookServerError(.invalidConfiguration, "the webhook host is empty") }
        guard (0...65535).contains(port) else {
            throw WebhookServerError(.invalidConfiguration, "webhook port \(port) is not between 0 and 65535")
        }
        guard maximumBodyBytes > 0 else {
            throw WebhookServerError(.invalidConfiguration, "the webhook body limit must be positive")
        }
        guard maximumConnections > 0 else {
            throw WebhookServerError(.invalidConfiguration, "the webhook connection limit must be positive")
        }
        guard readTimeout > .zero, idleTimeout > .zero else {
            throw WebhookServerError(.invalidConfiguration, "the webhook read and idle timeouts must be positive")
        }
        guard secret == nil, acceptsWebhooks else { return }
        guard allowUnauthenticated else {
            throw WebhookServerError(
                .missingSecret,
                "no webhook secret is configured: set one in the environment variable named by the configuration,"
                    + " or allow unauthenticated webhooks on a loopback address")
        }
        guard Loopback.isLoopback(host) else {
            throw WebhookServerError(
                .unauthenticatedNotLoopback,
                "unauthenticated webhooks are allowed only on a loopback address, not on \(host):"
                    + " configure a secret")
        }
    }
}
