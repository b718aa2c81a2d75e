import AsyncHTTPClient
import CharterModel
import Foundation
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// MCP's streamable HTTP transport over AsyncHTTPClient: every message is a `POST` to the
/// endpoint, whose response is either one JSON message or a `text/event-stream` of them.
///
/// The MCP SDK's `HTTPClientTransport` uses `URLSession`, and on Linux it reads a response's
/// body whole and passes an event stream on as one undecodable message (it says so: "SSE
/// responses aren't fully supported on Linux"), so a call to a server that answers with events —
/// the default of the reference Python server — would never complete. This transport reads both
/// forms, bounded, and also:
///
/// - sends the credential as `Authorization: Bearer …`, and follows no redirect (one would resend it);
/// - keeps the server's `Mcp-Session-Id` and the negotiated `MCP-Protocol-Version` for later
///   requests, and ends the session with a `DELETE` on disconnect;
/// - bounds connecting and each idle read by its client's timeouts, and a response body by
///   ``PipeTransport/maxMessageBytes``;
/// - turns refusals into errors that name the status (`401`: the credential), which the pending
///   call receives.
///
/// Server-initiated messages on a separate `GET` stream are not needed for tools and are not
/// opened.
actor StreamableHTTPTransport: Transport {
    nonisolated let logger: Logger
    private let endpoint: String
    private let bearer: String?
    /// Where requests may go; checked before each one (a name may resolve elsewhere over time).
    private let addresses: OutboundAddressRules
    private let client: HTTPClient
    private let maxMessageBytes: Int
    private let headTimeout: TimeAmount
    private let messages: AsyncThrowingStream<Data, any Swift.Error>
    private let continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation
    private var sessionID: String?
    private var protocolVersion: String?
    private var connected = false
    /// Whether the client was shut down (once, connected or not: an `HTTPClient` released without
    /// it traps).
    private var shutDown = false

    /// A transport to `endpoint` (already checked with `HTTPEndpoint`) with its own client, which
    /// ``disconnect()`` shuts down; it sends only where `addresses` allows.
    init(
        endpoint: String, bearer: String?, timeout: Duration, addresses: OutboundAddressRules,
        maxMessageBytes: Int = PipeTransport.maxMessageBytes
    ) {
        self.endpoint = endpoint
        self.addresses = addresses
        self.bearer = bearer
        self.maxMessageBytes = maxMessageBytes
        // A little past the session's own bound on each request, which names the request it ends.
        let bound = Self.timeAmount(timeout + .seconds(5))
        headTimeout = bound
        logger = Logger(label: "charter.mcp.http", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: bound))
        configuration.decompression = .disabled
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        (messages, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
    }

    func connect() async throws {
        guard !shutDown else { throw TransportClosure(reason: "was disconnected") }
        connected = true
    }

    func disconnect() async {
        guard !shutDown else { return }
        shutDown = true
        connected = false
        continuation.finish(throwing: TransportClosure(reason: "was disconnected"))
        if let sessionID {
            var request = HTTPClientRequest(url: endpoint)
            request.method = .DELETE
            request.headers = headers()
            request.headers.replaceOrAdd(name: "Mcp-Session-Id", value: sessionID)
            _ = try? await client.execute(request, timeout: .seconds(5))
        }
        try? await client.shutdown()
    }

    func receive() -> AsyncThrowingStream<Data, any Swift.Error> { messages }

    func send(_ data: Data) async throws {
        guard connected else { throw TransportClosure(reason: "is not connected") }
        do throws(OutboundRefusal) {
            try await addresses.check(url: endpoint)
        } catch {
            throw TransportClosure(reason: "is not reached: \(error.description)")
        }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers = headers()
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "Accept", value: "application/json, text/event-stream")
        request.body = .bytes(ByteBuffer(bytes: data))
        let response: HTTPClientResponse
        do {
            // Until the response head; the body is bounded by the client's idle-read timeout.
            response = try await client.execute(request, timeout: headTimeout)
        } catch let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded {
            throw TransportClosure(reason: "did not answer in time (\(error))")
        } catch {
            throw TransportClosure(reason: "could not be reached (\(error))")
        }
        if let id = response.headers.first(name: "Mcp-Session-Id"), !id.isEmpty, id.utf8.count <= 1024 {
            sessionID = id
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 4096)).map { Quote.excerpt($0.readableBytesView) }
            throw TransportClosure(reason: Self.refusal(response.status, body: body))
        }
        // 202 Accepted: a notification or a response was taken; nothing comes back.
        guard response.status != .accepted else { return }
        let type = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("text/event-stream") {
            var parser = EventStreamParser(limit: maxMessageBytes)
            for try await chunk in response.body {
                for event in try parser.consume(chunk.readableBytesView) { try deliver(Data(event)) }
            }
        } else if type.hasPrefix("application/json") {
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maxMessageBytes)
            } catch is NIOTooManyBytesError {
                throw TransportClosure(reason: "sent a response larger than \(maxMessageBytes / (1024 * 1024)) MiB")
            }
            try deliver(Data(body.readableBytesView))
        } else {
            throw TransportClosure(
                reason: "answered with the content type `\(Quote.excerpt(type.utf8))`, not JSON or an event stream")
        }
    }

    /// Hands a message to the client after checking it is JSON; notes the negotiated version.
    private func deliver(_ data: Data) throws {
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else {
            throw TransportClosure(
                reason: "sent something that is not an MCP message (`\(Quote.excerpt(data))`)")
        }
        if let object = parsed as? [String: Any], let result = object["result"] as? [String: Any],
            let version = result["protocolVersion"] as? String, result["serverInfo"] != nil,
            Version.supported.contains(version)
        {
            protocolVersion = version
        }
        continuation.yield(data)
    }

    private func headers() -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let bearer { headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let sessionID { headers.add(name: "Mcp-Session-Id", value: sessionID) }
        if let protocolVersion { headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
        return headers
    }

    /// What a refusal means, for the error the call receives.
    static func refusal(_ status: HTTPResponseStatus, body: String?) -> String {
        let said = body.map { $0.isEmpty ? "" : ": \($0)" } ?? ""
        switch status.code {
        case 401, 403:
            return
                "refused the credential (HTTP \(status.code))\(said); check the ToolServer's http.credential and the secret's file"
        case 404:
            return "has no MCP endpoint at this URL, or ended the session (HTTP 404)\(said)"
        default:
            return "answered HTTP \(status.code)\(said)"
        }
    }

    /// `duration` as NIO's `TimeAmount`, saturating.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64.max / 1_000_000_000 - 1 else { return .nanoseconds(Int64.max) }
        return .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}

/// The `data` of each event of a `text/event-stream` body fed in pieces (lines end in `\n`,
/// `\r\n` or `\r`; `data:` lines join with `\n`; comments and other fields are skipped), each
/// event bounded by `limit` bytes.
struct EventStreamParser {
    let limit: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var afterCarriageReturn = false

    init(limit: Int) { self.limit = limit }

    /// The data of the events `bytes` complete.
    mutating func consume(_ bytes: some Sequence<UInt8>) throws -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                let skip = byte == UInt8(ascii: "\n") && afterCarriageReturn
                afterCarriageReturn = byte == UInt8(ascii: "\r")
                if !skip, let event = endLine() { events.append(event) }
                continue
            }
            afterCarriageReturn = false
            line.append(byte)
            guard line.count + data.count <= limit else {
                throw TransportClosure(
                    reason: "sent an event larger than \(limit / (1024 * 1024)) MiB in its event stream")
            }
        }
        return events
    }

    private mutating func endLine() -> [UInt8]? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                data = []
                hasData = false
            }
            return hasData ? data : nil
        }
        guard line.first != UInt8(ascii: ":") else { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return nil }
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data += value
        hasData = true
        return nil
    }
}
