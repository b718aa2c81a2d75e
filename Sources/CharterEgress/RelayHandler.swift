import NIOCore

/// One end of a tunnel: what it reads goes to the other end, which it only reads from while the
/// other end can take more (so a slow reader never makes the proxy buffer without bound).
///
/// Both ends live on the same event loop, so they call each other directly.
final class RelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let direction: Tunnel.Direction
    private var context: ChannelHandlerContext?
    private var partner: RelayHandler?
    private var tunnel: Tunnel?
    private var pendingRead = false
    /// The last write towards this end's peer: once it completes, everything before it has too.
    private var lastWrite: EventLoopFuture<Void>?

    /// An end whose reads travel in `direction`: `.up` for the step's connection.
    init(_ direction: Tunnel.Direction) { self.direction = direction }

    /// Joins two ends; each then reads as soon as the other can write.
    static func join(_ up: RelayHandler, _ down: RelayHandler, tunnel: Tunnel) {
        up.partner = down
        down.partner = up
        up.tunnel = tunnel
        down.tunnel = tunnel
        up.context?.read()
        down.context?.read()
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        tunnel?.carried(bytes.readableBytes, direction)
        partner?.write(bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable == true {
            context.read()
        } else {
            pendingRead = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.pendingRead {
            partner.pendingRead = false
            partner.context?.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputEnded()
        } else if event is IdleStateHandler.IdleStateEvent {
            tunnel?.abort()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { tunnel?.abort() }

    func channelInactive(context: ChannelHandlerContext) {
        // NIO closes a connection outright when EOF arrives after its output was shut down, with
        // no `inputClosed` event: everything was read by then, so that is this end's EOF. Any
        // other close loses bytes, and ends the tunnel.
        if let tunnel, tunnel.isDelivered(direction.reversed) {
            inputEnded()
            tunnel.finishIfDone()
        } else {
            tunnel?.abort()
        }
        context.fireChannelInactive()
    }

    /// This end's peer sent EOF: pass it on once everything it sent has been written.
    func inputEnded() {
        guard let tunnel, let partner, tunnel.readEnded(direction) else { return }
        partner.shutDownOutput(after: direction, tunnel: tunnel)
    }

    /// Writes the data that came before the tunnel opened (sent right after the request head).
    func writeEarly(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        write(bytes)
        context?.flush()
    }

    private func write(_ bytes: ByteBuffer) {
        guard let context else { return }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(bytes), promise: promise)
        lastWrite = promise.futureResult
    }

    /// Half-closes this end after its queued writes, carrying the EOF of `direction`.
    ///
    /// NIO turns an output shutdown into a full close when the input has already ended, and a full
    /// close drops queued writes; waiting for the last write first keeps every byte.
    private func shutDownOutput(after direction: Tunnel.Direction, tunnel: Tunnel) {
        guard let context else { return }
        context.flush()
        let finish: (Result<Void, any Error>) -> Void = { result in
            guard case .success = result else { return tunnel.abort() }
            tunnel.delivered(direction)
            context.close(mode: .output, promise: nil)
            tunnel.finishIfDone()
        }
        if let lastWrite {
            lastWrite.assumeIsolated().whenComplete(finish)
        } else {
            finish(.success(()))
        }
    }
}

/// The two connections of one tunnel and how far each direction has got: closes both once both
/// directions are delivered, or at once when something fails.
final class Tunnel {
    /// Which way bytes travel.
    enum Direction {
        /// From the step to the destination.
        case up
        /// From the destination to the step.
        case down

        var reversed: Direction { self == .up ? .down : .up }
    }

    private let client: any Channel
    private let upstream: any Channel
    private let state: ProxyState
    private let logIndex: Int?
    private var readEnded: Set<Direction> = []
    private var delivered: Set<Direction> = []

    init(client: any Channel, upstream: any Channel, state: ProxyState, logIndex: Int?) {
        self.client = client
        self.upstream = upstream
        self.state = state
        self.logIndex = logIndex
    }

    func carried(_ count: Int, _ direction: Direction) {
        guard let logIndex, count > 0 else { return }
        state.count(entry: logIndex, up: direction == .up ? count : 0, down: direction == .down ? count : 0)
    }

    /// Records that `direction` reached EOF; false when it already had.
    func readEnded(_ direction: Direction) -> Bool { readEnded.insert(direction).inserted }

    /// Records that every byte of `direction` was written and its EOF passed on.
    func delivered(_ direction: Direction) { delivered.insert(direction) }

    func isDelivered(_ direction: Direction) -> Bool { delivered.contains(direction) }

    /// Closes both connections once both directions are delivered.
    func finishIfDone() {
        if delivered.count == 2 { abort() }
    }

    /// Closes both connections now.
    func abort() {
        client.close(promise: nil)
        upstream.close(promise: nil)
    }
}
