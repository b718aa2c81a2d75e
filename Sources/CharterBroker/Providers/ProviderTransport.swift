import AsyncHTTPClient
import CharterFoundation
import CharterModel
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP exchange both providers share: sending a JSON request, classifying error answers,
/// reading bodies within their caps, and the overall deadline over head and body.
///
/// Every error leaving ``run(_:)`` is a ``CompletionError`` with the key scrubbed from its message,
/// or a `CancellationError` when the calling task was cancelled.
struct ProviderTransport: Sendable {
    /// The most bytes of a successful answer read (or of a whole event stream): a hostile or broken
    /// server must not exhaust memory.
    static let maximumBodyBytes = 8 << 20
    /// The most bytes of an error answer read for its message.
    static let maximumErrorBodyBytes = 64 << 10

    let providerName: String
    let client: HTTPClient
    let overall: Duration
    let apiKey: APIKey?
    /// Where requests may go: the Organization's `spec.endpoints`.
    let addresses: OutboundAddressRules

    /// A POST of `body` as JSON to `url` with `headers`.
    func request(url: String, headers: [(String, String)], body: [UInt8], streaming: Bool) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: streaming ? "text/event-stream" : "application/json")
        request.headers.add(name: "user-agent", value: "charter")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// Runs `operation` (one request, head and body) under the overall deadline and classifies what
    /// it throws.
    ///
    /// The deadline is a race in a task group: when the sleep wins, the operation's task is
    /// cancelled, which cancels its HTTP request (AsyncHTTPClient cancels a request whose task is
    /// cancelled, while waiting for the head or for a body part). Cancelling the calling task
    /// cancels both children the same way.
    func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: overall)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw CompletionError(.timeout, "\(providerName): no complete answer within \(overall)")
                }
                return value
            }
        } catch {
            throw classify(error)
        }
    }

    /// `error` as a ``CompletionError`` without the key, or `CancellationError` when the caller's
    /// task was cancelled.
    func classify(_ error: any Error) -> any Error {
        if Task.isCancelled { return CancellationError() }
        var result: CompletionError
        switch error {
        case let error as CompletionError:
            result = error
        case is CancellationError:
            // Only the deadline cancels the operation without cancelling this task, and then the
            // deadline's own error wins the race; this is a cancellation seen from inside.
            return CancellationError()
        case let error as HTTPClientError:
            switch error {
            case .readTimeout:
                result = CompletionError(.timeout, "\(providerName): no data for longer than the idle read timeout")
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .socksHandshakeTimeout,
                .httpProxyHandshakeTimeout:
                result = CompletionError(.timeout, "\(providerName): could not connect in time (\(error))")
            case .deadlineExceeded, .writeTimeout:
                result = CompletionError(.timeout, "\(providerName): \(error)")
            case .cancelled:
                return CancellationError()
            default:
                result = CompletionError(.transport, "\(providerName): \(error)")
            }
        case let error as ServerSentEventError:
            result = CompletionError(.server(status: 502, retryAfter: nil), "\(providerName): \(error.message)")
        default:
            result = CompletionError(.transport, "\(providerName): \(String(describing: error))")
        }
        result.message = CompletionError.redact(scrub(result.message))
        return result
    }

    /// `text` without the key.
    func scrub(_ text: String) -> String { apiKey?.scrub(text) ?? text }

    /// Sends `request` and returns the response when its status is 2xx.
    /// - Throws: ``CompletionError`` classified from the status (with `retry-after` honored) and
    ///   the message from the error body.
    func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        // The HTTP stack traps on some URLs (a port above 65535); whatever built this provider,
        // only a URL that passes the endpoint check reaches it.
        if let problem = HTTPEndpoint.problem(request.url) {
            throw CompletionError(
                .invalidRequest,
                "\(providerName): the URL \(Excerpt.cut(CompletionError.redact(request.url))) \(problem)")
        }
        // Validation refused such an endpoint already; this holds for a provider made any other
        // way, and for what a name resolves to now rather than when the repository was loaded.
        do throws(OutboundRefusal) {
            try await addresses.check(url: request.url)
        } catch {
            throw CompletionError(.invalidRequest, "\(providerName): not sent: \(error.description)")
        }
        // No deadline here: AsyncHTTPClient's would cover only the head, and `run` bounds head and
        // body together.
        let response = try await client.execute(request, deadline: .distantFuture)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw try await errorAnswer(response)
        }
        return response
    }

    /// The error an answer with a 3xx, 4xx or 5xx status stands for.
    private func errorAnswer(_ response: HTTPClientResponse) async throws -> CompletionError {
        var bytes: [UInt8] = []
        for try await part in response.body {
            bytes.append(contentsOf: part.readableBytesView.prefix(Self.maximumErrorBodyBytes - bytes.count))
            if bytes.count >= Self.maximumErrorBodyBytes { break }
        }
        let status = Int(response.status.code)
        let detail = Self.errorMessage(in: bytes)
        let message = scrub("\(providerName): HTTP \(status)\(detail.isEmpty ? "" : ": " + detail)")
        guard status >= 400 else {
            // Redirects are not followed (see ProviderHTTPClient); the endpoint is probably wrong.
            return CompletionError(.invalidRequest, message + " (redirects are not followed; check the endpoint)")
        }
        return CompletionError(httpStatus: status, retryAfter: Self.retryAfter(response.headers), message: message)
    }

    /// The wait a 429 or 5xx answer asks for, as `Retry-After` text (seconds or an HTTP date):
    /// `retry-after-ms` (OpenAI, in milliseconds) when present, else `retry-after`, else when the
    /// limit that ran out names its reset — OpenAI's `x-ratelimit-reset-requests` / `-tokens`
    /// (`1s`, `6m0s`, `20ms`) or Anthropic's `anthropic-ratelimit-*-reset` (an RFC 3339 time) for a
    /// limit whose `remaining` is 0 — the latest of those resets.
    static func retryAfter(_ headers: HTTPHeaders, now: Date = Date()) -> String? {
        if let text = headers.first(name: "retry-after-ms"), let milliseconds = Double(text), milliseconds >= 0 {
            return String(milliseconds / 1000)
        }
        if let text = headers.first(name: "retry-after") { return text }
        var latest: Double?
        func consider(_ seconds: Double?) {
            guard let seconds, seconds.isFinite, seconds >= 0 else { return }
            latest = max(latest ?? 0, seconds)
        }
        for limit in ["requests", "tokens"] where headers.first(name: "x-ratelimit-remaining-\(limit)") == "0" {
            consider(headers.first(name: "x-ratelimit-reset-\(limit)").flatMap(Self.resetSeconds))
        }
        for limit in ["requests", "tokens", "input-tokens", "output-tokens"]
        where headers.first(name: "anthropic-ratelimit-\(limit)-remaining") == "0" {
            let reset = headers.first(name: "anthropic-ratelimit-\(limit)-reset").flatMap(Timestamp.parse)
            consider(reset.map { $0.timeIntervalSince(now) })
        }
        return latest.map { String($0) }
    }

    /// An OpenAI reset duration (`1s`, `6m0s`, `1h2m3.5s`, `20ms`) in seconds; nil when malformed.
    static func resetSeconds(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        while let c = rest.first {
            if c.isNumber || c == "." {
                number.append(c)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(number) else { return nil }
            number = ""
            if rest.hasPrefix("ms") {
                total += value / 1000
                rest = rest.dropFirst(2)
            } else if let unit = ["h": 3600.0, "m": 60, "s": 1][String(c)] {
                total += value * unit
                rest = rest.dropFirst()
            } else {
                return nil
            }
        }
        return number.isEmpty ? total : nil
    }

    /// The human part of an error body: `error.message` (OpenAI, Anthropic, vLLM, LiteLLM),
    /// `error` as a string (Ollama), `message`, or the body's text, whitespace collapsed.
    static func errorMessage(in bytes: [UInt8]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String {
                let type = (error["type"] as? String).map { " (\($0))" } ?? ""
                return message + type
            }
            if let message = object["error"] as? String { return message }
            if let message = object["message"] as? String { return message }
        }
        let text = String(decoding: bytes.prefix(2000), as: UTF8.self)
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The whole body of a successful answer.
    /// - Throws: a retryable server error when it is larger than ``maximumBodyBytes``.
    func collect(_ response: HTTPClientResponse) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await part in response.body {
            guard bytes.count + part.readableBytes <= Self.maximumBodyBytes else {
                throw CompletionError(
                    .server(status: 502, retryAfter: nil),
                    "\(providerName): the answer is larger than \(Self.maximumBodyBytes) bytes")
            }
            bytes.append(contentsOf: part.readableBytesView)
        }
        return bytes
    }

    /// Feeds the event stream of `response` to `handle` until it returns `false` or the body ends.
    /// - Throws: a retryable server error when the stream exceeds ``maximumBodyBytes`` or an event
    ///   exceeds the parser's bound; whatever `handle` throws.
    func events(_ response: HTTPClientResponse, _ handle: (ServerSentEvent) throws -> Bool) async throws {
        var parser = ServerSentEventParser()
        var total = 0
        for try await part in response.body {
            total += part.readableBytes
            guard total <= Self.maximumBodyBytes else {
                throw CompletionError(
                    .server(status: 502, retryAfter: nil),
                    "\(providerName): the event stream is larger than \(Self.maximumBodyBytes) bytes")
            }
            for event in try parser.consume(part.readableBytesView) {
                guard try handle(event) else { return }
            }
        }
    }

    /// The error for an answer that is not what the API promises (malformed JSON, missing fields).
    ///
    /// Classified as a retryable server error (502, the status for an invalid answer from upstream):
    /// a 200 with a broken body is most likely a proxy or server fault, and another attempt, or
    /// another source, may well succeed.
    func invalidAnswer(_ what: String) -> CompletionError {
        CompletionError(.server(status: 502, retryAfter: nil), scrub("\(providerName): invalid answer: \(what)"))
    }
}
