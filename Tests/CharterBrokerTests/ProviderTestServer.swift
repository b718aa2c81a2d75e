import AsyncHTTPClient
import CharterBroker
import CharterModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A fake LLM server on 127.0.0.1 speaking both the Chat Completions and the Messages APIs.
///
/// The first path component picks a scenario (`/ok/v1/chat/completions`, `/ratelimit/v1/messages`;
/// the `tools-…` scenarios answering with tool calls are in ProviderTestServer+Tools.swift),
/// so one server serves every test case; error bodies echo the credential the client sent, the
/// way some real servers do, so redaction is tested against a hostile echo.
struct ProviderTestServer: Sendable {
    /// The API key the tests send; it must never appear in errors, descriptions or answers.
    static let secret = "sk-test-SECRET123"

    let port: Int
    let log: RequestLog
    let http: ProviderHTTPClient

    /// The OpenAI-style base URL for `scenario`.
    /// The test server listens on loopback, which an Organization must allow.
    static let loopback = OutboundAddressRules(allowed: [try! IPNetwork("127.0.0.0/8")])

    func openAIEndpoint(_ scenario: String) -> String { "http://127.0.0.1:\(port)/\(scenario)/v1" }
    /// The Anthropic-style base URL (without `/v1`) for `scenario`.
    func anthropicEndpoint(_ scenario: String) -> String { "http://127.0.0.1:\(port)/\(scenario)" }

    func openAI(_ scenario: String, key: String? = secret, overall: Duration? = nil) -> OpenAICompatibleProvider {
        OpenAICompatibleProvider(
            name: "openai-test", endpoint: openAIEndpoint(scenario), model: "gpt-test", apiKey: key.map(APIKey.init),
            client: http.client, overallTimeout: overall ?? http.timeouts.overall,
            addresses: Self.loopback)
    }

    func anthropic(_ scenario: String, key: String? = secret, overall: Duration? = nil) -> AnthropicProvider {
        AnthropicProvider(
            name: "anthropic-test", endpoint: anthropicEndpoint(scenario), model: "claude-test",
            apiKey: key.map(APIKey.init), client: http.client, overallTimeout: overall ?? http.timeouts.overall,
            addresses: Self.loopback)
    }

