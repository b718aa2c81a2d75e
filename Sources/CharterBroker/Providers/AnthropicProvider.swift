import AsyncHTTPClient
import CharterModel
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
    ///   - addresses: where requests may go; the endpoint's host, and what a name resolves to, is
    ///     checked before every request (public addresses only, by default).
    public init(
        name: String, endpoint: String, model: String, apiKey: APIKey?, client: HTTPClient,
        overallTimeout: Duration = ProviderTimeouts.default.overall,
        addresses: OutboundAddressRules = .publicOnly
    ) {
        self.name = name
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.model = model
        self.transport = ProviderTransport(
            providerName: name, client: client, overall: overallTimeout, apiKey: apiKey, addresses: addresses)
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
            let calls = content.filter { $0.type == "tool_use" }.enumerated().map { position, block in
                ToolCallSupport.scrubbed(
                    ToolCall(
                        id: block.id.flatMap { $0.isEmpty ? nil : $0 }
                            ?? ToolCallSupport.synthesizedID(request, index: position),
                        name: block.name ?? "", arguments: ToolCallSupport.argumentsText(block.input ?? .object([:]))),
                    transport)
            }
            return CompletionResponse(
                text: transport.scrub(text), model: message.model ?? fallbackModel,
                finishReason: ToolCallSupport.finishReason(
                    AnthropicWire.finishReason(message.stopReason), calls: calls),
                usage: usage.tokenUsage, toolCalls: calls)
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
                            response, request: request, transport: transport, fallbackModel: fallbackModel,
                            into: continuation)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A `tool_use` block being streamed: `content_block_start` names it, `input_json_delta`s
    /// write its input, `content_block_stop` completes it.
    private struct PendingCall {
        var id: String?
        var name: String
        /// The input the start event carried, used when no delta follows (the API sends `{}` there
        /// and streams the real input; a proxy may send it whole instead).
        var startInput: Value?
        var json = ""
    }

    /// Turns events into chunks. A tool call is yielded whole at its `content_block_stop` (or at
    /// `message_stop`, if a block was never closed), with the concatenated `partial_json` as its
    /// arguments, as the model wrote them; no delta at all means `{}`.
    private static func readStream(
        _ response: HTTPClientResponse, request: CompletionRequest, transport: ProviderTransport,
        fallbackModel: String, into continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation
    ) async throws {
        var scrubber = SecretScrubber(key: transport.apiKey)
        var model: String?
        var stopReason: String?
        var usage: AnthropicWire.Usage?
        var sawDelta = false
        var stopped = false
        var pending: [Int: PendingCall] = [:]
        var calls: [ToolCall] = []
        let decoder = JSONDecoder()
        func emit(_ piece: String?) {
            guard let piece, !piece.isEmpty else { return }
            let text = scrubber.push(piece)
            if !text.isEmpty { continuation.yield(.text(text)) }
        }
        func complete(_ index: Int) {
            guard let call = pending.removeValue(forKey: index) else { return }
            // Text held back by the scrubber came before the call; keep the order.
            let rest = scrubber.finish()
            if !rest.isEmpty { continuation.yield(.text(rest)) }
            var arguments = call.json
            if arguments.isEmpty { arguments = call.startInput.map(ToolCallSupport.argumentsText) ?? "{}" }
            let whole = ToolCallSupport.scrubbed(
                ToolCall(
                    id: call.id ?? ToolCallSupport.synthesizedID(request, index: calls.count), name: call.name,
                    arguments: arguments), transport)
            calls.append(whole)
            continuation.yield(.toolCall(whole))
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
                if let block = data.contentBlock, block.type == "tool_use" {
                    var input = block.input
                    if input == .object([:]) { input = nil }
                    pending[data.index ?? 0] = PendingCall(
                        id: block.id.flatMap { $0.isEmpty ? nil : $0 }, name: block.name ?? "", startInput: input)
                }
            case "content_block_delta":
                if data.delta?.type == "text_delta" { emit(data.delta?.text) }
                if data.delta?.type == "input_json_delta", let fragment = data.delta?.partialJSON {
                    pending[data.index ?? 0]?.json += fragment
                }
            case "content_block_stop":
                complete(data.index ?? 0)
            case "message_delta":
                if let reason = data.delta?.stopReason { stopReason = reason }
                if let value = data.usage {
                    usage = usage.map { $0.updated(with: value) } ?? value
                    sawDelta = true
                }
            case "message_stop":
                for index in pending.keys.sorted() { complete(index) }
                stopped = true
                return false
            case "error":
                // An error after the 200 head, such as `overloaded_error` mid-answer.
                let error = data.error ?? AnthropicWire.ErrorBody(type: nil, message: nil)
                throw CompletionError(httpStatus: error.status, message: "\(transport.providerName): \(error.text)")
            default:
                break  // ping, and event types added later
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
                model: model ?? fallbackModel,
                finishReason: ToolCallSupport.finishReason(AnthropicWire.finishReason(stopReason), calls: calls),
                usage: usage.tokenUsage))
    }

    /// The HTTP request for `request`.
    /// - Throws: ``CompletionError/Kind/invalidRequest`` for a request without messages, with a
    ///   non-positive token limit, a tool name no provider accepts, or a tool result without the id
    ///   of its call, before anything is sent.
    func httpRequest(for request: CompletionRequest, streaming: Bool) throws -> HTTPClientRequest {
        try request.validate()
        var body = AnthropicWire.Request(
            model: request.model ?? model, maxTokens: request.maxOutputTokens, system: request.system,
            messages: Self.wireMessages(request.messages), temperature: request.temperature,
            stream: streaming ? true : nil)
        if !request.tools.isEmpty {
            body.tools = request.tools.map {
                .init(name: $0.name, description: $0.description, inputSchema: $0.parameters)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = [("anthropic-version", Self.apiVersion)]
        if let key = transport.apiKey { headers.append(("x-api-key", key.value)) }
        return transport.request(
            url: url, headers: headers, body: Array(try encoder.encode(body)), streaming: streaming)
    }

    /// The conversation as Messages has it. Plain text stays a string. An assistant's calls become
    /// `tool_use` blocks after its text; their input is the arguments' JSON object, or `{}` when
    /// the model wrote malformed arguments (the caller answered that call with an error result, and
    /// Anthropic accepts only an object). Tool results become `tool_result` blocks of a `user`
    /// message: consecutive results share one message, as Anthropic requires all the results of
    /// one assistant turn in the next user message, and a user text right after them joins it too,
    /// after the results.
    static func wireMessages(_ messages: [CompletionMessage]) -> [AnthropicWire.Request.Message] {
        var wire: [AnthropicWire.Request.Message] = []
        // The blocks of the user message being gathered from tool results.
        var results: [AnthropicWire.Request.Block]?
        func closeResults() {
            if let blocks = results { wire.append(.init(role: "user", content: .blocks(blocks))) }
            results = nil
        }
        for message in messages {
            switch message.role {
            case .tool:
                let result = AnthropicWire.Request.Block.toolResult(
                    toolUseID: message.toolCallID ?? "", content: message.content, isError: message.isError)
                results = (results ?? []) + [result]
            case .user where results != nil:
                if !message.content.isEmpty { results?.append(.text(message.content)) }
                closeResults()
            case .user:
                wire.append(.init(role: "user", content: .text(message.content)))
            case .assistant where !message.toolCalls.isEmpty:
                closeResults()
                // Anthropic refuses empty text blocks.
                var blocks: [AnthropicWire.Request.Block] = message.content.isEmpty ? [] : [.text(message.content)]
                for call in message.toolCalls {
                    let input = ToolCallSupport.argumentsObject(call.arguments) ?? [:]
                    blocks.append(.toolUse(id: call.id, name: call.name, input: input))
                }
                wire.append(.init(role: "assistant", content: .blocks(blocks)))
            case .assistant:
                closeResults()
                wire.append(.init(role: "assistant", content: .text(message.content)))
            }
        }
        closeResults()
        return wire
    }
}
