import CharterModel
import Foundation
import NIOCore
import NIOPosix

/// What every connection's handler needs from the proxy.
struct ProxyContext: Sendable {
    var rules: EgressRules
    var configuration: EgressProxy.Configuration
    var state: ProxyState
    var threadPool: NIOThreadPool
}

/// The first stage of a step's connection: reads the CONNECT request (bounded in size and time),
/// decides, resolves, connects, answers, then hands the connection to a ``RelayHandler`` pair.
final class ConnectHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case readingHead
        /// Resolving or connecting: reading is paused; bytes that arrive anyway wait in `buffer`.
        case deciding
        case done
    }

    private let proxy: ProxyContext
    private let admission: ProxyState.Admission
    private var phase = Phase.readingHead
    private var buffer = ByteBuffer()
    private var headTimer: Scheduled<Void>?
    private var pendingRead = false
    private var inputEnded = false
    /// Bumped when a wait ends, so a late resolver result or timer is ignored.
    private var attempt = 0

    init(proxy: ProxyContext, admission: ProxyState.Admission) {
        self.proxy = proxy
        self.admission = admission
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // An idle client must not hold a slot: no complete head in time, no connection.
        headTimer = context.eventLoop.assumeIsolated().scheduleTask(in: proxy.configuration.headTimeout) {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { headTimer?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch phase {
        case .readingHead:
            buffer.writeBuffer(&bytes)
            switch ConnectRequest.parse(buffer.readableBytesView, limit: proxy.configuration.maximumHeadBytes) {
            case .incomplete:
                return
            case .refused(let response):
                refuse(context, response, host: "", port: 0)
            case .request(let request, let headLength):
                headTimer?.cancel()
                buffer.moveReaderIndex(forwardBy: headLength)
                phase = .deciding
                decide(context, request)
            }
        case .deciding:
            buffer.writeBuffer(&bytes)
        case .done:
            return
        }
    }

    func read(context: ChannelHandlerContext) {
        if phase == .readingHead { context.read() } else { pendingRead = true }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            return context.fireUserInboundEventTriggered(event)
        }
        switch phase {
        case .readingHead: context.close(promise: nil)
        case .deciding: inputEnded = true
        case .done: return
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    // MARK: Deciding

    private func decide(_ context: ChannelHandlerContext, _ request: ConnectRequest) {
        guard admission == .tunnel else {
            let limit = proxy.configuration.maximumTunnels
            return refuse(
                context, ProxyResponse(503, "\(limit) tunnels are open, the most a step may have: close one and retry"),
                request: request)
        }
        let byName = proxy.rules.checkName(host: request.host, port: request.port)
        guard byName.allowed else { return refuse(context, ProxyResponse(403, byName.reason), request: request) }
        if let literal = IPAddress(literal: request.host) {
            return check(context, request, [literal])
        }
        // The resolver blocks, so it runs on the thread pool; its answer is used exactly once
        // (checked, then connected to), which leaves no window for DNS rebinding.
        let state = proxy.state
        guard state.beginLookup(limit: proxy.configuration.maximumLookups) else {
            let limit = proxy.configuration.maximumLookups
            return refuse(
                context,
                ProxyResponse(503, "\(limit) name lookups of this step are in progress, the most at once: retry"),
                request: request)
        }
        attempt += 1
        let current = attempt
        let host = request.host
        let resolved = proxy.threadPool.runIfActive(eventLoop: context.eventLoop) {
            defer { state.endLookup() }
            return try HostResolver.resolve(host)
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: proxy.configuration.connectTimeout) {
            guard self.attempt == current else { return }
            self.attempt += 1
            self.refuse(context, ProxyResponse(502, "resolving `\(host)` timed out"), request: request)
        }
        resolved.assumeIsolated().whenComplete { result in
            timeout.cancel()
            guard self.attempt == current, context.channel.isActive else { return }
            self.attempt += 1
            switch result {
            case .success(let addresses):
                self.check(context, request, addresses)
            case .failure(let error):
                self.refuse(context, ProxyResponse(502, "cannot resolve `\(host)`: \(error)"), request: request)
            }
        }
    }

    private func check(_ context: ChannelHandlerContext, _ request: ConnectRequest, _ addresses: [IPAddress]) {
        var passed: [IPAddress] = []
        var refusal: EgressDecision?
        for address in addresses {
            let decision = proxy.rules.checkAddress(address, host: request.host, port: request.port)
            if decision.allowed {
                passed.append(address)
            } else if refusal == nil {
                refusal = decision
            }
        }
        guard !passed.isEmpty else {
            return refuse(context, ProxyResponse(403, refusal?.reason ?? "no address to connect to"), request: request)
        }
        connect(context, request, passed[...], lastError: nil)
    }

    /// Tries the checked addresses in order; only those, never a fresh lookup.
    private func connect(
        _ context: ChannelHandlerContext, _ request: ConnectRequest, _ candidates: ArraySlice<IPAddress>,
        lastError: String?
    ) {
        guard let address = candidates.first else {
            let why = lastError.map { ": \($0)" } ?? ""
            return refuse(
                context, ProxyResponse(502, "cannot connect to \(Self.target(request.host, request.port))\(why)"),
                request: request)
        }
        guard context.channel.isActive, !proxy.state.isStopped else { return }
        let target = address.unmapped
        guard let socketAddress = try? SocketAddress(ipAddress: "\(target)", port: request.port) else {
            return connect(context, request, candidates.dropFirst(), lastError: "`\(target)` is not usable")
        }
        let upstreamRelay = RelayHandler(.down)
        let relay = NIOLoopBound(upstreamRelay, eventLoop: context.eventLoop)
        let connecting = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(proxy.configuration.connectTimeout)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(relay.value) }
            }
            .connect(to: socketAddress)
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                self.connect(context, request, candidates.dropFirst(), lastError: "\(target): \(error)")
            case .success(let upstream):
                guard context.channel.isActive, self.proxy.state.track(upstream) else {
                    upstream.close(promise: nil)
                    return
                }
                self.open(context, request, address: target, upstream: upstream, upstreamRelay: upstreamRelay)
            }
        }
    }

    // MARK: Answering

    private func open(
        _ context: ChannelHandlerContext, _ request: ConnectRequest, address: IPAddress, upstream: any Channel,
        upstreamRelay: RelayHandler
    ) {
        phase = .done
        let index = proxy.state.record(
            EgressLogEntry(
                time: Date(), host: request.host, port: request.port, address: address, allowed: true, status: 200,
                reason: proxy.rules.checkAddress(address, host: request.host, port: request.port).reason))
        let tunnel = Tunnel(client: context.channel, upstream: upstream, state: proxy.state, logIndex: index)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: ProxyResponse(200, "").bytes)), promise: nil)
        tunnel.carried(buffer.readableBytes, .up)
        upstreamRelay.writeEarly(buffer)
        let clientRelay = RelayHandler(.up)
        do {
            try context.pipeline.syncOperations.addHandlers([
                IdleStateHandler(allTimeout: proxy.configuration.idleTimeout), clientRelay,
            ])
        } catch {
            return tunnel.abort()
        }
        let ended = inputEnded
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        RelayHandler.join(clientRelay, upstreamRelay, tunnel: tunnel)
        if ended { clientRelay.inputEnded() }
    }

    private func refuse(_ context: ChannelHandlerContext, _ response: ProxyResponse, request: ConnectRequest) {
        refuse(context, response, host: request.host, port: request.port)
    }

    /// Answers and closes; reading stays paused, so nothing more is taken from the client.
    private func refuse(_ context: ChannelHandlerContext, _ response: ProxyResponse, host: String, port: Int) {
        phase = .done
        headTimer?.cancel()
        _ = proxy.state.record(
            EgressLogEntry(
                time: Date(), host: host, port: port, address: nil, allowed: false, status: response.status,
                reason: response.reason))
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: response.bytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    static func target(_ host: String, _ port: Int) -> String { "`\(host):\(port)`" }
}
