import CharterFoundation
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 `GET` made by the controller through a step's egress proxy: `CONNECT host:port` on
/// the proxy's Unix socket, then — once the proxy has checked the name and every address it
/// resolved to and connected to one that passed — TLS for `https` and the request over the tunnel.
///
/// The proxy is the only way out, as for sandboxed commands: this client never resolves a name or
/// opens a TCP connection itself, so the address rules live in one place (``EgressRules``).
enum EgressFetch {
    /// Where a request goes.
    struct Target: Sendable, Hashable {
        /// Whether TLS is spoken over the tunnel.
        var https: Bool
        /// A DNS name or an IP address, IPv6 without brackets; lowercase.
        var host: String
        /// 1–65535.
        var port: Int
        /// The request target: path and query, never empty.
        var path: String

        /// Whether ``host`` is an IPv6 address.
        var isIPv6: Bool { host.contains(":") }

        /// `host:port` as a `CONNECT` request and a `Host` header write it, IPv6 in brackets.
        var authority: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// The `Host` header: the port only when it is not the scheme's default.
        var hostHeader: String {
            let name = isIPv6 ? "[\(host)]" : host
            return port == (https ? 443 : 80) ? name : "\(name):\(port)"
        }
    }

    /// What the server answered.
    struct Response: Sendable {
        /// The status code.
        var status: Int
        /// The response headers.
        var headers: HTTPHeaders
        /// The body, at most the limit asked for.
        var body: [UInt8]
        /// Whether the body went on past the limit (and was not read further).
        var truncated: Bool
        /// Whether the response ended as HTTP says it should (not cut off by the server).
        var complete: Bool
    }

    /// Why there is no response.
    enum Failure: Error, Sendable, CustomStringConvertible {
        /// The egress proxy refused the destination, with its reason.
        case refused(status: Int, reason: String)
        /// The deadline passed.
        case timedOut
        /// The connection or TLS failed, or the server did not speak HTTP.
        case failed(String)

        var description: String {
            switch self {
            case .refused(let status, let reason): "refused by the egress rules (\(status)): \(reason)"
            case .timedOut: "timed out"
            case .failed(let reason): reason
            }
        }
    }

    /// TLS for `https`: the system's trust roots and full verification of the name.
    static let tls: Result<NIOSSLContext, Failure> = Result {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }.mapError { Failure.failed("TLS cannot be set up on this machine: \($0)") }

    /// `GET target` through the proxy listening on `socket`, reading at most `maxBytes` of body,
    /// all before `deadline`.
    static func get(_ target: Target, socket: String, deadline: NIODeadline, maxBytes: Int) async throws -> Response {
        let tls = target.https ? try Self.tls.get() : nil
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let completion = Completion(loop.makePromise(of: Response.self))
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            TunnelOpener(target: target, tls: tls, maxBytes: maxBytes, completion: completion))
                    }
                }
                .connect(unixDomainSocketPath: socket).get()
        } catch {
            completion.finish(.failure(Failure.failed("the egress proxy cannot be reached: \(error)")))
            throw Failure.failed("the egress proxy cannot be reached: \(error)")
        }
        let timer = loop.scheduleTask(deadline: deadline) {
            completion.finish(.failure(Failure.timedOut))
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await withTaskCancellationHandler {
            try await completion.promise.futureResult.get()
        } onCancel: {
            completion.finish(.failure(CancellationError()))
            channel.close(promise: nil)
        }
    }

    /// The request's promise, completed once by whichever comes first: the response, an error,
    /// the deadline or a cancel.
    final class Completion: Sendable {
        let promise: EventLoopPromise<Response>
        private let done = Locked(false)

        init(_ promise: EventLoopPromise<Response>) { self.promise = promise }

        func finish(_ result: Result<Response, any Error>) {
            let first = done.withLock { done in
                defer { done = true }
                return !done
            }
            if first { promise.completeWith(result) }
        }
    }
}

