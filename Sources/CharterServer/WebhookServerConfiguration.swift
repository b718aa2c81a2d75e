/// Where the webhook server listens and how it authenticates deliveries.
public struct WebhookServerConfiguration: Sendable {
    /// 1 MiB: push payloads of even large pushes are far smaller (GitHub caps them at 25 MB but
    /// truncates commit lists long before), and the body is read into memory before verification.
    public static let defaultMaximumBodyBytes = 1 << 20

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

    /// A configuration; see the properties.
    public init(
        host: String = "127.0.0.1", port: Int, secret: WebhookSecret?, allowUnauthenticated: Bool = false,
        maximumBodyBytes: Int = defaultMaximumBodyBytes
    ) {
        self.host = host
        self.port = port
        self.secret = secret
        self.allowUnauthenticated = allowUnauthenticated
        self.maximumBodyBytes = maximumBodyBytes
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
        guard secret == nil else { return }
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
