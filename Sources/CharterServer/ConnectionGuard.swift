import NIOCore
import NIOHTTPTypes

/// One per connection, between the HTTP codec and Hummingbird: admits the connection under the
/// cap (``ConnectionLimiter``) and bounds how long reading a request may take.
///
/// The read deadline runs from the moment a connection opens, and on a kept-alive connection from
/// the first bytes of its next request, until that request's end has been read: a client that sends
/// nothing, or dribbles its head or body, is closed after `readTimeout` however steadily it sends.
/// Between requests, Hummingbird's idle timeout closes a connection that sends nothing.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limiter: ConnectionLimiter
    private let readTimeout: TimeAmount
    private var activated = false
    /// Requests whose head arrived and whose response is not complete.
    private var requestsInProgress = 0
    /// A request's head arrived and its end has not.
    private var readingRequest = false
    /// Closes the connection when reading a request takes too long.
    private var deadline: Scheduled<Void>?

    init(limiter: ConnectionLimiter, readTimeout: Duration) {
        self.limiter = limiter
        self.readTimeout = TimeAmount(readTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        activate(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsInProgress += 1
            readingRequest = true
            if requestsInProgress == 1 { limiter.requestStarted(ObjectIdentifier(context.channel)) }
            if deadline == nil { arm(context) }
        case .body:
            break
        case .end:
            readingRequest = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Bytes arrived that did not complete a head: the next request has begun.
        if activated, deadline == nil, requestsInProgress == 0, !readingRequest { arm(context) }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), requestsInProgress > 0 {
            requestsInProgress -= 1
            if requestsInProgress == 0 { limiter.requestFinished(ObjectIdentifier(context.channel)) }
        }
        context.write(data, promise: promise)
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard !activated else { return }
        activated = true
        let channel = context.channel
        let id = ObjectIdentifier(channel)
        guard limiter.admit(id, close: { channel.close(promise: nil) }) != .refused else {
            context.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [limiter] _ in limiter.closed(id) }
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: readTimeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
