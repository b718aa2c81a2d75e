import CharterMetrics
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The controller's HTTP front door: `POST /hooks/git` turns verified push webhooks into
/// ``FetchTrigger``s, `GET /healthz` and `GET /readyz` answer probes.
///
/// A `Service`: run it in a `ServiceGroup` next to the controller loop, where a graceful shutdown
/// stops it (stop accepting, finish requests in flight); cancelling its task outside a group does
/// the same. ``triggers`` ends when it stops.
///
/// Connections are bounded (``WebhookServerConfiguration/maximumConnections``), and so is the time
/// a connection may take to send a request (``WebhookServerConfiguration/readTimeout``) or sit idle
/// between requests (``WebhookServerConfiguration/idleTimeout``), so that idle or slow sockets can
/// neither exhaust the process's descriptors nor keep probes out.
public final class WebhookServer: Service, Sendable {
    /// How long a graceful shutdown may take before connections are dropped.
    static let gracefulShutdownLimit = Duration.seconds(5)

    /// What the server was built with (the secret prints redacted).
    public let configuration: WebhookServerConfiguration
    /// Accepted deliveries, coalesced while one is pending; ends when ``run()`` returns.
    public let triggers = FetchTriggers()

    /// What `GET /readyz` answers. The server moves it to stopping when its shutdown begins;
    /// deliveries are refused with 503 from then on.
    public let readiness: Readiness

    let logger: Logger
    /// The other concerns' routes (API, dashboard, metrics).
    let routes: [any HTTPRoutes]
    let verifier: WebhookVerifier
    /// Where deliveries are counted, accepted or refused by reason.
    let metrics: CharterMetrics
    let limiter: ConnectionLimiter
    private let listenState = ListenState()

    /// A server for `configuration`, not yet listening.
    ///
    /// - Parameters:
    ///   - readiness: answers `GET /readyz`; the controller passes one that becomes ready when its
    ///     first pass completed. The default is ready at once.
    ///   - routes: the other concerns' routes, registered after the server's own.
    ///   - logger: where accepted and refused deliveries and the server's life are reported; its
    ///     level, raised to `notice`, is Hummingbird's.
    ///   - metrics: where deliveries are counted.
    /// - Throws: ``WebhookServerError`` when no secret is configured and unauthenticated deliveries
    ///   are not allowed, or allowed on an address that is not loopback, or a setting is out of range.
    public init(
        configuration: WebhookServerConfiguration, readiness: Readiness = Readiness(.ready),
        routes: [any HTTPRoutes] = [],
        logger: Logger = Logger(label: "charter.webhooks") { _ in SwiftLogNoOpLogHandler() },
        metrics: CharterMetrics = .global
    ) throws(WebhookServerError) {
        self.metrics = metrics
        try configuration.validate()
        self.configuration = configuration
        self.routes = routes
        self.readiness = readiness
        self.logger = logger
        self.verifier = WebhookVerifier(secret: configuration.secret)
        self.limiter = ConnectionLimiter(maximum: configuration.maximumConnections, logger: logger)
    }

    /// The bound port while the server listens, else nil.
    public var port: Int? { listenState.port }

    /// How many connections are open.
    public var openConnections: Int { limiter.count }

    /// Waits until the server listens and returns the bound port (the chosen one when configured
    /// with port 0).
    /// - Throws: ``WebhookServerError`` (`notListening`) when the server stopped or failed to bind
    ///   first, or the waiting task was cancelled.
    public func listeningPort() async throws(WebhookServerError) -> Int {
        guard let port = await listenState.wait() else {
            throw WebhookServerError(
                .notListening, "the webhook server is not listening on \(configuration.host):\(configuration.port)")
        }
        return port
    }

    /// Listens until a graceful shutdown of its `ServiceGroup` or the cancellation of the calling
    /// task, then shuts down gracefully and returns. Call once.
    /// - Throws: what binding or serving failed with (an address in use, say).
    public func run() async throws {
        defer {
            listenState.stopped()
            triggers.finish()
        }
        let listenState = self.listenState
        let readiness = self.readiness
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: http1Configuration()),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { [logger, configuration] channel in
                let port = channel.localAddress?.port ?? 0
                logger.info(
                    "webhook server listening",
                    metadata: [
                        "address": "\(configuration.host):\(port)",
                        "maxConnections": "\(configuration.maximumConnections)",
                        "readTimeout": "\(configuration.readTimeout)",
                        "idleTimeout": "\(configuration.idleTimeout)",
                    ])
                listenState.listening(on: port)
            },
            logger: libraryLogger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: libraryLogger)
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracefulShutdownLimit
        let group = ServiceGroup(configuration: groupConfiguration)
        // The group runs in its own task, which inherits the graceful shutdown of an enclosing
        // `ServiceGroup`; cancellation, which would drop connections at once, is turned into a
        // graceful shutdown instead.
        let serving = Task { try await group.run() }
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await serving.value
            } onCancel: {
                readiness.markStopping()
                Task { await group.triggerGracefulShutdown() }
            }
        } onGracefulShutdown: {
            readiness.markStopping()
        }
        logger.info("webhook server stopped")
    }

    /// Hummingbird's channel: its idle timeout between requests, its header limits, and a
    /// ``ConnectionGuard`` per connection for the cap and the read deadline.
    func http1Configuration() -> HTTP1Channel.Configuration {
        let limiter = self.limiter
        let readTimeout = configuration.readTimeout
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limiter: limiter, readTimeout: readTimeout)],
            idleTimeout: TimeAmount(configuration.idleTimeout))
    }

    /// Hummingbird's and ServiceLifecycle's own lines: errors and notices only, in our format.
    private var libraryLogger: Logger {
        var logger = self.logger
        logger.logLevel = max(logger.logLevel, .notice)
        return logger
    }
}
