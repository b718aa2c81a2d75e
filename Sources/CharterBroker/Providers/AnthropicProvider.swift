import AsyncHTTPClient
import Foundation

/// A provider for the Anthropic Messages API.
///
/// The endpoint is the API's base URL **without** the version, as Anthropic's SDKs take it
/// (`https://api.anthropic.com`), and requests go to `{endpoint}/v1/messages`; an endpoint that
/// already ends in `/v1` is accepted too and gets `/messages`. Headers: `x-api-key` (when there is
/// a key) and `anthropic-version: 2023-06-01`. The system text is the top-level `system` field.
///
/// Streaming reads the SSE events `message_start` (model, input and cache usage),
/// `content_block_start`/`content_block_delta` (`text_delta` pieces), `message_delta` (stop
/// reason, output tokens), `message_stop` (the end) and `error`; `ping` and thinking deltas are
/// skipped. A stream that ends before `message_stop` or without `message_delta`'s usage fails as
/// a retryable transport error.
///
/// Usage: `input` = `input_tokens` + `cache_creation_input_tokens` + `cache_read_input_tokens`
/// (Anthropic counts only the uncached remainder in `input_tokens`), `cachedInput` =
/// `cache_read_input_tokens`, `output` = `output_tokens`; thinking is not reported apart, so
/// `reasoning` is 0.
public struct AnthropicProvider: CompletionProvider, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The API version sent in `anthropic-version`.
    public static let apiVersion = "2023-06-01"

    public let name: String
    /// The API's base URL, without a trailing slash.
    public let endpoint: String
    /// The model asked for when the request names none.
    public let model: String
    private let transport: ProviderTransport

    /// A provider for the API at `endpoint` (`https://api.anthropic.com`).
    ///
    /// - Parameters:
    ///   - apiKey: sent as `x-api-key`; `nil` sends none (for a keyless local proxy).
    ///   - client: the shared client, whose configuration bounds connecting and idle reads.
    ///   - overallTimeout: the most time for a whole call, answer included.
    public init(
        name: String, endpoint: String, model: String, apiKey: APIKey?, client: HTTPClient,
        overallTimeout: Duration = ProviderTimeouts.default.overall
    ) {
        self.name = name
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.model = model
        self.transport = ProviderTransport(providerName: name, client: client, overall: overallTimeout, apiKey: apiKey)
    }

    public var description: String {
        "AnthropicProvider(name: \(name), endpoint: \(CompletionError.redact(endpoint)), model: \(model), "
            + "key: \(transport.apiKey == nil ? "none" : "***"))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "endpoint": CompletionError.redact(endpoint), "model": model])
    }

    /// The URL requests go to.
    public var url: String { endpoint + (endpoint.hasSuffix("/v1") ? "/messages" : "/v1/messages") }

    public func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        let httpRequest = try httpRequest(for: request, streaming: false)
        let transport = self.transport
        let fallbackModel = request.model ?? model
        return try await transport.run {
            let response = try await transport.send(httpRequest)
            let body = try await transport.collect(response)
            let message: AnthropicWire.Message
            do {
                message = try JSONDecoder().decode(AnthropicWire.Message.self, from: Data(body))
            } catch {
                throw transport.invalidAnswer(
                    "the body is not a message (\(OpenAICompatibleProvider.describe(error)))")
            }
            if let error = message.error {
                throw CompletionError(httpStatus: error.status, message: "\(transport.providerName): \(error.text)")
            }
            guard let content = message.content else { throw transport.invalidAnswer("no content") }
            guard let usage = message.usage else { throw transport.invalidAnswer("no usage") }
            let text = content.filter { $0.type == "text" }.compactMap(\.text).joined()
            return CompletionResponse(
                text: transport.scrub(text), model: message.model ?? fallbackModel,
                finishReason: AnthropicWire.finishReason(message.stopReason), usage: usage.tokenUsage)
        }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let httpRequest: HTTPClientRequest
            do {
                httpRequest = try self.httpRequest(for: request, streaming: true)
            } catch {
                continuation.finish(throwing: error)
                return
            }
            let transport = self.transport
            let fallbackModel = request.model ?? model
            let task = Task {
                do {
                    try await transport.run {
                        let response = try await transport.send(httpRequest)
                        try await Self.readStream(
                            response, transport: transport, fallbackModel: fallbackModel, into: continuation)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func readStream(
        _ response: HTTPClientResponse, transport: ProviderTransport, fallbackModel: String,
        into continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation
    ) async throws {
        var scrubber = SecretScrubber(key: transport.apiKey)
        var model: String?
        var stopReason: String?
        var usage: AnthropicWire.Usage?
        var sawDelta = false
        var stopped = false
        let decoder = JSONDecoder()
        func emit(_ piece: String?) {
            guard let piece, !piece.isEmpty else { return }
            let text = scrubber.push(piece)
            if !text.isEmpty { continuation.yield(.text(text)) }
        }
        try await transport.events(response) { event in
            let data: AnthropicWire.Event
            do {
                data = try decoder.decode(AnthropicWire.Event.self, from: Data(event.data.utf8))
            } catch {
                throw transport.invalidAnswer(
                    "an event is not a message event (\(OpenAICompatibleProvider.describe(error)))")
            }
            switch data.type ?? event.event ?? "" {
            case "message_start":
                if let value = data.message?.model, !value.isEmpty { model = value }
                if let value = data.message?.usage { usage = usage.map { $0.updated(with: value) } ?? value }
            case "content_block_start":
                if data.contentBlock?.type == "text" { emit(data.contentBlock?.text) }
            case "content_block_delta":
                if data.delta?.type == "text_delta" { emit(data.delta?.text) }
            case "message_delta":
                if let reason = data.delta?.stopReason { stopReason = reason }
                if let value = data.usage {
                    usage = usage.map { $0.updated(with: value) } ?? value
                    sawDelta = true
                }
            case "message_stop":
                stopped = true
                return false
            case "error":
                // An error after the 200 head, such as `overloaded_error` mid-answer.
                let error = data.error ?? AnthropicWire.ErrorBody(type: nil, message: nil)
                throw CompletionError(httpStatus: error.status, message: "\(transport.providerName): \(error.text)")
            default:
                break  // ping, content_block_stop, and event types added later
            }
            return true
        }
        let rest = scrubber.finish()
        if !rest.isEmpty { continuation.yield(.text(rest)) }
        guard stopped, sawDelta, let usage else {
            throw CompletionError(
                .transport,
                "\(transport.providerName): the stream ended before the provider reported usage"
                    + (stopped ? "" : " (no message_stop)"))
        }
        continuation.yield(
            .finished(
                model: model ?? fallbackModel, finishReason: AnthropicWire.finishReason(stopReason),
                usage: usage.tokenUsage))
    }

    /// The HTTP request for `request`.
    /// - Throws: ``CompletionError/Kind/invalidRequest`` for a request without messages or with a
    ///   non-positive token limit, before anything is sent.
    func httpRequest(for request: CompletionRequest, streaming: Bool) throws -> HTTPClientRequest {
        try OpenAICompatibleProvider.validate(request)
        let body = AnthropicWire.Request(
            model: request.model ?? model, maxTokens: request.maxOutputTokens, system: request.system,
            messages: request.messages.map { .init(role: $0.role.rawValue, content: $0.content) },
            temperature: request.temperature, stream: streaming ? true : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = [("anthropic-version", Self.apiVersion)]
        if let key = transport.apiKey { headers.append(("x-api-key", key.value)) }
        return transport.request(
            url: url, headers: headers, body: Array(try encoder.encode(body)), streaming: streaming)
    }
}