/// Asks the proxy for a tunnel; on `200` replaces itself with TLS (for `https`) and HTTP/1.1, on
/// anything else reads the proxy's one-line reason and fails with it.
private final class TunnelOpener: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The proxy's answers are a status line, a few headers and a line of text.
    static let maximumAnswer = 16 * 1024

    private let target: EgressFetch.Target
    private let tls: NIOSSLContext?
    private let maxBytes: Int
    private let completion: EgressFetch.Completion
    private var buffer = ByteBuffer()
    /// The status of a refusal whose reason is still arriving.
    private var refusal: Int?

    init(target: EgressFetch.Target, tls: NIOSSLContext?, maxBytes: Int, completion: EgressFetch.Completion) {
        self.target = target
        self.tls = tls
        self.maxBytes = maxBytes
        self.completion = completion
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = "CONNECT \(target.authority) HTTP/1.1\r\nHost: \(target.authority)\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        guard buffer.readableBytes <= Self.maximumAnswer else {
            return fail(context, "the egress proxy's answer is longer than \(Self.maximumAnswer) bytes")
        }
        guard refusal == nil, let end = buffer.readableBytesView.firstRange(of: [13, 10, 13, 10])?.upperBound else {
            return
        }
        let headLength = end - buffer.readableBytesView.startIndex
        let head = buffer.getString(at: buffer.readerIndex, length: headLength) ?? ""
        let fields = head.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), let status = Int(fields[1]) else {
            return fail(context, "the egress proxy answered something that is not HTTP")
        }
        buffer.moveReaderIndex(forwardBy: headLength)
        guard status == 200 else {
            // The reason follows as the body; the proxy closes once it is written.
            refusal = status
            return
        }
        do {
            var handlers: [any ChannelHandler] = []
            if let tls {
                // An IP address is never sent as SNI; the certificate must then name that address.
                handlers.append(
                    try NIOSSLClientHandler(context: tls, serverHostname: target.isIPv6 || isIPv4 ? nil : target.host))
            }
            handlers.append(HTTPRequestEncoder())
            handlers.append(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
            handlers.append(ResponseCollector(target: target, maxBytes: maxBytes, completion: completion))
            try context.pipeline.syncOperations.addHandlers(handlers)
        } catch {
            return fail(context, "the request could not be set up: \(error)")
        }
        let early = buffer
        buffer = ByteBuffer()
        if early.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(early)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private var isIPv4: Bool {
        target.host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && target.host.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let refusal {
            let reason = buffer.readString(length: buffer.readableBytes) ?? ""
            completion.finish(
                .failure(
                    EgressFetch.Failure.refused(
                        status: refusal, reason: reason.trimmingCharacters(in: .whitespacesAndNewlines))))
        } else {
            completion.finish(.failure(EgressFetch.Failure.failed("the egress proxy closed the connection")))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, "the connection to the egress proxy failed: \(error)")
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        completion.finish(.failure(EgressFetch.Failure.failed(reason)))
        context.close(promise: nil)
    }
}

/// Sends the `GET` and collects the response, up to the byte limit.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let target: EgressFetch.Target
    private let maxBytes: Int
    private let completion: EgressFetch.Completion
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(target: EgressFetch.Target, maxBytes: Int, completion: EgressFetch.Completion) {
        self.target = target
        self.maxBytes = maxBytes
        self.completion = completion
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let headers = HTTPHeaders([
            ("Host", target.hostHeader), ("User-Agent", "Charter web.fetch"),
            ("Accept", "text/html, text/plain, application/json, application/xml, text/*;q=0.9, */*;q=0.1"),
            // No compression: the size cap counts what the server sends, and nothing is inflated.
            ("Accept-Encoding", "identity"), ("Connection", "close"),
        ])
        context.write(
            wrapOutboundOut(
                .head(HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers))),
            promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            head = received
        case .body(var chunk):
            let room = maxBytes - body.count
            if chunk.readableBytes > room {
                body += chunk.readBytes(length: room) ?? []
                finish(complete: false, truncated: true)
                context.close(promise: nil)
            } else {
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            }
        case .end:
            finish(complete: true, truncated: false)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if head != nil {
            finish(complete: false, truncated: false)
        } else {
            completion.finish(
                .failure(EgressFetch.Failure.failed("\(target.authority) closed the connection without answering")))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A server that closes without TLS's close_notify after a whole response is common and
        // harmless: what was read stands.
        if head != nil, let error = error as? NIOSSLError, case .uncleanShutdown = error {
            finish(complete: false, truncated: false)
        } else {
            completion.finish(.failure(EgressFetch.Failure.failed("\(target.authority): \(error)")))
        }
        context.close(promise: nil)
    }

    private func finish(complete: Bool, truncated: Bool) {
        guard let head else { return }
        completion.finish(
            .success(
                EgressFetch.Response(
                    status: Int(head.status.code), headers: head.headers, body: body, truncated: truncated,
                    complete: complete)))
    }
}