    /// Starts a server and a client with `timeouts`, runs `body`, then stops both.
    static func with<T: Sendable>(
        timeouts: ProviderTimeouts = ProviderTimeouts(
            connect: .seconds(30), idleRead: .seconds(30), overall: .seconds(120)),
        _ body: @Sendable (ProviderTestServer) async throws -> T
    ) async throws -> T {
        let log = RequestLog()
        let router = Router()
        router.post("{scenario}/v1/chat/completions") { request, context in
            try await Self.answer(request, context: context, log: log, api: .openAI)
        }
        router.post("{scenario}/v1/messages") { request, context in
            try await Self.answer(request, context: context, log: log, api: .anthropic)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Logger(label: "provider-test-server") { _ in SwiftLogNoOpLogHandler() })
        let serving = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { serving.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TestServerError() }
        let http = ProviderHTTPClient(timeouts: timeouts)
        do {
            let result = try await body(ProviderTestServer(port: port, log: log, http: http))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    struct TestServerError: Error {}

    enum API { case openAI, anthropic }

    /// What the server writes: text, or a pause before the next piece.
    enum Piece {
        case text(String)
        case pause(Duration)
    }

    static func answer(
        _ request: Request, context: BasicRequestContext, log: RequestLog, api: API
    ) async throws
        -> Response
    {
        let scenario = context.parameters.get("scenario") ?? ""
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let bytes = Array(body.readableBytesView)
        await log.append(RecordedRequest(path: request.uri.path, headers: headers, body: bytes))
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        let streaming = json["stream"] as? Bool ?? false
        // What a careless server echoes back: the credential it was sent.
        let echoed = headers["authorization"] ?? headers["x-api-key"] ?? ""
        let key = Array(echoed.hasPrefix("Bearer ") ? String(echoed.dropFirst(7)) : echoed)
        let third = key.count / 3
        // The key in three pieces, for answers that split it between events.
        let parts = [String(key[..<third]), String(key[third..<(2 * third)]), String(key[(2 * third)...])]
        if scenario.hasPrefix("tools-") {
            switch api {
            case .openAI: return openAIToolAnswer(scenario, streaming: streaming, echoed: echoed, parts: parts)
            case .anthropic: return anthropicToolAnswer(scenario, streaming: streaming, echoed: echoed, parts: parts)
            }
        }
        switch api {
        case .openAI: return openAIAnswer(scenario, streaming: streaming, echoed: echoed, parts: parts)
        case .anthropic: return anthropicAnswer(scenario, streaming: streaming, echoed: echoed, parts: parts)
        }
    }

    static func response(
        _ status: HTTPResponse.Status, _ pieces: [Piece], contentType: String = "application/json",
        extra: [(String, String)] = []
    ) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
        return Response(
            status: status, headers: fields,
            body: ResponseBody { writer in
                for piece in pieces {
                    switch piece {
                    case .text(let text): try await writer.write(ByteBuffer(string: text))
                    case .pause(let duration): try await Task.sleep(for: duration)
                    }
                }
                try await writer.finish(nil)
            })
    }

    static func events(_ pieces: [Piece]) -> Response { response(.ok, pieces, contentType: "text/event-stream") }

    static func json(_ status: HTTPResponse.Status, _ text: String, extra: [(String, String)] = []) -> Response {
        response(status, [.text(text)], extra: extra)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: .fragmentsAllowed), as: UTF8.self)
            .dropFirst().dropLast().description
    }

    /// 9 MiB of an answer that never ends, in 64 KiB writes.
    static let oversized: [Piece] =
        [.text(#"{"choices":[{"message":{"content":""#)]
        + Array(repeating: .text(String(repeating: "x", count: 64 << 10)), count: 144)

    /// 9.4 MiB of comment lines: no single event is large, the stream is.
    static let flood: [Piece] = Array(
        repeating: .text(": " + String(repeating: "x", count: 64 << 10) + "\n"), count: 150)

    static let usageOpenAI =
        #"{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"#
        + #""prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}"#

    static func openAIAnswer(_ scenario: String, streaming: Bool, echoed: String, parts: [String]) -> Response {
        func chunk(_ content: String?, finish: String? = nil) -> Piece {
            let delta = content.map { #"{"content":\#(quoted($0))}"# } ?? "{}"
            let reason = finish.map { "\"\($0)\"" } ?? "null"
            return .text(
                #"data: {"id":"c1","model":"gpt-test-2025","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"#
                    + "\n\n")
        }
        let usageChunk = Piece.text(
            #"data: {"id":"c1","model":"gpt-test-2025","choices":[],"usage":\#(usageOpenAI)}"# + "\n\n")
        let done = Piece.text("data: [DONE]\n\n")
        switch scenario {
        case "ok" where streaming:
            return events([
                .text(": keep-alive comment\n\n"), chunk(""), chunk("Hello"),
                // One event split between two writes, mid-line.
                .text(#"data: {"id":"c1","model":"gpt-test-2025","choices":[{"index":0,"delta":{"con"#),
                .text(#"tent":", world"},"finish_reason":null}]}"# + "\n\n"),
                chunk(nil, finish: "stop"), usageChunk, done,
            ])
        case "ok":
            return json(
                .ok,
                #"{"id":"c1","object":"chat.completion","model":"gpt-test-2025","choices":[{"index":0,"#
                    + #""message":{"role":"assistant","content":"Hello, world"},"finish_reason":"length"}],"#
                    + #""usage":\#(usageOpenAI)}"#)
        case "echo" where streaming:
            // The key split across three events: the scrubber must hold back partial matches.
            return events([
                chunk("Your key is " + parts[0]), chunk(parts[1]), chunk(parts[2] + ", and Bear"), chunk("er too."),
                chunk(nil, finish: "stop"), usageChunk, done,
            ])
        case "echo":
            return json(
                .ok,
                #"{"model":"gpt-test-2025","choices":[{"message":{"content":"You sent \#(quoted(echoed))"},"#
                    + #""finish_reason":"stop"}],"usage":\#(usageOpenAI)}"#)
        case "ratelimit":
            return json(
                .tooManyRequests,
                #"{"error":{"message":"Rate limit reached for \#(quoted(echoed))","type":"rate_limit_exceeded"}}"#,
                extra: [("retry-after", "7")])
        case "ratelimitms":
            return json(
                .tooManyRequests, #"{"error":{"message":"slow down"}}"#,
                extra: [("retry-after", "2"), ("retry-after-ms", "1500")])
        case "ratelimitreset":
            // No retry-after: the token limit ran out and resets in 6m0s; the request limit did not.
            return json(
                .tooManyRequests, #"{"error":{"message":"Rate limit reached for tokens"}}"#,
                extra: [
                    ("x-ratelimit-remaining-requests", "42"), ("x-ratelimit-reset-requests", "1s"),
                    ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "6m0s"),
                ])
        case "server500":
            return response(
                .internalServerError, [.text("internal error while serving \(echoed)")], contentType: "text/plain")
        case "server503":
            return json(.serviceUnavailable, #"{"error":{"message":"overloaded"}}"#, extra: [("retry-after", "3")])
        case "unauthorized":
            return json(
                .unauthorized,
                #"{"error":{"message":"Incorrect API key provided: \#(quoted(echoed))","type":"invalid_request_error","#
                    + #""code":"invalid_api_key"}}"#)
        case "badrequest":
            return json(.badRequest, #"{"error":{"message":"max_tokens is too large: \#(quoted(echoed))"}}"#)
        case "ollamaerror":
            return json(.notFound, #"{"error":"model \"gpt-test\" not found, try pulling it first"}"#)
        case "malformed" where streaming:
            return events([chunk("Hello"), .text("data: {not json\n\n")])
        case "malformed":
            return json(.ok, #"{"choices":[{"message":{"content":"Hel"#)
        case "oversized":
            return response(.ok, oversized)
        case "flood":
            return events(flood)
        case "stall" where streaming:
            return events([chunk("Hello"), .pause(.milliseconds(600)), chunk(" world"), usageChunk, done])
        case "stall":
            return response(.ok, [.text("{"), .pause(.milliseconds(600)), .text("}")])
        case "trickle" where streaming:
            return events(
                [chunk("Hello")] + (0..<40).flatMap { _ in [Piece.pause(.milliseconds(30)), .text(": tick\n")] })
        case "trickle":
            return response(.ok, (0..<40).flatMap { _ in [Piece.pause(.milliseconds(30)), .text(" ")] })
        case "nousage" where streaming:
            return events([chunk("Hello"), chunk(nil, finish: "stop"), done])
        case "nousage":
            return json(.ok, #"{"model":"m","choices":[{"message":{"content":"Hello"},"finish_reason":"stop"}]}"#)
        case "cut" where streaming:
            return events([chunk("Hello")])
        case "midstream":
            return events([
                chunk("Hello"), .text(#"data: {"error":{"message":"upstream failed","code":503}}"# + "\n\n"),
            ])
        case "slow":
            return response(.ok, [.pause(.seconds(3)), .text("{}")])
        default:
            return json(.notFound, #"{"error":{"message":"no scenario \#(scenario)"}}"#)
        }
    }

    static let messageStart =
        #"{"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","model":"claude-test-2025","#
        + #""content":[],"stop_reason":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":3,"#
        + #""cache_read_input_tokens":7,"output_tokens":1}}}"#

    static func anthropicAnswer(_ scenario: String, streaming: Bool, echoed: String, parts: [String]) -> Response {
        // CRLF line ends here, LF in the OpenAI answers: the parser must take both.
        func event(_ type: String, _ data: String) -> Piece { .text("event: \(type)\r\ndata: \(data)\r\n\r\n") }
        func delta(_ text: String) -> Piece {
            event(
                "content_block_delta",
                #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(quoted(text))}}"#)
        }
        let start = event("message_start", messageStart)
        let blockStart = event(
            "content_block_start",
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
        let messageDelta = event(
            "message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}"#
        )
        let stop = event("message_stop", #"{"type":"message_stop"}"#)
        func error(
            _ status: HTTPResponse.Status, _ type: String, _ message: String, extra: [(String, String)] = []
        )
            -> Response
        {
            json(status, #"{"type":"error","error":{"type":"\#(type)","message":\#(quoted(message))}}"#, extra: extra)
        }
        switch scenario {
        case "ok" where streaming:
            return events([
                start, blockStart, event("ping", #"{"type":"ping"}"#), delta("Hello"),
                // One event split between two writes, between CR and LF.
                .text(
                    "event: content_block_delta\r\ndata: "
                        + #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", world"}}"#
                        + "\r"),
                .text("\n\r\n"),
                event("content_block_stop", #"{"type":"content_block_stop","index":0}"#), messageDelta, stop,
            ])
        case "ok":
            return json(
                .ok,
                #"{"id":"m1","type":"message","role":"assistant","model":"claude-test-2025","#
                    + #""content":[{"type":"text","text":"Hello, "},{"type":"text","text":"world"}],"#
                    + #""stop_reason":"max_tokens","usage":{"input_tokens":20,"cache_creation_input_tokens":3,"#
                    + #""cache_read_input_tokens":7,"output_tokens":9}}"#)
        case "echo" where streaming:
            return events([
                start, blockStart, delta("key: " + parts[0]), delta(parts[1]), delta(parts[2] + "."), messageDelta,
                stop,
            ])
        case "echo":
            return json(
                .ok,
                #"{"model":"claude-test-2025","content":[{"type":"text","text":"You sent \#(quoted(echoed))"}],"#
                    + #""stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}"#)
        case "ratelimit":
            return error(
                .tooManyRequests, "rate_limit_error", "rate limited for key \(echoed)", extra: [("retry-after", "7")])
        case "server500":
            return error(.internalServerError, "api_error", "internal error for \(echoed)")
        case "server503":
            return error(.serviceUnavailable, "overloaded_error", "Overloaded", extra: [("retry-after", "3")])
        case "unauthorized":
            return error(.unauthorized, "authentication_error", "invalid x-api-key \(echoed)")
        case "badrequest":
            return error(.badRequest, "invalid_request_error", "max_tokens: too large (key \(echoed))")
        case "malformed" where streaming:
            return events([start, .text("event: content_block_delta\ndata: {\"type\":\n\n")])
        case "malformed":
            return json(.ok, "<html>502 Bad Gateway</html>")
        case "oversized":
            return response(.ok, oversized)
        case "flood":
            return events(flood)
        case "stall" where streaming:
            return events([start, delta("Hello"), .pause(.milliseconds(600)), messageDelta, stop])
        case "stall":
            return response(.ok, [.text("{"), .pause(.milliseconds(600)), .text("}")])
        case "trickle" where streaming:
            return events([start] + (0..<40).flatMap { _ in [Piece.pause(.milliseconds(30)), .text(": tick\n")] })
        case "trickle":
            return response(.ok, (0..<40).flatMap { _ in [Piece.pause(.milliseconds(30)), .text(" ")] })
        case "nousage" where streaming:
            return events([start, blockStart, delta("Hello"), stop])
        case "nousage":
            return json(.ok, #"{"model":"m","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn"}"#)
        case "cut" where streaming:
            return events([start, blockStart, delta("Hello"), messageDelta])
        case "midstream":
            return events([
                start, delta("Hello"),
                event("error", #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
            ])
        case "slow":
            return response(.ok, [.pause(.seconds(3)), .text("{}")])
        default:
            return error(.notFound, "not_found_error", "no scenario \(scenario)")
        }
    }
}

/// One request the server received.
struct RecordedRequest: Sendable {
    var path: String
    /// Header names in lowercase; the last value of each.
    var headers: [String: String]
    var body: [UInt8]

    /// The body as a JSON object.
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
}

/// The requests the server received, and a way to wait for the next one.
actor RequestLog {
    private(set) var requests: [RecordedRequest] = []
    private var waiters: [CheckedContinuation<RecordedRequest, Never>] = []

    func append(_ request: RecordedRequest) {
        requests.append(request)
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(returning: request) }
    }

    /// Returns once `count` requests have arrived.
    func waitUntil(count: Int) async {
        while requests.count < count { _ = await withCheckedContinuation { waiters.append($0) } }
    }

    var last: RecordedRequest? { requests.last }
}
