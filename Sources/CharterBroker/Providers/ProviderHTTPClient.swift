import AsyncHTTPClient
import NIOCore

/// The HTTP client the providers share, so that connections are pooled across sources and steps
/// and there is exactly one thing to shut down.
///
/// It owns one `HTTPClient` on NIO's singleton event loop group, configured with the connect and
/// idle-read bounds of ``timeouts``; redirects are not followed, because a redirect would resend
/// the request (and its credential header) somewhere the CapacitySource does not name. Call
/// ``shutdown()`` once when done: an `HTTPClient` that is released without it traps.
public final class ProviderHTTPClient: Sendable {
    /// The underlying client, for ``ProviderFactory`` and the providers.
    public let client: HTTPClient
    /// The bounds the client was made with; providers made from it use their `overall` bound.
    public let timeouts: ProviderTimeouts

    /// How many HTTP/1.1 connections the client keeps open to one host unless told otherwise.
    ///
    /// AsyncHTTPClient's own default is 8, which would queue the ninth concurrent call to a local
    /// server (vLLM, Ollama) inside the client for the whole length of an LLM answer; the broker's
    /// per-source `concurrentRequests` is the limit meant to apply, so the pool stays out of its way.
    /// HTTP/2 servers (api.openai.com, api.anthropic.com) multiplex on one connection anyway.
    public static let defaultMaxConnectionsPerHost = 256

    /// A client enforcing `timeouts.connect` and `timeouts.idleRead` on every connection, keeping
    /// up to `maxConnectionsPerHost` HTTP/1.1 connections open to each host.
    public init(timeouts: ProviderTimeouts = .default, maxConnectionsPerHost: Int = defaultMaxConnectionsPerHost) {
        self.timeouts = timeouts
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: Self.timeAmount(timeouts.connect), read: Self.timeAmount(timeouts.idleRead)))
        // Provider APIs compress rarely, and an unbounded decompressor would defeat the body caps.
        configuration.decompression = .disabled
        // A refused connection fails the attempt at once instead of being retried until the connect
        // timeout: a provider makes one attempt, and the broker decides whether to retry or fail
        // over to another source.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, maxConnectionsPerHost)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the pooled connections; call once, after the last request has finished.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// `duration` as NIO's `TimeAmount`, in nanoseconds (saturating: a bound of centuries is no bound).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let limit = Int64.max / 1_000_000_000 - 1
        guard seconds < limit else { return .nanoseconds(Int64.max) }
        return .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
