import CharterModel
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The controller's egress proxy for one sandboxed step: the step's only way out.
///
/// It listens on a unix socket (bind-mounted into the sandbox) and speaks HTTP/1.1 `CONNECT`:
/// `CONNECT host:port HTTP/1.1`, IPv6 as `[::1]:443`. Each request is decided by
/// ``EgressRules/checkName(host:port:)``; names are resolved once, off the event loop, every
/// address is checked with ``EgressRules/checkAddress(_:host:port:)``, and the proxy connects only
/// to an address that passed. Answers: `200 Connection Established` and a byte relay in both
/// directions (half-close passed on); `403` with the reason; `400` for a malformed request; `405`
/// for any other method; `431` for a head over the limit; `502` when resolving or connecting
/// fails; `503` when the step has too many tunnels open.
///
/// Plain-HTTP forwarding (`GET http://…`) is deliberately not supported: it would mean parsing
/// and rewriting whole requests, and every client that can use a proxy can tunnel instead
/// (`curl --proxytunnel`, git's `http.proxy`, `https_proxy`).
public final class EgressProxy: Sendable {
    /// The socket the proxy listens on.
    public let socketPath: String
    /// The rules it applies.
    public let rules: EgressRules
    /// Its limits.
    public let configuration: Configuration

    private let server: any Channel
    private let state: ProxyState
    private let stopped: EventLoopPromise<Void>

    /// The threads every proxy of the process resolves names on: its own pool, not NIO's shared
    /// one that the HTTP client uses too, so lookups that hang cannot stall LLM calls; each step
    /// holds at most ``Configuration/maximumLookups`` of them.
    static let resolverPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    /// The longest socket path a `sockaddr_un` holds, without its terminating NUL.
    public static let maximumSocketPathBytes = 107

    private init(
        socketPath: String, rules: EgressRules, configuration: Configuration, server: any Channel, state: ProxyState
    ) {
        self.socketPath = socketPath
        self.rules = rules
        self.configuration = configuration
        self.server = server
        self.state = state
        self.stopped = server.eventLoop.makePromise()
    }

    /// Starts a proxy listening on `socketPath`, which is created readable and writable by every
    /// user (the step may run as another uid; keep it in a directory only the step can reach). A
    /// stale socket there is replaced; any other file is an error.
    public static func start(
        socketPath: String, rules: EgressRules, configuration: Configuration = .init()
    ) async throws -> EgressProxy {
        guard socketPath.utf8.count <= maximumSocketPathBytes else {
            throw EgressProxyError(
                "the socket path `\(socketPath)` is \(socketPath.utf8.count) bytes, over the \(maximumSocketPathBytes) "
                    + "a unix socket address holds: use a shorter directory")
        }
        guard configuration.maximumTunnels > 0, configuration.maximumHeadBytes > 0 else {
            throw EgressProxyError("maximumTunnels and maximumHeadBytes must be at least 1")
        }
        let state = ProxyState(
            maximumTunnels: configuration.maximumTunnels, maximumLogEntries: configuration.maximumLogEntries)
        let proxy = ProxyContext(
            rules: rules, configuration: configuration, state: state, threadPool: Self.resolverPool)
        // One event loop for the listener and every connection of this step, so the two ends of
        // a tunnel always share a loop.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: loop, childGroup: loop)
                .serverChannelOption(ChannelOptions.backlog, value: 128)
                .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    let admission = state.admit(channel)
                    guard admission != .refused else { return channel.close() }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ConnectHandler(proxy: proxy, admission: admission))
                    }
                }
                .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true)
                .get()
        } catch {
            throw EgressProxyError("cannot listen on `\(socketPath)`: \(error)")
        }
        guard chmod(socketPath, 0o666) == 0 else {
            let reason = String(cString: strerror(errno))
            try? await server.close()
            throw EgressProxyError("cannot make `\(socketPath)` writable for the step: \(reason)")
        }
        return EgressProxy(
            socketPath: socketPath, rules: rules, configuration: configuration, server: server, state: state)
    }

    deinit {
        // A proxy dropped without `stop()` still closes everything it opened.
        guard let channels = state.stop() else { return }
        server.close(promise: nil)
        unlink(socketPath)
        for channel in channels { channel.close(promise: nil) }
        stopped.succeed(())
    }

    /// The log so far.
    public var log: EgressLog { state.log }

    /// Stops listening, closes every connection and tunnel, removes the socket file and returns
    /// the log. Calling it again waits for the first call and returns the log again.
    @discardableResult
    public func stop() async -> EgressLog {
        if let channels = state.stop() {
            try? await server.close()
            unlink(socketPath)
            for channel in channels { channel.close(promise: nil) }
            await withTaskGroup(of: Void.self) { group in
                for channel in channels { group.addTask { try? await channel.closeFuture.get() } }
            }
            stopped.succeed(())
        }
        try? await stopped.futureResult.get()
        return state.log
    }
}
